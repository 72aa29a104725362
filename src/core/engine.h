#pragma once
// The engine ties the pure pieces together: observations feed the health
// book, target verdicts roll up into site verdicts, and any change (or the
// passing of time) re-runs the planner. It performs no I/O: the caller
// journals and publishes what each step reports.

#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/health_book.h"
#include "core/lag.h"
#include "core/plan.h"
#include "core/plan_index.h"
#include "core/planner.h"
#include "core/spec.h"

namespace drpilot::core {

struct CheckTarget {
  std::string target;  // "<site>/<check>", or "<data region>/<check>"
  std::string site;    // the site, or the data region, it belongs to
  std::string check;
  Hysteresis hysteresis;
  bool data_region = false;  // `site` names a data region
};

struct EngineSpec {
  std::string self_vantage = "controller";
  Duration freshness{5'000};
  std::vector<SiteSpec> sites;
  std::vector<RecordSpec> records;
  std::vector<CheckTarget> targets;
  Policy policy;
  std::vector<std::string> data_regions;  // configured order
  std::vector<TableGroupSpec> groups;
  // The site each agent runs in (by vantage name): its view of that site's
  // targets is internal, and does not decide (docs/vantages.md); its view of
  // its local data region is that site's own (site_region_views()).
  std::map<std::string, std::string> vantage_sites;
};

struct EngineOptions {
  // Re-plan only the records an input change or the passing of time can
  // affect (the default). Off: every record at every step, the reference the
  // incremental engine is tested against.
  bool incremental = true;
};

struct EngineStep {
  std::vector<VerdictChange> target_changes;
  std::vector<VerdictChange> site_changes;  // sites and data regions
  bool plan_changed = false;                // a new generation was made
};

// Work per step is proportional to what changed: an observation touches its
// target, the site (or data region) that owns it and the records that answer
// with that site; time re-evaluates only targets whose vantages go stale and
// records whose timers are due.
class Engine {
 public:
  Engine(EngineSpec spec, const Clock& clock, EngineOptions options = {});

  // Resumes from the journal: the last plan and the last verdicts.
  void restore(const Plan& plan, const std::map<std::string, Verdict>& target_verdicts,
               const std::map<std::string, Verdict>& site_verdicts);

  // The next new plan is numbered above `floor` (a restart resumes above the
  // generations the journal reserved, however many it used).
  void set_generation_floor(std::uint64_t floor);

  // In a cluster. A follower holds the leader's plan and overrides as they
  // are and makes no plan of its own; its checks still keep the verdicts
  // current, so that it can lead at once.
  void follow(const Plan& plan, const Overrides& overrides);
  // Plans again, from the plan it holds (hold-downs and flap windows go on
  // where they were), numbering new generations above `floor` and stamping
  // them with `term` and `leader`. The next step makes a new generation even
  // when no answer changes: the term's first plan.
  void lead(std::int64_t term, std::string leader, std::uint64_t floor);
  bool following() const { return following_; }

  EngineStep observe(const Observation& o);
  // Observations that arrived together (one turn of the event loop): one
  // step, one journal transaction, at most one new plan.
  EngineStep observe(const std::vector<Observation>& batch);
  // Time-driven re-evaluation: stale vantages, hold-downs that expired.
  EngineStep tick();
  // Operator overrides changed; re-plans at once.
  EngineStep set_overrides(Overrides o);
  // Moves `record` to `site` now (a planned switchover), then forgets the request.
  EngineStep switchover(const std::string& record, const std::string& site,
                        const std::string& note);
  // Lifts the operator's freeze and forgets every record's recent automatic
  // changes, so a flap-frozen record may fail back again.
  EngineStep resume();
  // Starts the planned move of `group`'s write-primary to `to`.
  EngineStep move_primary(const std::string& group, const std::string& to, const std::string& note);
  // A replication lag measurement from the canary; re-plans (a move may be
  // waiting for it).
  EngineStep observe_lag(const LagSample& sample);
  // The canary wrote a heartbeat (no re-plan: a stall shows as time passes).
  void observe_canary_write(const std::string& group, const std::string& from, TimePoint at) {
    lag_.wrote(group, from, at);
  }
  // A new, validated configuration: keeps the evidence of targets that remain.
  EngineStep reconfigure(EngineSpec spec);

  const Plan& plan() const { return plan_; }
  const HealthBook& health() const { return book_; }
  const std::map<std::string, Verdict>& site_verdicts() const { return site_verdicts_; }
  const std::map<std::string, Verdict>& data_verdicts() const { return data_verdicts_; }
  // What the agents inside each site see of the data regions they check,
  // where it is fresh (site -> region -> verdict): a region down to them
  // moves that site's reads even when it is up for the others.
  const SiteRegionViews& site_region_views() const { return site_region_views_; }
  std::map<LagKey, LagStat> lag() const { return lag_.stats(clock_.now()); }
  // The controller's own vantage sees every site down while another fresh
  // vantage sees one up: the controller is the one cut off. Nothing changes
  // then (the other vantages outvote it); status raises an alert.
  bool controller_cut_off() const;
  // The other vantages that are cut off: each sees every site target it
  // judges from outside down while the other fresh external vantages see
  // them up (core::cut_off_vantages). Walks every site target's votes.
  std::vector<std::string> cut_off_vantages() const;
  // Why a planned move of `group`'s primary to `to` cannot start ("" if it can).
  std::string data_move_problem(const std::string& group, const std::string& to) const;
  const Overrides& overrides() const { return overrides_; }
  const EngineSpec& spec() const { return spec_; }
  bool pending(const std::string& target, const std::string& vantage) const {
    return book_.pending(target, vantage);
  }
  // The check targets that decide a site's (or data region's) verdict, in
  // configured order; empty for an unknown name.
  std::vector<const CheckTarget*> targets_of(const std::string& owner, bool data_region) const;

 private:
  // A site or a data region, with the check targets that decide its verdict.
  struct Owner {
    std::string_view name;  // a view into spec_
    bool data_region = false;
    struct Target {
      std::size_t spec;          // index into spec_.targets
      const TargetState* state;  // the target in the health book
    };
    std::vector<Target> targets;
    Verdict* verdict = nullptr;  // its entry in site_verdicts_ or data_verdicts_
  };

  void declare_targets();
  void mark_owner(const std::string& target);
  void roll_up_owners(EngineStep& step);
  bool roll_up(const Owner& owner, EngineStep& step);
  // Updates site_region_views_ for a data region; whether it changed.
  bool roll_up_site_views(const Owner& owner);
  void replan(EngineStep& step);
  void replan_everything() { replan_all_ = true; }

  EngineSpec spec_;
  const Clock& clock_;
  EngineOptions options_;
  HealthBook book_;
  std::map<std::string, Verdict> site_verdicts_;
  std::map<std::string, Verdict> data_verdicts_;
  SiteRegionViews site_region_views_;
  LagBook lag_;
  Overrides overrides_;
  Plan plan_;
  std::uint64_t generation_floor_ = 0;
  bool following_ = false;
  bool term_started_ = false;  // lead() was called: the next step makes a plan
  std::int64_t term_ = 0;
  std::string leader_;

  // Indexes, rebuilt with the configuration.
  std::vector<Owner> owners_;
  // Keyed by views into spec_'s names (rebuilt with it).
  std::unordered_map<std::string_view, std::size_t> owner_of_target_;
  std::unordered_map<std::string_view, std::size_t> site_owner_, region_owner_;  // -> owners_
  std::optional<PlanIndex> index_;
  // What the next replan must look at.
  std::vector<char> owner_dirty_;
  std::vector<std::size_t> dirty_owners_;
  std::vector<char> record_dirty_;
  std::vector<std::size_t> dirty_records_;
  using Due = std::pair<TimePoint, std::size_t>;  // a record's recheck time
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> rechecks_;
  bool replan_all_ = true;  // the first plan, a restore, new overrides or configuration
  bool data_dirty_ = true;  // a data-side input changed, or time passed
};

}  // namespace drpilot::core
