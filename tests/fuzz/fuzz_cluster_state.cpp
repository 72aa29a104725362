// libFuzzer target for what cluster members read from etcd about each other:
// the shared state (cluster/shared_state) and a follower's vantage report
// (cluster/vantage_report).
//
// Input: KIND \n TEXT, KIND one of state, report (anything else: both).
//
// Invariants (violations trap):
//  - nothing but std::runtime_error is thrown, and its message is one
//    bounded line;
//  - what decodes encodes again and decodes to the same (a state keeps its
//    term, generation and overrides; a report its observations, each with
//    the member's name as its vantage and a time after the epoch).

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cluster/shared_state.h"
#include "cluster/vantage_report.h"
#include "fuzz_input.h"

namespace {

using namespace drpilot::cluster;

void check_error(const std::runtime_error& e) {
  const std::string m = e.what();
  FUZZ_CHECK(!m.empty() && m.find('\n') == std::string::npos);
}

void state(const std::string& text) {
  SharedState s;
  try {
    s = decode_shared_state(text);
  } catch (const std::runtime_error& e) {
    check_error(e);
    return;
  }
  const SharedState again = decode_shared_state(encode(s));
  FUZZ_CHECK(again.plan.term == s.plan.term && again.plan.generation == s.plan.generation);
  FUZZ_CHECK(again.plan.leader == s.plan.leader && again.overrides.drained == s.overrides.drained);
  FUZZ_CHECK(again.verified == s.verified && again.plan.records.size() == s.plan.records.size());
  FUZZ_CHECK(s.plan.term >= 0);
}

void report(const std::string& text) {
  VantageReport report;
  try {
    report = decode_vantage_report(text, "bravo");
  } catch (const std::runtime_error& e) {
    check_error(e);
    return;
  }
  const std::vector<drpilot::core::Observation>& obs = report.observations;
  for (const auto& o : obs) {
    FUZZ_CHECK(o.vantage == "bravo" && o.at > drpilot::core::TimePoint{});
    FUZZ_CHECK(o.latency.count() >= 0 && !(o.ok && o.inconclusive));
  }
  const VantageReport back = decode_vantage_report(encode_vantage_report(report), "bravo");
  FUZZ_CHECK(back.config_digest == report.config_digest);
  const auto& again = back.observations;
  FUZZ_CHECK(again.size() == obs.size());
  for (std::size_t i = 0; i < obs.size(); ++i) {
    FUZZ_CHECK(again[i].target == obs[i].target && again[i].at == obs[i].at &&
               again[i].ok == obs[i].ok && again[i].detail == obs[i].detail);
  }
  VantageInbox inbox;
  const std::size_t first = inbox.take(obs).size();
  FUZZ_CHECK(first <= obs.size() && inbox.take(obs).empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string kind = drpilot::fuzz::next_line(in);
  const std::string text(in);
  try {
    if (kind != "report") state(text);
    if (kind != "state") report(text);
  } catch (...) {
    FUZZ_CHECK(!"a cluster state or report decoder threw something else");
  }
  return 0;
}
