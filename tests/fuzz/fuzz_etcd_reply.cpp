// libFuzzer target for etcd's replies as cluster/etcd_reply reads them.
//
// Input: KIND \n BODY, KIND one of grant, keepalive, range, txn, header,
// error, token (anything else: all of them).
//
// Invariants (violations trap):
//  - nothing throws;
//  - a parse either succeeds ("") or says why on one bounded line;
//  - what succeeds holds no negative revision, a lease grant has an ID and
//    a positive TTL, a keep-alive's TTL is not negative, a range's count
//    covers its keys, and a token is printable ASCII without spaces.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cluster/etcd_reply.h"
#include "fuzz_input.h"

namespace {

using namespace drpilot::cluster;

void check_error(const std::string& e) {
  FUZZ_CHECK(e.size() <= 512 && !drpilot::fuzz::has_control_char(e));
}

void check_kvs(const std::vector<KeyValue>& kvs) {
  for (const KeyValue& kv : kvs) {
    FUZZ_CHECK(!kv.key.empty() && kv.create_revision >= 0 && kv.mod_revision >= 0);
  }
}

void run(const std::string& kind, std::string_view body) {
  const bool all = kind != "grant" && kind != "keepalive" && kind != "range" && kind != "txn" &&
                   kind != "header" && kind != "error" && kind != "token";
  if (all || kind == "grant") {
    LeaseGrant g;
    const std::string e = parse_lease_grant(body, g);
    check_error(e);
    if (e.empty()) FUZZ_CHECK(g.id != 0 && g.ttl_s > 0 && g.header.revision >= 0);
  }
  if (all || kind == "keepalive") {
    LeaseKeepAlive k;
    const std::string e = parse_keepalive(body, k);
    check_error(e);
    if (e.empty()) FUZZ_CHECK(k.ttl_s >= 0);
  }
  if (all || kind == "range") {
    RangeReply r;
    const std::string e = parse_range(body, r);
    check_error(e);
    if (e.empty()) {
      check_kvs(r.kvs);
      FUZZ_CHECK(r.count >= static_cast<std::int64_t>(r.kvs.size()));
    }
  }
  if (all || kind == "txn") {
    TxnReply t;
    const std::string e = parse_txn(body, t);
    check_error(e);
    if (e.empty()) {
      FUZZ_CHECK(t.header.revision > 0);
      for (const auto& kvs : t.ranges) check_kvs(kvs);
    }
  }
  if (all || kind == "header") {
    EtcdHeader h;
    const std::string e = parse_header_only(body, h);
    check_error(e);
    if (e.empty()) FUZZ_CHECK(h.revision >= 0);
  }
  if (all || kind == "error") {
    EtcdError x;
    check_error(parse_error(body, x));
  }
  if (all || kind == "token") {
    std::string token;
    const std::string e = parse_auth_token(body, token);
    check_error(e);
    if (e.empty()) {
      FUZZ_CHECK(!token.empty());
      for (unsigned char c : token) FUZZ_CHECK(c > 0x20 && c < 0x7f);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string kind = drpilot::fuzz::next_line(in);
  try {
    run(kind, in);
  } catch (...) {
    FUZZ_CHECK(!"an etcd reply parser threw");
  }
  return 0;
}
