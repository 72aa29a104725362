#include "core/engine.h"

#include <set>

#include "core/data_planner.h"
#include "core/quorum.h"

namespace drpilot::core {

Engine::Engine(EngineSpec spec, const Clock& clock)
    : spec_(std::move(spec)), clock_(clock), book_(spec_.freshness) {
  declare_targets();
}

void Engine::declare_targets() {
  std::set<std::string> wanted;
  for (const CheckTarget& t : spec_.targets) {
    book_.add_target(t.target, t.hysteresis);
    wanted.insert(t.target);
  }
  std::vector<std::string> stale;
  for (const auto& [name, st] : book_.targets()) {
    if (!wanted.count(name)) stale.push_back(name);
  }
  for (const std::string& name : stale) book_.remove_target(name);
  book_.set_freshness(spec_.freshness);
  std::set<std::string> sites(spec_.data_regions.begin(), spec_.data_regions.end());
  std::erase_if(data_verdicts_, [&](const auto& kv) { return !sites.count(kv.first); });
  sites.clear();
  for (const SiteSpec& s : spec_.sites) sites.insert(s.name);
  std::erase_if(site_verdicts_, [&](const auto& kv) { return !sites.count(kv.first); });
}

void Engine::restore(const Plan& plan, const std::map<std::string, Verdict>& target_verdicts,
                     const std::map<std::string, Verdict>& site_verdicts) {
  const TimePoint now = clock_.now();
  for (const auto& [target, v] : target_verdicts) {
    if (book_.has_target(target)) book_.restore(target, spec_.self_vantage, v, now);
  }
  // Sites and data regions share one namespace (and the journal's "site:" keys).
  for (const auto& [name, v] : site_verdicts) {
    for (const SiteSpec& s : spec_.sites) {
      if (s.name == name) site_verdicts_[name] = v;
    }
    for (const std::string& r : spec_.data_regions) {
      if (r == name) data_verdicts_[name] = v;
    }
  }
  plan_ = plan;
}

EngineStep Engine::observe(const Observation& o) {
  EngineStep step;
  if (auto c = book_.observe(o)) step.target_changes.push_back(std::move(*c));
  roll_up_sites(step);
  replan(step);
  return step;
}

EngineStep Engine::tick() {
  EngineStep step;
  step.target_changes = book_.refresh(clock_.now());
  roll_up_sites(step);
  replan(step);
  return step;
}

EngineStep Engine::set_overrides(Overrides o) {
  overrides_ = std::move(o);
  EngineStep step;
  replan(step);
  return step;
}

EngineStep Engine::switchover(const std::string& record, const std::string& site,
                              const std::string& note) {
  overrides_.switchover[record] = Switchover{site, note};
  EngineStep step;
  replan(step);
  overrides_.switchover.clear();
  return step;
}

EngineStep Engine::resume() {
  overrides_.frozen = false;
  overrides_.frozen_note.clear();
  for (auto& [key, rp] : plan_.records) rp.automatic_changes.clear();
  EngineStep step;
  replan(step);
  return step;
}

EngineStep Engine::reconfigure(EngineSpec spec) {
  spec_ = std::move(spec);
  declare_targets();
  EngineStep step;
  step.target_changes = book_.refresh(clock_.now());
  roll_up_sites(step);
  replan(step);
  return step;
}

void Engine::roll_up_sites(EngineStep& step) {
  for (const SiteSpec& site : spec_.sites) roll_up(site.name, false, site_verdicts_, step);
  for (const std::string& region : spec_.data_regions) {
    roll_up(region, true, data_verdicts_, step);
  }
}

// A site (or data region) is down when any of its checks is down, up when all
// are up, and unknown otherwise. Its `since` is kept while its state does not
// change.
void Engine::roll_up(const std::string& owner, bool data_region,
                     std::map<std::string, Verdict>& verdicts, EngineStep& step) {
  const TimePoint now = clock_.now();
  Health state = Health::up;
  std::string down_reason, unknown_reason;
  Duration latency{0};
  bool any = false;
  for (const CheckTarget& t : spec_.targets) {
    if (t.site != owner || t.data_region != data_region) continue;
    any = true;
    const Verdict& v = book_.verdict(t.target);
    latency = std::max(latency, v.latency);
    if (v.state == Health::down) {
      state = Health::down;
      if (!down_reason.empty()) down_reason += "; ";
      down_reason += t.check + ": " + v.reason;
    } else if (v.state == Health::unknown && state != Health::down) {
      state = Health::unknown;
      if (unknown_reason.empty()) unknown_reason = t.check + ": " + v.reason;
    }
  }
  std::string reason;
  if (!any) {
    state = Health::unknown;
    reason = "no checks are configured";
  } else if (state == Health::down) {
    reason = down_reason;
  } else if (state == Health::unknown) {
    reason = unknown_reason;
  } else {
    reason = "every check passes";
  }
  Verdict& current = verdicts[owner];
  if (current.state == state && current.since != TimePoint{}) {
    current.reason = reason;
    current.latency = latency;
    return;
  }
  VerdictChange change{owner, current, {}};
  current = Verdict{state, now, reason, latency};
  change.after = current;
  if (change.before.state != change.after.state) step.site_changes.push_back(std::move(change));
}

EngineStep Engine::move_primary(const std::string& group, const std::string& to,
                                const std::string& note) {
  overrides_.data_moves[group] = DataMoveRequest{to, note};
  EngineStep step;
  replan(step);
  overrides_.data_moves.clear();
  return step;
}

EngineStep Engine::observe_lag(const LagSample& sample) {
  lag_.add(sample);
  EngineStep step;
  replan(step);
  return step;
}

std::string Engine::data_move_problem(const std::string& group, const std::string& to) const {
  const std::map<LagKey, LagStat> lag = lag_.stats(clock_.now());
  const DataPlannerInput in{spec_.sites,  spec_.data_regions, spec_.groups, data_verdicts_, lag,
                            spec_.policy, overrides_,         plan_.groups, clock_.now()};
  return core::data_move_problem(in, group, to);
}

bool Engine::controller_cut_off() const {
  const TimePoint now = clock_.now();
  std::vector<SiteView> views;
  for (const SiteSpec& site : spec_.sites) {
    SiteView v;
    v.site = site.name;
    bool any = false, self_down = false;
    std::set<std::string> others_up;
    for (const CheckTarget& t : spec_.targets) {
      if (t.site != site.name || t.data_region) continue;
      auto it = book_.targets().find(t.target);
      if (it == book_.targets().end()) continue;
      for (const auto& [vantage, vs] : it->second.vantages) {
        const bool fresh = now - vs.last_seen <= book_.freshness();
        if (!fresh) continue;
        if (vantage == spec_.self_vantage) {
          any = true;
          self_down |= vs.counter.state() == Health::down;
        } else if (vs.counter.state() == Health::up) {
          others_up.insert(vantage);
        }
      }
    }
    if (!any) return false;  // no own view of this site: not cut off from it
    v.self_state = self_down ? Health::down : Health::up;
    v.others_up = static_cast<int>(others_up.size());
    views.push_back(v);
  }
  return core::controller_cut_off(views);
}

void Engine::replan(EngineStep& step) {
  const TimePoint now = clock_.now();
  std::map<std::string, Duration> windows;
  for (const TableGroupSpec& g : spec_.groups) windows[g.name] = g.lag_window;
  lag_.prune(now, windows);
  const std::map<LagKey, LagStat> lag = lag_.stats(now);
  const DataInputs data{spec_.data_regions, spec_.groups, data_verdicts_, lag};
  PlannerInput in{spec_.sites,
                  spec_.records,
                  site_verdicts_,
                  spec_.policy,
                  overrides_,
                  plan_,
                  now,
                  spec_.data_regions.empty() ? nullptr : &data};
  Plan next = make_plan(in);
  step.plan_changed = next.generation != plan_.generation;
  plan_ = std::move(next);
}

}  // namespace drpilot::core
