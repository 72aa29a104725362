#pragma once
// The data side of the plan, pure like the rest of the planner: for every
// table group, where writes go (the write-primary, in write mode single) and,
// for every site, which data region it uses and whether it may write.
//
// Per site: the first data region of its list that is not down; a site whose
// region goes down moves at once to the next up region; it returns to a
// better region only with failback auto, after the hold-down. A region is
// down for one site alone when the site's own agents see it down although
// the region is not down for the others (their path to it is cut): that site
// moves its reads away from it, and no other site does.
//
// The write-primary (single mode) moves automatically only when it is down,
// and only to a region whose replication lag from it is within the group's
// RPO budget (the first such up region of the order), unless it has been down
// for longer than the grace period (then it moves to the first up region and
// says how much may be lost). An operator's planned move
// (drpilot switchover --data) pauses writes (every site read-only), waits
// until the new region has seen a canary written after the pause and at
// least 10 times the recent maximum lag has passed, switches, and resumes.
// It needs a lag measurement to start, and it is abandoned (writes resume on
// the old primary) when no such canary arrives within the grace period.

#include <map>
#include <string>
#include <vector>

#include "core/lag.h"
#include "core/model.h"
#include "core/plan.h"
#include "core/spec.h"

namespace drpilot::core {

// What the agents inside each site see of the data regions they check
// (their local one): site -> region -> verdict. Only what is fresh is
// present; an absent entry says nothing.
using SiteRegionViews = std::map<std::string, std::map<std::string, Verdict>>;

struct DataPlannerInput {
  const std::vector<SiteSpec>& sites;
  const std::vector<std::string>& regions;  // every data region, in configured order
  const std::vector<TableGroupSpec>& groups;
  const std::map<std::string, Verdict>& region_verdicts;  // absent = unknown
  const std::map<LagKey, LagStat>& lag;
  const Policy& policy;
  const Overrides& overrides;
  const std::map<std::string, GroupPlan>& previous;
  TimePoint now;
  const SiteRegionViews* site_views = nullptr;  // none: every site sees the regions' verdicts
};

std::map<std::string, GroupPlan> plan_groups(const DataPlannerInput& in);

// Why a planned move of `group`'s write-primary to `to` cannot start (a
// sentence), or "" when it can. For the operator command's check.
std::string data_move_problem(const DataPlannerInput& in, const std::string& group,
                              const std::string& to);

}  // namespace drpilot::core
