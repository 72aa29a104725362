// libFuzzer target for what the DynamoDB client reads off the network: the
// HTTP reply's status, x-amz-crc32 header and body, judged by
// aws::interpret_reply, with the nesting pre-check json_nesting_within, and
// a successful reply's body read as DescribeTable by aws::parse_table_state.
//
// Input: STATUS \n CRC \n TRANSPORT_ERROR \n TRUNCATED \n BODY
//   CRC: empty for no x-amz-crc32 header, "ok" for the body's own CRC-32,
//        else the header's value as it is;
//   TRANSPORT_ERROR: empty for a reply, else no reply and this error;
//   TRUNCATED: non-empty when the client cut the body off.
//
// Invariants (violations trap):
//  - nothing throws;
//  - a success is a 2xx reply whose whole body, within the size limit and
//    matching its checksum, is a JSON object (and is the outcome's body);
//  - failures without a reply and checksum mismatches are retryable; the
//    detail of a reply is one bounded line;
//  - json_nesting_within agrees with the depth of any valid JSON text;
//  - a DescribeTable reading either names a status and a hash key or says
//    why not.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aws/dynamo_reply.h"
#include "aws/dynamodb.h"
#include "aws/table_state.h"
#include "fuzz_input.h"

namespace {

using namespace drpilot;
using nlohmann::json;

constexpr std::size_t kMaxReply = 2048;

// The deepest nesting of arrays and objects in a JSON text, read without
// building it (the SAX parser keeps its own stack, so any depth is fine).
struct DepthSax : json::json_sax_t {
  int depth = 0, deepest = 0;
  bool open() {
    deepest = std::max(deepest, ++depth);
    return true;
  }
  bool close() {
    --depth;
    return true;
  }
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return open(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }
};

void check_nesting(const std::string& text) {
  // nlohmann's parser takes a NUL byte for the end of the text; the
  // pre-check reads on, and so may refuse more, never less.
  if (text.find('\0') != std::string::npos) return;
  DepthSax sax;
  if (!json::sax_parse(text, &sax)) return;
  for (int max : {0, 1, 2, 3, 8, 32, 128}) {
    FUZZ_CHECK(aws::json_nesting_within(text, max) == (sax.deepest <= max));
  }
}

// What x-amz-crc32 must hold for the body to be accepted: its CRC-32 in
// decimal (leading zeros allowed).
bool checksum_matches(const std::string& header, const std::string& body) {
  if (header.empty() || header.find_first_not_of("0123456789") != std::string::npos) return false;
  const std::size_t digits = header.find_first_not_of('0');
  return digits == std::string::npos ? aws::crc32(body) == 0
                                     : header.substr(digits) == std::to_string(aws::crc32(body));
}

void check_table_state(const json& body) {
  std::string error;
  const std::optional<aws::TableState> s = aws::parse_table_state(body, error);
  if (!s) {
    FUZZ_CHECK(!error.empty());
    return;
  }
  FUZZ_CHECK(!s->status.empty() && !s->hash_key.name.empty());
  bool all_active = s->status == "ACTIVE";
  for (const auto& [region, status] : s->replicas) all_active = all_active && status == "ACTIVE";
  FUZZ_CHECK(aws::not_active_reason(*s).empty() == all_active);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  net::ClientResult r;
  const std::string status = fuzz::next_line(in);
  const std::string crc = fuzz::next_line(in);
  const std::string transport_error = fuzz::next_line(in);
  r.body_truncated = !fuzz::next_line(in).empty();
  r.body = std::string(in);
  r.ok = transport_error.empty();
  r.error = transport_error;
  r.status = 0;
  for (char c : status.substr(0, 4)) {
    if (c >= '0' && c <= '9') r.status = r.status * 10 + (c - '0');
  }
  if (crc == "ok") {
    r.headers["x-amz-crc32"] = std::to_string(aws::crc32(r.body));
  } else if (!crc.empty()) {
    r.headers["x-amz-crc32"] = crc;
  }

  aws::ReplyOutcome o;
  try {
    o = aws::interpret_reply(r, kMaxReply);
  } catch (...) {
    FUZZ_CHECK(!"interpret_reply threw");
  }
  if (o.ok) {
    FUZZ_CHECK(r.ok && r.status >= 200 && r.status < 300 && !r.body_truncated);
    FUZZ_CHECK(r.body.size() <= kMaxReply && o.body.is_object());
    FUZZ_CHECK(o.body == json::parse(r.body, nullptr, false));
    FUZZ_CHECK(crc.empty() || crc == "ok" || checksum_matches(crc, r.body));
    check_table_state(o.body);
  } else {
    FUZZ_CHECK(!o.detail.empty());
    if (!r.ok) FUZZ_CHECK(o.retryable && o.http_status == 0);
  }
  if (r.ok) {
    FUZZ_CHECK(o.http_status == r.status);
    FUZZ_CHECK(!fuzz::has_control_char(o.detail) && o.detail.size() <= 512);
  }
  if (o.throttled) FUZZ_CHECK(o.retryable);
  check_nesting(r.body);
  return 0;
}
