#pragma once
// Members' wall clocks, seen from the leader. A follower stamps each report
// with its own clock when it writes it; the leader reads it at most a poll
// interval (plus etcd's latency) later. So `stamp - receipt` is the
// member's offset minus that delay: never more than the true offset, and
// the largest of the last few readings comes within a few milliseconds of
// it. Decisions never depend on the estimate: observations are moved to the
// leader's clock (to_receiver_clock) and leases run on monotonic clocks. It
// is there to warn the operator, because journal times across members line
// up only as well as the clocks do. Pure: time comes in as arguments.

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/time.h"

namespace drpilot::cluster {

// A report's observations, each keeping its age at sending, counted back
// from `received` (the leader's clock): a member whose clock is off can
// neither make old results look fresh nor fresh ones stale. An observation
// stamped after the report was sent (impossible from a sound member) counts
// as just made.
void to_receiver_clock(std::vector<core::Observation>& observations, core::TimePoint sent_at,
                       core::TimePoint received);

class ClockSkew {
 public:
  explicit ClockSkew(std::size_t window = 8) : window_(window) {}
  // A report the leader had not seen before: its stamp, and when it was read.
  void add(const std::string& member, core::TimePoint sent_at, core::TimePoint received);
  // The member's clock minus the leader's; nullopt before its first report.
  std::optional<core::Duration> offset(const std::string& member) const;
  void forget(const std::string& member);
  // "bravo's clock is 4.2 s ahead of alpha's" for every member whose
  // estimate exceeds `bound`, one sentence each, in member order.
  std::vector<std::string> beyond(core::Duration bound, const std::string& leader) const;

 private:
  std::size_t window_;
  std::map<std::string, std::deque<core::Duration>> readings_;
};

}  // namespace drpilot::cluster
