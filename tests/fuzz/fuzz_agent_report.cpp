// libFuzzer target for the report an agent pushes to the controllers
// (POST /api/v1/agents/report): api::parse_report over any body.
//
// Invariants (violations trap):
//  - nothing throws; a refusal always says why, an acceptance never does;
//  - an accepted report holds only what the protocol allows: names of
//    [A-Za-z0-9._-], a nonce of 8-128 [A-Za-z0-9_-], bounded lists and free
//    text without control characters, times and latencies in range, and
//    every observation's vantage is the agent;
//  - an accepted report survives encode_report → parse_report unchanged.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/agent_protocol.h"
#include "fuzz_input.h"

namespace {

using namespace drpilot;

bool is_name(const std::string& s) {
  return fuzz::is_name(s, api::kMaxNameLength);
}

bool is_nonce(const std::string& s) {
  return s.size() >= 8 && s.size() <= api::kMaxNonceLength &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
         });
}

bool same_observation(const core::Observation& a, const core::Observation& b) {
  return a.target == b.target && a.vantage == b.vantage && a.ok == b.ok && a.latency == b.latency &&
         a.detail == b.detail && a.at == b.at;
}

bool same_report(const api::AgentReport& a, const api::AgentReport& b) {
  return a.agent == b.agent && a.site == b.site && a.sent_at_ms == b.sent_at_ms &&
         a.nonce == b.nonce && a.applied_generation == b.applied_generation &&
         a.applied_ok == b.applied_ok && a.applied_error == b.applied_error &&
         a.healthy == b.healthy && a.observations.size() == b.observations.size() &&
         std::equal(a.observations.begin(), a.observations.end(), b.observations.begin(),
                    same_observation);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  std::string error;
  std::optional<api::AgentReport> r;
  try {
    r = api::parse_report(body, error);
  } catch (...) {
    FUZZ_CHECK(!"parse_report threw");
  }
  if (!r) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  FUZZ_CHECK(error.empty());
  FUZZ_CHECK(is_name(r->agent) && is_name(r->site) && is_nonce(r->nonce));
  FUZZ_CHECK(r->sent_at_ms >= 0);
  FUZZ_CHECK(r->observations.size() <= api::kMaxObservations);
  FUZZ_CHECK(r->applied_error.size() <= api::kMaxTextLength);
  FUZZ_CHECK(!fuzz::has_control_char(r->applied_error));
  for (const core::Observation& o : r->observations) {
    FUZZ_CHECK(o.vantage == r->agent);
    FUZZ_CHECK(!o.target.empty() && o.target.size() <= api::kMaxTargetLength);
    FUZZ_CHECK(o.detail.size() <= api::kMaxDetailLength);
    FUZZ_CHECK(!fuzz::has_control_char(o.target) && !fuzz::has_control_char(o.detail));
    FUZZ_CHECK(o.latency.count() >= 0 && core::to_ms(o.at) >= 0);
  }

  std::string again_error;
  const std::optional<api::AgentReport> again =
      api::parse_report(api::encode_report(*r), again_error);
  FUZZ_CHECK(again && same_report(*r, *again));
  return 0;
}
