#pragma once
// The agent's own view of its local checks: per target a HAProxy-style
// rise/fall counter (the check's hysteresis), so one lost packet does not
// take the site out of its load balancer, and a new target counts as not
// healthy until it has risen. A target whose last check was inconclusive
// (AWS refused the agent's credentials) is not held against the site: the
// agent's credentials are no reason to take it out of rotation.

#include <map>
#include <string>
#include <vector>

#include "core/hysteresis.h"
#include "core/model.h"
#include "probe/check.h"

namespace drpilot::agent {

class LocalHealth {
 public:
  // Declares the targets; those that remain keep their counters.
  void set_targets(const std::vector<probe::ProbeTarget>& targets);
  // Feeds one of the agent's own observations; others are ignored.
  void observe(const core::Observation& o);
  // "" when every target is up, else which are not and why (the first few).
  std::string why_not_healthy() const;
  bool healthy() const { return why_not_healthy().empty(); }
  core::Health state(const std::string& target) const;
  bool has(const std::string& target) const { return targets_.count(target) != 0; }

 private:
  struct Entry {
    explicit Entry(core::Hysteresis h) : counter(h) {}
    core::HysteresisCounter counter;
    std::string detail;         // of the last observation
    bool inconclusive = false;  // the last observation was
  };
  std::map<std::string, Entry> targets_;
};

}  // namespace drpilot::agent
