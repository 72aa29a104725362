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
  // The earliest time this record may plan differently with unchanged inputs
  // (a hold-down or an interval ending, a flap window sliding, a reason that
  // counts time, a change that needs one more evaluation); {} when only new
  // inputs can change it. Not journaled: a restored plan is re-planned whole.
  TimePoint recheck_at{};
  bool operator==(const RecordPlan&) const = default;
};

// What one site is told to use for one table group. Carried to the site's
// agent, which renders it into the application's configuration.
enum class DataRole { read_write, read_only };
std::string_view to_string(DataRole r);  // "read-write", "read-only"

struct GroupAssignment {
  std::string data_region;   // where the site reads (and, in write mode any, writes)
  std::string write_region;  // where it writes: the write-primary (single) or data_region (any)
  DataRole role = DataRole::read_write;  // read-only while writes are paused (a data switchover)
  std::string reason;                    // one sentence: why this region
  std::string change_reason;  // the reason given when data_region or write_region last changed
  TimePoint changed_at{};
  bool operator==(const GroupAssignment&) const = default;
};

// The planned, step-by-step move of a group's write-primary
// (drpilot switchover --data REGION): pause writes, wait until the new region
// has caught up, switch, resume.
enum class DataMovePhase { none, paused, switched };
std::string_view to_string(DataMovePhase p);

struct GroupPlan {
  std::string primary;  // write-primary region (single mode); empty in mode any
  std::string primary_reason;
  std::string primary_change_reason;  // the reason given when `primary` last changed
  TimePoint primary_since{};
  // A planned move in progress.
  DataMovePhase move = DataMovePhase::none;
  std::string move_to;
  std::string move_note;                         // who and why
  TimePoint paused_at{};                         // writes paused (roles read-only) at
  std::string move_from;                         // the write-primary the move started from
  std::map<std::string, GroupAssignment> sites;  // by site name
  bool operator==(const GroupPlan&) const = default;
};

struct Plan {
  // The sequence: 0 no plan yet. In a cluster it continues across leaders
  // (a new leader numbers above the stored plan), so plans are ordered by
  // (term, generation) and, because a leader resumes above what its
  // predecessor stored, by the generation alone as well.
  std::uint64_t generation = 0;
  std::int64_t term = 0;                      // the leader's term that made it; 0 outside a cluster
  std::string leader;                         // the member that made it; "" outside a cluster
  TimePoint made_at{};                        // when this generation was made
  std::map<std::string, RecordPlan> records;  // by RecordSpec::key()
  std::map<std::string, GroupPlan> groups;    // by table group name
  std::string summary;                        // what this generation changed and why

  bool empty() const { return generation == 0; }
};

// True when the observable content differs (answers, freeze state, data
// assignments, write-primaries, a data move's phase), i.e. when a new
// generation is warranted.
bool answers_differ(const Plan& a, const Plan& b);
// The data side's part of answers_differ: write-primaries, moves, assignments.
bool groups_differ(const std::map<std::string, GroupPlan>& a,
                   const std::map<std::string, GroupPlan>& b);

}  // namespace drpilot::core
