#include "core/engine.h"

#include <set>

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
  std::set<std::string> sites;
  for (const SiteSpec& s : spec_.sites) sites.insert(s.name);
  std::erase_if(site_verdicts_, [&](const auto& kv) { return !sites.count(kv.first); });
}

void Engine::restore(const Plan& plan, const std::map<std::string, Verdict>& target_verdicts,
                     const std::map<std::string, Verdict>& site_verdicts) {
  const TimePoint now = clock_.now();
  for (const auto& [target, v] : target_verdicts) {
    if (book_.has_target(target)) book_.restore(target, spec_.self_vantage, v, now);
  }
  for (const auto& [site, v] : site_verdicts) {
    for (const SiteSpec& s : spec_.sites) {
      if (s.name == site) site_verdicts_[site] = v;
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

// A site is down when any of its checks is down, up when all are up, and
// unknown otherwise. Its `since` is kept while its state does not change.
void Engine::roll_up_sites(EngineStep& step) {
  const TimePoint now = clock_.now();
  for (const SiteSpec& site : spec_.sites) {
    Health state = Health::up;
    std::string down_reason, unknown_reason;
    Duration latency{0};
    bool any = false;
    for (const CheckTarget& t : spec_.targets) {
      if (t.site != site.name) continue;
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
    Verdict& current = site_verdicts_[site.name];
    if (current.state == state && current.since != TimePoint{}) {
      current.reason = reason;
      current.latency = latency;
      continue;
    }
    VerdictChange change{site.name, current, {}};
    current = Verdict{state, now, reason, latency};
    change.after = current;
    if (change.before.state != change.after.state) step.site_changes.push_back(std::move(change));
  }
}

void Engine::replan(EngineStep& step) {
  PlannerInput in{spec_.sites, spec_.records, site_verdicts_, spec_.policy,
                  overrides_,  plan_,         clock_.now()};
  Plan next = make_plan(in);
  step.plan_changed = next.generation != plan_.generation;
  plan_ = std::move(next);
}

}  // namespace drpilot::core
