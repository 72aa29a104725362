// Engine::switchover (a one-shot planned move), Engine::resume, and the
// planner's rule that automation does not undo an operator's move before a
// hold-down has passed.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/engine.h"
#include "core/planner.h"

namespace drpilot::core {
namespace {

using std::chrono::milliseconds;
using Sites = std::vector<std::string>;
const std::string kKey = "www.example.test/A";
constexpr Hysteresis kH{.rise = 2, .fall = 3};

SiteSpec site(const std::string& name, int priority) {
  SiteSpec s;
  s.name = name;
  s.priority = priority;
  s.ipv4 = {"192.0.2." + std::to_string(priority)};
  return s;
}

CheckTarget check(const std::string& s) {
  return CheckTarget{target_name(s, "web"), s, "web", kH};
}

// ams (1), fra (2), nyc (3) behind www.example.test (failover), hold-down 1m,
// min interval 30s.
EngineSpec spec(RoutingMode mode = RoutingMode::failover) {
  EngineSpec s;
  s.freshness = milliseconds(5'000);
  s.sites = {site("ams", 1), site("fra", 2), site("nyc", 3)};
  RecordSpec www;
  www.name = "www.example.test";
  www.mode = mode;
  www.sites = {"ams", "fra", "nyc"};
  s.records = {www};
  s.targets = {check("ams"), check("fra"), check("nyc")};
  return s;
}

class SwitchoverTest : public ::testing::Test {
 protected:
  void report(Engine& e, const std::string& site, bool ok) {
    Observation o;
    o.target = site + "/web";
    o.vantage = "controller";
    o.ok = ok;
    o.detail = ok ? "status 200" : "status 503";
    o.at = clock.now();
    e.observe(o);
  }
  // One probe round one second later.
  void round(Engine& e, bool ams, bool fra, bool nyc = true) {
    clock.advance(milliseconds(1'000));
    report(e, "ams", ams);
    report(e, "fra", fra);
    report(e, "nyc", nyc);
  }
  // `n` rounds, one a second (checks go stale after 5s without them).
  void rounds(Engine& e, int n, bool ams = true, bool fra = true) {
    for (int i = 0; i < n; ++i) round(e, ams, fra);
  }
  // Every site up, answer ams.
  void steady(Engine& e) {
    rounds(e, 3);
    ASSERT_EQ(answer(e), Sites{"ams"});
  }
  Sites answer(const Engine& e) const { return e.plan().records.at(kKey).sites; }
  const RecordPlan& rp(const Engine& e) const { return e.plan().records.at(kKey); }

  FakeClock clock;
};

TEST_F(SwitchoverTest, MovesTheRecordNowAndIsForgottenAfterwards) {
  Engine e(spec(), clock);
  steady(e);
  const std::uint64_t gen = e.plan().generation;
  EngineStep step = e.switchover("www.example.test", "fra", "alice@ops-1: drill");
  EXPECT_TRUE(step.plan_changed);
  EXPECT_EQ(e.plan().generation, gen + 1);
  EXPECT_EQ(answer(e), Sites{"fra"});
  EXPECT_EQ(rp(e).last_change, ChangeKind::operator_);
  EXPECT_EQ(rp(e).changed_at, clock.now());
  EXPECT_EQ(rp(e).reason, "switched over to fra by the operator (alice@ops-1: drill)");
  EXPECT_EQ(rp(e).change_reason, rp(e).reason);
  // Not an automatic change: it does not count towards the flap limit.
  EXPECT_TRUE(rp(e).automatic_changes.empty());
  EXPECT_TRUE(e.overrides().switchover.empty());
}

TEST_F(SwitchoverTest, AutomationWaitsTheHoldDownBeforeFailingBack) {
  Engine e(spec(), clock);
  steady(e);
  e.switchover("www.example.test", "fra", "");
  EXPECT_EQ(rp(e).reason, "switched over to fra by the operator");
  rounds(e, 30);
  EXPECT_EQ(answer(e), Sites{"fra"});
  EXPECT_EQ(rp(e).reason,
            "fra stays active; ams is preferred and up but the operator moved this record 30s "
            "ago and automation waits the 1m hold-down");
  // The sentence that moved the answer stays.
  EXPECT_EQ(rp(e).change_reason, "switched over to fra by the operator");

  rounds(e, 29);
  EXPECT_EQ(answer(e), Sites{"fra"});
  rounds(e, 1);  // 60s after the switchover
  EXPECT_EQ(answer(e), Sites{"ams"});
  EXPECT_EQ(rp(e).last_change, ChangeKind::discretionary);
  EXPECT_NE(rp(e).change_reason.find("fails back from fra"), std::string::npos)
      << rp(e).change_reason;
}

TEST_F(SwitchoverTest, SafetyIsNeverHeldByTheOperatorsHoldDown) {
  Engine e(spec(), clock);
  steady(e);
  e.switchover("www.example.test", "fra", "");
  rounds(e, 3, true, false);
  ASSERT_EQ(e.site_verdicts().at("fra").state, Health::down);
  EXPECT_EQ(answer(e), Sites{"ams"});
  EXPECT_EQ(rp(e).last_change, ChangeKind::safety);
}

TEST_F(SwitchoverTest, AForcedSwitchoverToADownSiteIsUndoneBySafety) {
  Engine e(spec(), clock);
  steady(e);
  rounds(e, 3, true, false);
  ASSERT_EQ(e.site_verdicts().at("fra").state, Health::down);
  e.switchover("www.example.test", "fra", "");
  EXPECT_EQ(answer(e), Sites{"fra"});  // the operator insisted
  e.tick();
  EXPECT_EQ(answer(e), Sites{"ams"});  // but never a down site while an up one exists
}

TEST_F(SwitchoverTest, APinWinsAndADrainedSiteIsNotSwitchedTo) {
  Engine e(spec(), clock);
  steady(e);
  Overrides o;
  o.pinned["www.example.test"] = "nyc";
  e.set_overrides(o);
  ASSERT_EQ(answer(e), Sites{"nyc"});
  EXPECT_FALSE(e.switchover("www.example.test", "fra", "").plan_changed);
  EXPECT_EQ(answer(e), Sites{"nyc"});

  Overrides d;
  d.drained = {"fra"};
  e.set_overrides(d);
  ASSERT_NE(answer(e), Sites{"fra"});
  const Sites before = answer(e);
  e.switchover("www.example.test", "fra", "");
  EXPECT_EQ(answer(e), before);
  EXPECT_EQ(e.overrides().drained, std::set<std::string>{"fra"});  // kept
  EXPECT_TRUE(e.overrides().switchover.empty());
}

TEST_F(SwitchoverTest, ASwitchoverOfAnotherRecordChangesNothing) {
  Engine e(spec(), clock);
  steady(e);
  EXPECT_FALSE(e.switchover("api.example.test", "fra", "").plan_changed);
  EXPECT_EQ(answer(e), Sites{"ams"});
}

TEST_F(SwitchoverTest, AfterAnUndrainTheDrainingCountsAsTheOperatorsMove) {
  Engine e(spec(), clock);
  steady(e);
  Overrides d;
  d.drained = {"ams"};
  e.set_overrides(d);
  ASSERT_EQ(answer(e), Sites{"fra"});
  EXPECT_EQ(rp(e).last_change, ChangeKind::operator_);
  rounds(e, 10);
  e.set_overrides(Overrides{});
  EXPECT_EQ(answer(e), Sites{"fra"});
  EXPECT_NE(rp(e).reason.find("the operator moved this record 10s ago"), std::string::npos)
      << rp(e).reason;
  rounds(e, 49);
  EXPECT_EQ(answer(e), Sites{"fra"});
  rounds(e, 1);
  EXPECT_EQ(answer(e), Sites{"ams"});
}

TEST_F(SwitchoverTest, ResumeLiftsTheFreezeAndFlapFreezes) {
  EngineSpec s = spec();
  s.policy.flap_max_changes = 2;
  s.policy.hold_down = milliseconds(5'000);
  s.policy.min_interval = milliseconds(1'000);
  Engine e(s, clock);
  steady(e);
  // ams fails (1 automatic change) and fails back (2): the record freezes.
  rounds(e, 3, false, true);
  ASSERT_EQ(answer(e), Sites{"fra"});
  rounds(e, 8);
  ASSERT_EQ(answer(e), Sites{"ams"});
  ASSERT_TRUE(rp(e).flap_frozen);
  // Fails again: safety still moves, failback is frozen.
  rounds(e, 3, false, true);
  ASSERT_EQ(answer(e), Sites{"fra"});
  rounds(e, 10);
  ASSERT_EQ(answer(e), Sites{"fra"});
  EXPECT_NE(rp(e).reason.find("automation is frozen after"), std::string::npos) << rp(e).reason;

  Overrides f;
  f.frozen = true;
  f.frozen_note = "bob";
  e.set_overrides(f);
  ASSERT_TRUE(e.overrides().frozen);

  const std::uint64_t gen = e.plan().generation;
  EngineStep step = e.resume();
  EXPECT_TRUE(step.plan_changed);
  EXPECT_GT(e.plan().generation, gen);
  EXPECT_FALSE(e.overrides().frozen);
  EXPECT_EQ(e.overrides().frozen_note, "");
  EXPECT_EQ(answer(e), Sites{"ams"});  // ams has been up past the hold-down
  EXPECT_FALSE(rp(e).flap_frozen);
}

TEST_F(SwitchoverTest, ResumeWithNothingFrozenChangesNoAnswer) {
  Engine e(spec(), clock);
  steady(e);
  const std::uint64_t gen = e.plan().generation;
  EXPECT_FALSE(e.resume().plan_changed);
  EXPECT_EQ(e.plan().generation, gen);
  EXPECT_EQ(answer(e), Sites{"ams"});
}

// The planner alone: the operator's hold-down also holds a multivalue rejoin.
TEST(PlannerOperatorHoldDown, HoldsAMultivalueRejoin) {
  std::vector<SiteSpec> sites{site("ams", 1), site("fra", 2)};
  RecordSpec api;
  api.name = "api.example.test";
  api.mode = RoutingMode::multivalue;
  api.sites = {"ams", "fra"};
  std::vector<RecordSpec> records{api};
  const TimePoint now = from_ms(1'700'000'000'000);
  std::map<std::string, Verdict> verdicts{
      {"ams", Verdict{Health::up, now - milliseconds(3'600'000), "", {}}},
      {"fra", Verdict{Health::up, now - milliseconds(3'600'000), "", {}}}};
  Policy policy;
  Overrides none;
  Plan prev;
  prev.generation = 3;
  RecordPlan rp;
  rp.sites = {"fra"};
  rp.reason = rp.change_reason = "ams was taken out (drained or no longer configured)";
  rp.last_change = ChangeKind::operator_;
  rp.changed_at = now - milliseconds(20'000);
  prev.records[api.key()] = rp;

  Plan held = make_plan({sites, records, verdicts, policy, none, prev, now});
  EXPECT_EQ(held.generation, 3u);
  EXPECT_EQ(held.records.at(api.key()).sites, Sites{"fra"});
  EXPECT_NE(held.records.at(api.key()).reason.find(
                "ams waits to rejoin: the operator moved this record 20s ago and automation "
                "waits the 1m hold-down"),
            std::string::npos)
      << held.records.at(api.key()).reason;

  Plan later =
      make_plan({sites, records, verdicts, policy, none, prev, now + milliseconds(40'000)});
  EXPECT_EQ(later.generation, 4u);
  EXPECT_EQ(later.records.at(api.key()).sites, (Sites{"ams", "fra"}));
}

}  // namespace
}  // namespace drpilot::core
