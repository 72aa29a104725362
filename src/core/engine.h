#pragma once
// The engine ties the pure pieces together: observations feed the health
// book, target verdicts roll up into site verdicts, and any change (or the
// passing of time) re-runs the planner. It performs no I/O: the caller
// journals and publishes what each step reports.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/health_book.h"
#include "core/lag.h"
#include "core/plan.h"
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
};

struct EngineStep {
  std::vector<VerdictChange> target_changes;
  std::vector<VerdictChange> site_changes;  // sites and data regions
  bool plan_changed = false;                // a new generation was made
};

class Engine {
 public:
  Engine(EngineSpec spec, const Clock& clock);

  // Resumes from the journal: the last plan and the last verdicts.
  void restore(const Plan& plan, const std::map<std::string, Verdict>& target_verdicts,
               const std::map<std::string, Verdict>& site_verdicts);

  EngineStep observe(const Observation& o);
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
  std::map<LagKey, LagStat> lag() const { return lag_.stats(clock_.now()); }
  // The controller's own vantage sees every site down while another fresh
  // vantage sees one up: the controller is the one cut off. Nothing changes
  // then (the other vantages outvote it); status raises an alert.
  bool controller_cut_off() const;
  // Why a planned move of `group`'s primary to `to` cannot start ("" if it can).
  std::string data_move_problem(const std::string& group, const std::string& to) const;
  const Overrides& overrides() const { return overrides_; }
  const EngineSpec& spec() const { return spec_; }
  bool pending(const std::string& target, const std::string& vantage) const {
    return book_.pending(target, vantage);
  }

 private:
  void declare_targets();
  void roll_up_sites(EngineStep& step);
  void roll_up(const std::string& owner, bool data_region, std::map<std::string, Verdict>& verdicts,
               EngineStep& step);
  void replan(EngineStep& step);

  EngineSpec spec_;
  const Clock& clock_;
  HealthBook book_;
  std::map<std::string, Verdict> site_verdicts_;
  std::map<std::string, Verdict> data_verdicts_;
  LagBook lag_;
  Overrides overrides_;
  Plan plan_;
};

}  // namespace drpilot::core
