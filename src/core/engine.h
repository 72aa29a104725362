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
#include "core/plan.h"
#include "core/planner.h"
#include "core/spec.h"

namespace drpilot::core {

struct CheckTarget {
  std::string target;  // "<site>/<check>"
  std::string site;
  std::string check;
  Hysteresis hysteresis;
};

struct EngineSpec {
  std::string self_vantage = "controller";
  Duration freshness{5'000};
  std::vector<SiteSpec> sites;
  std::vector<RecordSpec> records;
  std::vector<CheckTarget> targets;
  Policy policy;
};

struct EngineStep {
  std::vector<VerdictChange> target_changes;
  std::vector<VerdictChange> site_changes;
  bool plan_changed = false;  // a new generation was made
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
  // A new, validated configuration: keeps the evidence of targets that remain.
  EngineStep reconfigure(EngineSpec spec);

  const Plan& plan() const { return plan_; }
  const HealthBook& health() const { return book_; }
  const std::map<std::string, Verdict>& site_verdicts() const { return site_verdicts_; }
  const Overrides& overrides() const { return overrides_; }
  const EngineSpec& spec() const { return spec_; }
  bool pending(const std::string& target, const std::string& vantage) const {
    return book_.pending(target, vantage);
  }

 private:
  void declare_targets();
  void roll_up_sites(EngineStep& step);
  void replan(EngineStep& step);

  EngineSpec spec_;
  const Clock& clock_;
  HealthBook book_;
  std::map<std::string, Verdict> site_verdicts_;
  Overrides overrides_;
  Plan plan_;
};

}  // namespace drpilot::core
