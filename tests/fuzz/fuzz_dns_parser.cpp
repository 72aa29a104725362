// libFuzzer target for everything in src/dns that reads untrusted octets:
// the query parser, the general message parser and the responder.
//
// Invariants (violations trap, so the fuzzer reports them):
//  - a response never exceeds its size limit: the caller's buffer, 512 over
//    UDP without EDNS0, the client's size capped at kMaxUdpResponse with it,
//    65535 over TCP;
//  - a response echoes the query ID and has QR set;
//  - every response parses back with our own message parser;
//  - a parsed query name survives wire → text → wire unchanged.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/plan.h"
#include "core/spec.h"
#include "dns/answer.h"
#include "dns/name.h"
#include "dns/snapshot.h"
#include "dns/wire.h"

namespace {

using namespace drpilot;

// example.test with an apex NS + glue, a multi-address record, one that
// truncates over UDP, an empty non-terminal, and a nested zone.
std::shared_ptr<const dns::Snapshot> fixed_snapshot() {
  core::ZoneSpec zone;
  zone.name = "example.test";
  zone.ns = {{"ns1.example.test", {"192.0.2.53", "2001:db8::53"}}, {"ns2.other.net", {}}};
  zone.soa_minimum = 300;
  core::ZoneSpec sub;
  sub.name = "sub.example.test";
  sub.ns = {{"ns.sub.example.test", {"192.0.2.54"}}};
  core::SiteSpec ams{"ams", {"192.0.2.1", "192.0.2.2"}, {"2001:db8::1"}};
  core::SiteSpec big{"big", {}, {}};
  for (int i = 0; i < 100; ++i) big.ipv4.push_back("10.0." + std::to_string(i) + ".1");
  std::vector<core::RecordSpec> records(4);
  records[0].name = "www.example.test";
  records[1].name = "www.example.test";
  records[1].type = core::RecordType::AAAA;
  records[2].name = "api.eu.example.test";
  records[3].name = "big.example.test";
  core::Plan plan;
  plan.generation = 3;
  plan.records["www.example.test/A"].sites = {"ams"};
  plan.records["www.example.test/AAAA"].sites = {"ams"};
  plan.records["api.eu.example.test/A"].sites = {"ams"};
  plan.records["big.example.test/A"].sites = {"big"};
  return dns::build_snapshot({zone, sub}, {ams, big}, records, plan);
}

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// The limit the responder must respect for this query.
std::size_t size_limit(const std::uint8_t* data, std::size_t size, dns::Transport transport,
                       std::size_t cap) {
  if (transport == dns::Transport::tcp) return std::min(cap, dns::kMaxTcpMessage);
  dns::Query q;
  std::size_t limit = dns::kClassicUdpSize;
  if (dns::parse_query(data, size, q) == dns::WireError::none && q.has_edns) {
    limit = std::clamp<std::size_t>(q.edns_payload, dns::kClassicUdpSize, dns::kMaxUdpResponse);
  }
  return std::min(cap, limit);
}

void check_response(const std::uint8_t* query, const std::uint8_t* out, std::size_t size,
                    std::size_t limit) {
  if (size == 0) return;
  check(size <= limit);
  check(size >= dns::kHeaderSize);
  check(out[0] == query[0] && out[1] == query[1]);  // ID echoed
  check((out[2] & 0x80) != 0);                      // QR set
  dns::Message m;
  check(dns::parse_message(out, size, m) == dns::WireError::none);
  check(m.questions.size() <= 1);
}

void answer_and_check(const dns::Snapshot* snapshot, const std::uint8_t* data, std::size_t size,
                      dns::Transport transport, std::size_t cap) {
  // Exactly `cap` octets, so AddressSanitizer sees any write past the end.
  std::vector<std::uint8_t> out(cap);
  const dns::AnswerResult r = dns::answer(snapshot, data, size, out.data(), cap, transport);
  check(r.size <= cap);
  check_response(data, out.data(), r.size, size_limit(data, size, transport, cap));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::shared_ptr<const dns::Snapshot> snapshot = fixed_snapshot();

  dns::Query q;
  if (dns::parse_query(data, size, q) == dns::WireError::none) {
    const std::string text = dns::wire_to_text(q.qname.data(), q.qname_size);
    const auto wire = dns::name_to_wire(text);
    check(wire.has_value() && *wire == q.qname_view());
  }
  dns::Message m;
  (void)dns::parse_message(data, size, m);

  answer_and_check(snapshot.get(), data, size, dns::Transport::udp, dns::kMaxUdpResponse);
  answer_and_check(snapshot.get(), data, size, dns::Transport::tcp, dns::kMaxTcpMessage);
  answer_and_check(nullptr, data, size, dns::Transport::udp, dns::kMaxUdpResponse);
  // A caller buffer smaller than the protocol limit, sized by the input.
  answer_and_check(snapshot.get(), data, size, dns::Transport::tcp, 12 + size % 700);
  return 0;
}
