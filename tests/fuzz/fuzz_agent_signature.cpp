// libFuzzer target for the signature on agent reports and assignments: the
// X-Drpilot-Timestamp and X-Drpilot-Signature headers and the body, as any
// client may send them, checked by api::verify_body.
//
// Input: KEY \n TIMESTAMP \n SIGNATURE \n BODY
//
// Invariants (violations trap):
//  - nothing throws;
//  - a message is accepted only with the exact HMAC of timestamp + "." +
//    body under a non-empty key, and a timestamp of 1-15 decimal digits
//    within the allowed skew of the clock;
//  - the same message signed with the right key is accepted when its
//    timestamp is on time, and refused for its timestamp only otherwise;
//  - a refusal never shows the expected signature.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/agent_protocol.h"
#include "fuzz_input.h"

namespace {

using namespace drpilot;

const core::TimePoint kNow = core::from_ms(1'700'000'000'000);

bool decimal_ms(const std::string& s) {
  return !s.empty() && s.size() <= 15 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string verify(const std::string& key, const std::string& timestamp,
                   const std::string& signature, const std::string& body, core::TimePoint now) {
  try {
    return api::verify_body(key, timestamp, signature, body, now, api::kMaxClockSkew);
  } catch (...) {
    FUZZ_CHECK(!"verify_body threw");
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string key = fuzz::next_line(in);
  const std::string timestamp = fuzz::next_line(in);
  const std::string signature = fuzz::next_line(in);
  const std::string body(in);

  const bool well_formed = decimal_ms(timestamp);
  const bool on_time = well_formed && std::abs(std::stoll(timestamp) - core::to_ms(kNow)) <=
                                          api::kMaxClockSkew.count();
  const std::string expected = key.empty() ? "" : api::sign_body(key, timestamp, body);

  const std::string why = verify(key, timestamp, signature, body, kNow);
  if (why.empty()) FUZZ_CHECK(!key.empty() && on_time && signature == expected);
  if (!expected.empty()) FUZZ_CHECK(why.find(expected.substr(7)) == std::string::npos);

  if (key.empty() || !well_formed) return 0;
  const std::string signed_why = verify(key, timestamp, expected, body, kNow);
  FUZZ_CHECK(on_time ? signed_why.empty() : signed_why.rfind("the timestamp is ", 0) == 0);
  // On the sender's own clock, a freshly signed message always passes.
  FUZZ_CHECK(verify(key, timestamp, expected, body, core::from_ms(std::stoll(timestamp))).empty());
  return 0;
}
