#include "agent/local_health.h"

namespace drpilot::agent {

void LocalHealth::set_targets(const std::vector<probe::ProbeTarget>& targets) {
  std::map<std::string, Entry> next;
  for (const probe::ProbeTarget& t : targets) {
    auto it = targets_.find(t.target);
    Entry e = it != targets_.end() ? it->second : Entry(t.check->hysteresis);
    e.counter.set_params(t.check->hysteresis);
    next.emplace(t.target, std::move(e));
  }
  targets_ = std::move(next);
}

void LocalHealth::observe(const core::Observation& o) {
  auto it = targets_.find(o.target);
  if (it == targets_.end()) return;
  it->second.counter.observe(o);
  it->second.detail = o.detail;
  it->second.inconclusive = o.inconclusive;
}

core::Health LocalHealth::state(const std::string& target) const {
  auto it = targets_.find(target);
  return it == targets_.end() ? core::Health::unknown : it->second.counter.state();
}

std::string LocalHealth::why_not_healthy() const {
  constexpr int kShown = 3;
  std::string why;
  int bad = 0;
  for (const auto& [name, e] : targets_) {
    const core::Health h = e.counter.state();
    if (h == core::Health::up || e.inconclusive) continue;
    if (++bad > kShown) continue;
    std::string part = name + " is " + std::string(core::to_string(h));
    if (h == core::Health::unknown) {
      part += e.detail.empty() ? " (not checked yet)"
                               : " (" + std::to_string(e.counter.ok_streak()) + " of " +
                                     std::to_string(e.counter.params().rise) +
                                     " successes needed; last: " + e.detail + ")";
    } else if (!e.detail.empty()) {
      part += " (" + e.detail + ")";
    }
    why += (why.empty() ? "" : "; ") + part;
  }
  if (bad > kShown) why += "; and " + std::to_string(bad - kShown) + " more";
  return why;
}

}  // namespace drpilot::agent
