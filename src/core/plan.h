#pragma once
// The desired state: which sites each record answers with, why, and the
// anti-flap timers that travel with it (so a restart resumes them).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/time.h"

namespace drpilot::core {

enum class ChangeKind {
  none,           // the answer did not change
  bootstrap,      // first answer ever
  safety,         // moved away from a down site (never delayed)
  discretionary,  // failback / rejoin: subject to hold-down, interval, freeze
  operator_,      // pin, drain, switchover
};
std::string_view to_string(ChangeKind k);

struct RecordPlan {
  std::vector<std::string> sites;  // the answer, best first
  std::string reason;              // one sentence: why this answer, as of the latest plan
  std::string change_reason;       // the reason given when `sites` last changed
  TimePoint changed_at{};          // when `sites` last changed
  ChangeKind last_change = ChangeKind::none;
  TimePoint last_automatic_change{};         // epoch when there was none
  std::vector<TimePoint> automatic_changes;  // within the flap window
  bool flap_frozen = false;                  // too many automatic changes: discretionary ones pause
};

struct Plan {
  std::uint64_t generation = 0;               // 0: no plan yet
  TimePoint made_at{};                        // when this generation was made
  std::map<std::string, RecordPlan> records;  // by RecordSpec::key()
  std::string summary;                        // what this generation changed and why

  bool empty() const { return generation == 0; }
};

// True when the observable content differs (answers or freeze state), i.e.
// when a new generation is warranted.
bool answers_differ(const Plan& a, const Plan& b);

}  // namespace drpilot::core
