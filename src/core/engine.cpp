#include "core/engine.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "core/data_planner.h"
#include "core/quorum.h"
#include "core/vantage_verdict.h"

namespace drpilot::core {

Engine::Engine(EngineSpec spec, const Clock& clock, EngineOptions options)
    : spec_(std::move(spec)), clock_(clock), options_(options), book_(spec_.freshness) {
  declare_targets();
}

void Engine::declare_targets() {
  std::unordered_set<std::string> wanted;
  wanted.reserve(spec_.targets.size());
  for (const CheckTarget& t : spec_.targets) {
    book_.add_target(t.target, t.hysteresis, t.data_region ? std::string() : t.site);
    wanted.insert(t.target);
  }
  std::vector<std::string> stale;
  for (const auto& [name, st] : book_.targets()) {
    if (!wanted.count(name)) stale.push_back(name);
  }
  for (const std::string& name : stale) book_.remove_target(name);
  book_.set_freshness(spec_.freshness);
  book_.set_vantage_sites(spec_.vantage_sites);
  std::set<std::string> names(spec_.data_regions.begin(), spec_.data_regions.end());
  std::erase_if(data_verdicts_, [&](const auto& kv) { return !names.count(kv.first); });
  names.clear();
  for (const SiteSpec& s : spec_.sites) names.insert(s.name);
  std::erase_if(site_verdicts_, [&](const auto& kv) { return !names.count(kv.first); });
  // Views of sites that no longer have an agent, or of regions gone.
  std::set<std::string> with_agents;
  for (const auto& [agent, site] : spec_.vantage_sites) with_agents.insert(site);
  for (auto& [site, views] : site_region_views_) {
    std::erase_if(views, [&](const auto& r) {
      return std::find(spec_.data_regions.begin(), spec_.data_regions.end(), r.first) ==
             spec_.data_regions.end();
    });
  }
  std::erase_if(site_region_views_,
                [&](const auto& kv) { return !with_agents.count(kv.first) || kv.second.empty(); });

  // Sites first, then data regions, each with its targets.
  owners_.clear();
  owner_of_target_.clear();
  site_owner_.clear();
  region_owner_.clear();
  for (const SiteSpec& s : spec_.sites) {
    site_owner_[s.name] = owners_.size();
    owners_.push_back({s.name, false, {}});
  }
  for (const std::string& r : spec_.data_regions) {
    region_owner_[r] = owners_.size();
    owners_.push_back({r, true, {}});
  }
  owner_of_target_.reserve(spec_.targets.size());
  for (std::size_t i = 0; i < spec_.targets.size(); ++i) {
    const CheckTarget& t = spec_.targets[i];
    const auto& owners = t.data_region ? region_owner_ : site_owner_;
    auto it = owners.find(t.site);
    if (it == owners.end()) continue;  // a target of nothing configured: never rolled up
    owners_[it->second].targets.push_back({i, book_.state(t.target)});
    owner_of_target_[t.target] = it->second;
  }
  // Map nodes stay where they are: an owner keeps a pointer to its verdict.
  // A new entry has no `since` yet: the first roll-up gives it one.
  for (Owner& o : owners_) {
    o.verdict = &(o.data_region ? data_verdicts_ : site_verdicts_)[std::string(o.name)];
  }
  index_.emplace(spec_.sites, spec_.records);
  owner_dirty_.assign(owners_.size(), 1);
  dirty_owners_.clear();
  for (std::size_t i = 0; i < owners_.size(); ++i) dirty_owners_.push_back(i);
  record_dirty_.assign(spec_.records.size(), 0);
  dirty_records_.clear();
  rechecks_ = {};
  replan_all_ = true;
  data_dirty_ = true;
}

std::vector<const CheckTarget*> Engine::targets_of(const std::string& owner,
                                                   bool data_region) const {
  std::vector<const CheckTarget*> out;
  const auto& owners = data_region ? region_owner_ : site_owner_;
  auto it = owners.find(owner);
  if (it == owners.end()) return out;
  for (const Owner::Target& t : owners_[it->second].targets) out.push_back(&spec_.targets[t.spec]);
  return out;
}

void Engine::restore(const Plan& plan, const std::map<std::string, Verdict>& target_verdicts,
                     const std::map<std::string, Verdict>& site_verdicts) {
  const TimePoint now = clock_.now();
  for (const auto& [target, v] : target_verdicts) {
    if (book_.has_target(target)) book_.restore(target, spec_.self_vantage, v, now);
  }
  // Sites and data regions share one namespace (and the journal's "site:" keys).
  std::set<std::string> sites, regions(spec_.data_regions.begin(), spec_.data_regions.end());
  for (const SiteSpec& s : spec_.sites) sites.insert(s.name);
  for (const auto& [name, v] : site_verdicts) {
    if (sites.count(name)) site_verdicts_[name] = v;
    if (regions.count(name)) data_verdicts_[name] = v;
  }
  plan_ = plan;
  for (std::size_t i = 0; i < owners_.size(); ++i) {
    if (!owner_dirty_[i]) dirty_owners_.push_back(i);
    owner_dirty_[i] = 1;
  }
  replan_everything();
}

void Engine::follow(const Plan& plan, const Overrides& overrides) {
  following_ = true;
  plan_ = plan;
  overrides_ = overrides;
}

void Engine::lead(std::int64_t term, std::string leader, std::uint64_t floor) {
  following_ = false;
  term_ = term;
  leader_ = std::move(leader);
  generation_floor_ = std::max(generation_floor_, floor);
  term_started_ = true;
  for (std::size_t i = 0; i < owners_.size(); ++i) {
    if (!owner_dirty_[i]) dirty_owners_.push_back(i);
    owner_dirty_[i] = 1;
  }
  replan_everything();
}

void Engine::mark_owner(const std::string& target) {
  auto it = owner_of_target_.find(target);
  if (it == owner_of_target_.end() || owner_dirty_[it->second]) return;
  owner_dirty_[it->second] = 1;
  dirty_owners_.push_back(it->second);
}

EngineStep Engine::observe(const Observation& o) {
  return observe(std::vector<Observation>{o});
}

EngineStep Engine::observe(const std::vector<Observation>& batch) {
  EngineStep step;
  for (const Observation& o : batch) {
    if (auto c = book_.observe(o)) step.target_changes.push_back(std::move(*c));
    mark_owner(o.target);
  }
  roll_up_owners(step);
  replan(step);
  return step;
}

EngineStep Engine::tick() {
  EngineStep step;
  const TimePoint now = clock_.now();
  if (options_.incremental) {
    std::vector<std::string> evaluated;
    step.target_changes = book_.refresh_due(now, evaluated);
    for (const std::string& t : evaluated) mark_owner(t);
  } else {
    step.target_changes = book_.refresh(now);
    for (const CheckTarget& t : spec_.targets) mark_owner(t.target);
  }
  data_dirty_ = true;  // replication lag keeps growing, grace periods end
  roll_up_owners(step);
  replan(step);
  return step;
}

EngineStep Engine::set_overrides(Overrides o) {
  overrides_ = std::move(o);
  replan_everything();
  EngineStep step;
  replan(step);
  return step;
}

EngineStep Engine::switchover(const std::string& record, const std::string& site,
                              const std::string& note) {
  overrides_.switchover[record] = Switchover{site, note};
  replan_everything();
  EngineStep step;
  replan(step);
  // The request is gone: an input changed again for the next plan.
  overrides_.switchover.clear();
  replan_everything();
  return step;
}

EngineStep Engine::resume() {
  overrides_.frozen = false;
  overrides_.frozen_note.clear();
  for (auto& [key, rp] : plan_.records) rp.automatic_changes.clear();
  replan_everything();
  EngineStep step;
  replan(step);
  return step;
}

EngineStep Engine::reconfigure(EngineSpec spec) {
  spec_ = std::move(spec);
  declare_targets();
  EngineStep step;
  step.target_changes = book_.refresh(clock_.now());
  roll_up_owners(step);
  replan(step);
  return step;
}

void Engine::roll_up_owners(EngineStep& step) {
  for (std::size_t i : dirty_owners_) {
    owner_dirty_[i] = 0;
    if (owners_[i].data_region) {
      const bool views = roll_up_site_views(owners_[i]);
      if (roll_up(owners_[i], step) || views) data_dirty_ = true;
      continue;
    }
    if (!roll_up(owners_[i], step)) continue;
    for (std::uint32_t r : index_->records_of(owners_[i].name)) {
      if (record_dirty_[r]) continue;
      record_dirty_[r] = 1;
      dirty_records_.push_back(r);
    }
  }
  dirty_owners_.clear();
}

// A site (or data region) is down when any of its checks is down, up when all
// are up, and unknown otherwise. Its `since` is kept while its state does not
// change. Returns whether what the planner reads of it (state, since, reason)
// changed.
bool Engine::roll_up(const Owner& owner, EngineStep& step) {
  const TimePoint now = clock_.now();
  Health state = Health::up;
  std::string down_reason, unknown_reason;
  Duration latency{0};
  for (const Owner::Target& target : owner.targets) {
    const CheckTarget& t = spec_.targets[target.spec];
    const Verdict& v = target.state->verdict;
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
  static const std::string kAllPass = "every check passes";
  Verdict& current = *owner.verdict;
  current.latency = latency;
  // The usual case, an up site staying up, without building a sentence.
  if (!owner.targets.empty() && state == Health::up && current.state == Health::up &&
      current.since != TimePoint{} && current.reason == kAllPass) {
    return false;
  }
  std::string reason;
  if (owner.targets.empty()) {
    state = Health::unknown;
    reason = "no checks are configured";
  } else if (state == Health::down) {
    reason = std::move(down_reason);
  } else if (state == Health::unknown) {
    reason = std::move(unknown_reason);
  } else {
    reason = kAllPass;
  }
  if (current.state == state && current.since != TimePoint{}) {
    if (current.reason == reason) return false;
    current.reason = std::move(reason);
    return true;
  }
  VerdictChange change{std::string(owner.name), current, {}};
  current = Verdict{state, now, std::move(reason), latency};
  change.after = current;
  if (change.before.state != change.after.state) step.site_changes.push_back(std::move(change));
  return true;
}

// Each agent's view of the region is down when one of its checks is down to
// it, up when all are up; a site's view is the majority of its agents'
// (core::quorum). Only the agents inside a site count: the controllers and
// the other sites' agents are the region's verdict already.
bool Engine::roll_up_site_views(const Owner& owner) {
  if (spec_.vantage_sites.empty()) return false;
  const TimePoint now = clock_.now();
  struct AgentView {
    Health state = Health::up;
    int seen = 0;  // checks it has a fresh, conclusive view of
    std::string detail;
  };
  std::map<std::string, AgentView> agents;
  for (const Owner::Target& target : owner.targets) {
    for (const auto& [vantage, vs] : target.state->vantages) {
      if (!spec_.vantage_sites.count(vantage)) continue;
      AgentView& a = agents[vantage];
      if (now - vs.last_seen > book_.freshness() || vs.last_inconclusive) continue;
      const Health h = vs.counter.state();
      if (h == Health::unknown) continue;
      ++a.seen;
      if (h == Health::down) {
        a.state = Health::down;
        a.detail += (a.detail.empty() ? "" : "; ") + spec_.targets[target.spec].check + ": " +
                    vs.last_detail;
      }
    }
  }
  std::map<std::string, std::vector<Vote>> by_site;
  for (const auto& [vantage, a] : agents) {
    Vote v;
    v.vantage = vantage;
    v.fresh = a.seen > 0;
    v.state = a.state == Health::down                            ? Health::down
              : a.seen == static_cast<int>(owner.targets.size()) ? Health::up
                                                                 : Health::unknown;
    v.detail = a.detail;
    by_site[spec_.vantage_sites.at(vantage)].push_back(std::move(v));
  }
  // Silence changes nothing: a site keeps its last view of the region until
  // its agents see it again (never a move back on silence either).
  bool changed = false;
  const std::string region(owner.name);
  for (const auto& [site, votes] : by_site) {
    const QuorumResult q = quorum(votes);
    if (q.state == Health::unknown) continue;
    auto& views = site_region_views_[site];
    auto it = views.find(region);
    if (it != views.end() && it->second.state == q.state) continue;
    std::string why;
    for (const Vote& v : votes) {
      if (v.state == Health::down && q.state == Health::down) {
        why += (why.empty() ? "" : "; ") + v.vantage + ": " + v.detail;
      }
    }
    views[region] = Verdict{q.state, now, why.empty() ? q.reason : why, Duration{0}};
    changed = true;
  }
  std::erase_if(site_region_views_, [](const auto& kv) { return kv.second.empty(); });
  return changed;
}

EngineStep Engine::move_primary(const std::string& group, const std::string& to,
                                const std::string& note) {
  overrides_.data_moves[group] = DataMoveRequest{to, note};
  data_dirty_ = true;
  EngineStep step;
  replan(step);
  overrides_.data_moves.clear();
  data_dirty_ = true;
  return step;
}

EngineStep Engine::observe_lag(const LagSample& sample) {
  lag_.add(sample);
  data_dirty_ = true;
  EngineStep step;
  replan(step);
  return step;
}

std::string Engine::data_move_problem(const std::string& group, const std::string& to) const {
  const std::map<LagKey, LagStat> lag = lag_.stats(clock_.now());
  const DataPlannerInput in{spec_.sites,  spec_.data_regions, spec_.groups, data_verdicts_,
                            lag,          spec_.policy,       overrides_,   plan_.groups,
                            clock_.now(), &site_region_views_};
  return core::data_move_problem(in, group, to);
}

// Stops at the first site the controller's own vantage does not see down:
// in the usual case (the controller sees sites up) that is the first one.
bool Engine::controller_cut_off() const {
  const TimePoint now = clock_.now();
  std::vector<SiteView> views;
  for (const Owner& owner : owners_) {
    if (owner.data_region) continue;
    SiteView v;
    v.site = std::string(owner.name);
    bool any = false, self_down = false;
    std::set<std::string> others_up;
    for (const Owner::Target& target : owner.targets) {
      for (const auto& [vantage, vs] : target.state->vantages) {
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
    if (!any || !self_down) return false;  // no own view, or the site is seen: not cut off
    v.self_state = Health::down;
    v.others_up = static_cast<int>(others_up.size());
    views.push_back(v);
  }
  return core::controller_cut_off(views);
}

std::vector<std::string> Engine::cut_off_vantages() const {
  const TimePoint now = clock_.now();
  std::vector<MatrixCell> matrix;
  for (const Owner& owner : owners_) {
    if (owner.data_region) continue;
    for (const Owner::Target& target : owner.targets) {
      for (const auto& [vantage, vs] : target.state->vantages) {
        MatrixCell c;
        c.site = spec_.targets[target.spec].target;  // each check judged on its own
        c.vote.vantage = vantage;
        c.vote.side = book_.side_of(*target.state, vantage);
        c.vote.state = vs.counter.state();
        c.vote.fresh = now - vs.last_seen <= book_.freshness();
        c.vote.abstains = vs.last_inconclusive;
        matrix.push_back(std::move(c));
      }
    }
  }
  std::vector<std::string> out = core::cut_off_vantages(matrix);
  // The controller's own view has its own alert (controller_cut_off).
  std::erase(out, spec_.self_vantage);
  return out;
}

void Engine::replan(EngineStep& step) {
  // A follower's plan is the leader's; lead() re-plans everything.
  if (following_) return;
  const TimePoint now = clock_.now();
  const bool has_data = !spec_.data_regions.empty();
  std::map<LagKey, LagStat> lag;
  if (has_data) {
    std::map<std::string, Duration> windows;
    for (const TableGroupSpec& g : spec_.groups) windows[g.name] = g.lag_window;
    lag_.prune(now, windows);
    lag = lag_.stats(now);
  }
  const DataInputs data{spec_.data_regions, spec_.groups, data_verdicts_, lag, &site_region_views_};
  PlannerInput in{spec_.sites,
                  spec_.records,
                  site_verdicts_,
                  spec_.policy,
                  overrides_,
                  plan_,
                  now,
                  has_data ? &data : nullptr,
                  &*index_};
  const std::uint64_t before = plan_.generation;
  const std::int64_t before_term = plan_.term;
  std::string before_leader = plan_.leader;
  std::vector<std::size_t> which;
  std::vector<TimePoint> queued;  // the recheck time each record of `which` already has queued
  if (replan_all_) {
    plan_ = make_plan(in);
    replan_all_ = false;
    which.resize(spec_.records.size());
    for (std::size_t i = 0; i < which.size(); ++i) which[i] = i;
  } else {
    // Records whose recheck time has come (entries a later plan of the same
    // record superseded are skipped).
    while (!rechecks_.empty() && rechecks_.top().first <= now) {
      const auto [at, r] = rechecks_.top();
      rechecks_.pop();
      auto it = plan_.records.find(spec_.records[r].key());
      if (it == plan_.records.end() || it->second.recheck_at != at || record_dirty_[r]) continue;
      record_dirty_[r] = 1;
      dirty_records_.push_back(r);
    }
    if (options_.incremental) {
      which = std::move(dirty_records_);
    } else {
      which.resize(spec_.records.size());
      for (std::size_t i = 0; i < which.size(); ++i) which[i] = i;
    }
    const bool with_groups = has_data && data_dirty_;
    if (which.empty() && !with_groups) {
      dirty_records_.clear();
      return;
    }
    queued.reserve(which.size());
    for (std::size_t r : which) {
      auto it = plan_.records.find(spec_.records[r].key());
      queued.push_back(it == plan_.records.end() ? TimePoint{} : it->second.recheck_at);
    }
    update_plan(in, which, with_groups, plan_);
  }
  data_dirty_ = false;
  for (std::size_t k = 0; k < which.size(); ++k) {
    const std::size_t r = which[k];
    record_dirty_[r] = 0;
    auto it = plan_.records.find(spec_.records[r].key());
    if (it == plan_.records.end() || it->second.recheck_at == TimePoint{}) continue;
    // An unchanged recheck time is queued already (unless it was just popped).
    const bool popped = it->second.recheck_at <= now;
    if (!queued.empty() && queued[k] == it->second.recheck_at && !popped) continue;
    rechecks_.push({it->second.recheck_at, r});
  }
  dirty_records_.clear();
  step.plan_changed = plan_.generation != before;
  if (term_started_ && !step.plan_changed) {
    // A leader's first plan is its own, even when no answer changes: from
    // then on every plan it serves names its term.
    plan_.generation = before + 1;
    plan_.made_at = now;
    plan_.summary = leader_ + " leads in term " + std::to_string(term_) + "; no answer changed.";
    step.plan_changed = true;
  }
  term_started_ = false;
  // Numbers a previous run may have handed out without journaling them are
  // skipped (see generation_floor).
  if (step.plan_changed && plan_.generation <= generation_floor_) {
    plan_.generation = generation_floor_ + 1;
  }
  if (step.plan_changed) {
    plan_.term = term_;
    plan_.leader = leader_;
  } else {
    plan_.term = before_term;
    plan_.leader = std::move(before_leader);
  }
}

void Engine::set_generation_floor(std::uint64_t floor) {
  generation_floor_ = floor;
}

}  // namespace drpilot::core
