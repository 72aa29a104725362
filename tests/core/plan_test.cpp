// plan.h: the names of roles and move phases, and answers_differ() on the
// data side: what a site or agent is told makes a new generation, the
// explanations and timestamps alone do not. And what a new generation's
// summary says.

#include "core/plan.h"
#include "core/planner.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace drpilot::core {
namespace {

TEST(PlanNames, RolesAndPhases) {
  EXPECT_EQ(to_string(DataRole::read_write), "read-write");
  EXPECT_EQ(to_string(DataRole::read_only), "read-only");
  EXPECT_EQ(to_string(DataMovePhase::none), "none");
  EXPECT_EQ(to_string(DataMovePhase::paused), "paused");
  EXPECT_EQ(to_string(DataMovePhase::switched), "switched");
  EXPECT_EQ(to_string(ChangeKind::operator_), "operator");
}

Plan base() {
  Plan p;
  p.generation = 7;
  p.records["www.example.test/A"].sites = {"ams"};
  GroupPlan g;
  g.primary = "eu-west-1";
  g.primary_reason = "eu-west-1 is up and the write-primary";
  g.sites["ams"] =
      GroupAssignment{"eu-west-1", "eu-west-1", DataRole::read_write, "why", "why", from_ms(1)};
  g.sites["fra"] =
      GroupAssignment{"eu-central-1", "eu-west-1", DataRole::read_write, "why", "why", from_ms(1)};
  p.groups["orders"] = g;
  GroupPlan any;
  any.primary_reason = "every site writes to its own data region (write_mode any)";
  any.sites["ams"] = GroupAssignment{"eu-west-1", "eu-west-1", DataRole::read_write, "", "", {}};
  p.groups["sessions"] = any;
  return p;
}

struct Edit {
  std::string name;
  std::function<void(Plan&)> apply;
  bool differs;
};

TEST(AnswersDiffer, DataSide) {
  const std::vector<Edit> edits = {
      {"nothing", [](Plan&) {}, false},
      {"primary", [](Plan& p) { p.groups["orders"].primary = "eu-central-1"; }, true},
      {"move_phase", [](Plan& p) { p.groups["orders"].move = DataMovePhase::paused; }, true},
      {"switched_phase", [](Plan& p) { p.groups["orders"].move = DataMovePhase::switched; }, true},
      {"move_target", [](Plan& p) { p.groups["orders"].move_to = "us-east-1"; }, true},
      {"data_region", [](Plan& p) { p.groups["orders"].sites["fra"].data_region = "eu-west-1"; },
       true},
      {"write_region",
       [](Plan& p) { p.groups["orders"].sites["fra"].write_region = "eu-central-1"; }, true},
      {"role", [](Plan& p) { p.groups["orders"].sites["ams"].role = DataRole::read_only; }, true},
      {"site_added",
       [](Plan& p) { p.groups["orders"].sites["nyc"] = p.groups["orders"].sites["ams"]; }, true},
      {"site_removed", [](Plan& p) { p.groups["orders"].sites.erase("fra"); }, true},
      {"site_renamed",
       [](Plan& p) {
         auto& s = p.groups["orders"].sites;
         s["lon"] = s["fra"];
         s.erase("fra");
       },
       true},
      {"group_added", [](Plan& p) { p.groups["carts"] = p.groups["orders"]; }, true},
      {"group_removed", [](Plan& p) { p.groups.erase("sessions"); }, true},
      {"group_renamed",
       [](Plan& p) {
         p.groups["carts"] = p.groups["sessions"];
         p.groups.erase("sessions");
       },
       true},
      // Explanations and bookkeeping: no new generation for them alone.
      {"primary_reason", [](Plan& p) { p.groups["orders"].primary_reason = "other words"; }, false},
      {"primary_since", [](Plan& p) { p.groups["orders"].primary_since = from_ms(99); }, false},
      {"move_note", [](Plan& p) { p.groups["orders"].move_note = "bob"; }, false},
      {"paused_at", [](Plan& p) { p.groups["orders"].paused_at = from_ms(5); }, false},
      {"assignment_reason", [](Plan& p) { p.groups["orders"].sites["ams"].reason = "x"; }, false},
      {"change_reason", [](Plan& p) { p.groups["orders"].sites["ams"].change_reason = "x"; },
       false},
      {"changed_at", [](Plan& p) { p.groups["orders"].sites["ams"].changed_at = from_ms(3); },
       false},
      {"summary_and_generation",
       [](Plan& p) {
         p.summary = "x";
         p.generation = 8;
       },
       false},
  };
  for (const Edit& e : edits) {
    const Plan a = base();
    Plan b = base();
    e.apply(b);
    EXPECT_EQ(answers_differ(a, b), e.differs) << e.name;
    EXPECT_EQ(answers_differ(b, a), e.differs) << e.name << " (reversed)";
  }
}

TEST(AnswersDiffer, NoGroupsOnEitherSide) {
  Plan a = base(), b = base();
  a.groups.clear();
  b.groups.clear();
  EXPECT_FALSE(answers_differ(a, b));
  b.groups["orders"];
  EXPECT_TRUE(answers_differ(a, b));
}

// A generation's summary names at most ten changed records, in key order, and
// counts the others: the bootstrap of a thousand records is one line.
TEST(PlanSummary, NamesTenChangedRecordsAndCountsTheRest) {
  std::vector<SiteSpec> sites = {{"ams", {"192.0.2.1"}, {}, 1}};
  std::vector<RecordSpec> records;
  for (int i = 0; i < 25; ++i) {
    RecordSpec r;
    r.name = "r" + std::to_string(100 + i) + ".example.test";
    r.sites = {"ams"};
    records.push_back(r);
  }
  const std::map<std::string, Verdict> verdicts = {{"ams", {Health::up, from_ms(1), "ok", {}}}};
  const Policy policy;
  const Overrides overrides;
  const Plan none;
  const Plan p = make_plan({sites, records, verdicts, policy, overrides, none, from_ms(1000)});
  EXPECT_EQ(p.records.size(), 25u);
  std::size_t named = 0;
  for (std::size_t at = 0; (at = p.summary.find(".example.test/A -> ", at)) != std::string::npos;
       ++at) {
    ++named;
  }
  EXPECT_EQ(named, 10u) << p.summary;
  EXPECT_EQ(p.summary.rfind("r100.example.test/A -> ams", 0), 0u) << p.summary;
  EXPECT_NE(p.summary.find(" 15 more records changed."), std::string::npos) << p.summary;
}

}  // namespace
}  // namespace drpilot::core
