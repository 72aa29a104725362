#pragma once
// What a follower tells the leader it saw: its own observations since its
// last report, kept under <prefix>vantages/<member> (bound to its lease, so
// a dead member's report goes with it). The leader counts each member as a
// vantage in its quorum, exactly as it counts agents.

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/model.h"

namespace drpilot::cluster {

struct VantageReport {
  std::string config_digest;  // of the configuration the member runs
  std::vector<core::Observation> observations;
  // The member's wall clock when it wrote the report; epoch (0): not said.
  // The leader re-ages the observations from it and estimates the skew
  // between their clocks (clock_skew.h).
  core::TimePoint sent_at{};
};

std::string encode_vantage_report(const VantageReport& report);
// The observations each get `member` as their vantage (whatever the text
// says). Throws std::runtime_error naming what is wrong; nothing half-decoded.
VantageReport decode_vantage_report(const std::string& text, const std::string& member);

// The leader's side: hands on only what it has not seen, per member and
// target, oldest first (a report read twice counts once). Times are the
// member's own: a report sent "earlier" than the last one from `member`
// means its clock was stepped back (or set wrong and then right), and what
// was seen of it is forgotten rather than the member going unheard for
// as long as the step.
class VantageInbox {
 public:
  std::vector<core::Observation> take(std::vector<core::Observation> report,
                                      const std::string& member = "", core::TimePoint sent_at = {});
  void forget(const std::string& member);

 private:
  std::map<std::pair<std::string, std::string>, core::TimePoint> last_;  // (member, target)
  std::map<std::string, core::TimePoint> sent_;                          // by member
};

// The follower's side: its observations since the last report that etcd
// took, at most `per_target` of the newest for each target.
class VantageOutbox {
 public:
  explicit VantageOutbox(std::size_t per_target = 16) : per_target_(per_target) {}
  void add(const core::Observation& o);
  bool empty() const { return pending_.empty(); }
  // Everything pending, moved out; put back with restore() when the write failed.
  std::vector<core::Observation> take();
  void restore(std::vector<core::Observation> taken);

 private:
  std::size_t per_target_;
  std::map<std::string, std::deque<core::Observation>> pending_;  // by target
};

}  // namespace drpilot::cluster
