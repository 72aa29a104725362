// libFuzzer target for the assignment a controller answers an agent's report
// with (and that the agent keeps on disk): api::parse_assignment over any
// body. The agent renders what it accepts into configuration files.
//
// Invariants (violations trap):
//  - nothing throws; a refusal always says why, an acceptance never does;
//  - an accepted assignment holds only names of [A-Za-z0-9._-] (site, table
//    groups, data and write regions; write_region may be empty), at most
//    kMaxGroups groups, and reasons without control characters;
//  - an accepted assignment survives encode_assignment → parse_assignment
//    unchanged.

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

bool same_message(const api::SiteAssignmentMessage& a, const api::SiteAssignmentMessage& b) {
  return a.generation == b.generation && a.site == b.site && a.groups == b.groups;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  std::string error;
  std::optional<api::SiteAssignmentMessage> m;
  try {
    m = api::parse_assignment(body, error);
  } catch (...) {
    FUZZ_CHECK(!"parse_assignment threw");
  }
  if (!m) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  FUZZ_CHECK(error.empty());
  FUZZ_CHECK(is_name(m->site));
  FUZZ_CHECK(m->groups.size() <= api::kMaxGroups);
  for (const auto& [name, g] : m->groups) {
    FUZZ_CHECK(is_name(name) && is_name(g.data_region));
    FUZZ_CHECK(g.write_region.empty() || is_name(g.write_region));
    FUZZ_CHECK(g.reason.size() <= api::kMaxTextLength &&
               g.change_reason.size() <= api::kMaxTextLength);
    FUZZ_CHECK(!fuzz::has_control_char(g.reason) && !fuzz::has_control_char(g.change_reason));
    FUZZ_CHECK(core::to_ms(g.changed_at) >= 0);
  }

  std::string again_error;
  const std::optional<api::SiteAssignmentMessage> again =
      api::parse_assignment(api::encode_assignment(*m), again_error);
  FUZZ_CHECK(again && same_message(*m, *again));
  return 0;
}
