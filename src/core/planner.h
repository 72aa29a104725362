#pragma once
// The planner: a pure function from verdicts, policy, overrides and the
// previous plan to the next plan, with one sentence of why for every record.
//
// Precedence, highest first:
//   1. operator overrides: pin, drain, freeze;
//   2. safety: never answer with a down site while an up one exists; always
//      answer with at least one site; when every site is down keep the last
//      good answer (fail-static) or answer with all (fail-open). Safety moves
//      are never delayed;
//   3. routing mode: failover (the best up site by priority) or multivalue
//      (every up site);
//   4. stability: a healthy active site is not pre-empted; failback (or a
//      recovered site rejoining a multivalue answer) happens only with
//      failback=auto, after the hold-down, at least `min_interval` after the
//      previous automatic change, and not while automation is frozen because
//      `flap_max_changes` automatic changes happened within `flap_window`.

#include <map>
#include <string>
#include <vector>

#include "core/data_planner.h"
#include "core/lag.h"
#include "core/model.h"
#include "core/plan.h"
#include "core/plan_index.h"
#include "core/spec.h"

namespace drpilot::core {

// The data side's extra inputs (data_planner.h); absent when there is no data layer.
struct DataInputs {
  const std::vector<std::string>& regions;
  const std::vector<TableGroupSpec>& groups;
  const std::map<std::string, Verdict>& region_verdicts;
  const std::map<LagKey, LagStat>& lag;
  const SiteRegionViews* site_views = nullptr;
};

struct PlannerInput {
  const std::vector<SiteSpec>& sites;
  const std::vector<RecordSpec>& records;
  const std::map<std::string, Verdict>& site_verdicts;  // by site; absent = unknown
  const Policy& policy;
  const Overrides& overrides;
  const Plan& previous;  // empty() when there is none
  TimePoint now;
  const DataInputs* data = nullptr;
  // Ranks precomputed from `sites` and `records`; built on the fly when absent.
  const PlanIndex* index = nullptr;
};

// Plans every record (and the data side, when there is one).
Plan make_plan(const PlannerInput& in);

// The incremental form, for work proportional to what changed: re-plans only
// the records at `which` (indices into in.records) and, when `with_groups`,
// the data side; every other record of `plan` is carried over as it is. The
// result equals make_plan(in) when each record left out would plan exactly as
// before: its sites' verdicts and the overrides are unchanged since it was
// planned, and `in.now` is before its RecordPlan::recheck_at. `plan` may be
// the very object in.previous refers to: it is read completely before it is
// written.
void update_plan(const PlannerInput& in, const std::vector<std::size_t>& which, bool with_groups,
                 Plan& plan);

}  // namespace drpilot::core
