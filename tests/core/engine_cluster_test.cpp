// The engine in a cluster: a follower holds the leader's plan as it is and
// plans nothing; when it leads, it plans from that plan (hold-downs going on
// where they were) and numbers its plans above what the cluster stored.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/engine.h"

namespace drpilot::core {
namespace {

using std::chrono::milliseconds;
using Sites = std::vector<std::string>;
const std::string kKey = "www.example.test/A";

SiteSpec site(const std::string& name, int priority) {
  SiteSpec s;
  s.name = name;
  s.priority = priority;
  s.ipv4 = {"192.0.2." + std::to_string(priority)};
  return s;
}

// ams (priority 1) and fra (priority 2), one web check each, rise 2 / fall 3,
// hold-down 1m.
EngineSpec two_sites() {
  EngineSpec spec;
  spec.self_vantage = "controller";
  spec.freshness = milliseconds(5'000);
  spec.sites = {site("ams", 1), site("fra", 2)};
  RecordSpec www;
  www.name = "www.example.test";
  www.sites = {"ams", "fra"};
  spec.records = {www};
  constexpr Hysteresis h{.rise = 2, .fall = 3};
  spec.targets = {CheckTarget{target_name("ams", "web"), "ams", "web", h},
                  CheckTarget{target_name("fra", "web"), "fra", "web", h}};
  return spec;
}

class EngineClusterTest : public testing::Test {
 protected:
  // One round one second later: ams then fra, seen by `e`'s own vantage.
  bool round(Engine& e, bool ams_ok, bool fra_ok) {
    clock.advance(milliseconds(1'000));
    bool changed = false;
    for (const auto& [target, ok] : {std::pair{"ams/web", ams_ok}, std::pair{"fra/web", fra_ok}}) {
      Observation o;
      o.target = target;
      o.vantage = "controller";
      o.ok = ok;
      o.detail = ok ? "status 200" : "status 503";
      o.at = clock.now();
      changed |= e.observe(o).plan_changed;
    }
    return changed;
  }
  static Sites answer(const Engine& e) { return e.plan().records.at(kKey).sites; }

  FakeClock clock;
};

TEST_F(EngineClusterTest, ALeaderStampsItsTermAndNameOnEveryNewPlan) {
  Engine e(two_sites(), clock);
  e.lead(7, "alpha", 0);
  ASSERT_TRUE(e.tick().plan_changed);
  EXPECT_EQ(e.plan().term, 7);
  EXPECT_EQ(e.plan().leader, "alpha");
  EXPECT_EQ(e.plan().generation, 1u);
  // A step that changes nothing keeps the plan's stamp.
  EXPECT_FALSE(e.tick().plan_changed);
  EXPECT_EQ(e.plan().term, 7);
}

TEST_F(EngineClusterTest, AFollowerHoldsTheLeadersPlanWhateverItSees) {
  Engine leader(two_sites(), clock);
  leader.lead(5, "alpha", 0);
  round(leader, true, true);
  round(leader, true, true);
  ASSERT_EQ(answer(leader), Sites{"ams"});
  Overrides drained;
  drained.drained = {"fra"};

  Engine f(two_sites(), clock);
  f.follow(leader.plan(), drained);
  EXPECT_EQ(f.plan().generation, leader.plan().generation);
  EXPECT_EQ(f.overrides().drained, drained.drained);
  // Its own checks see ams fail: the verdicts follow, the plan does not.
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(round(f, false, true));
  EXPECT_FALSE(f.tick().plan_changed);
  EXPECT_EQ(f.site_verdicts().at("ams").state, Health::down);
  EXPECT_EQ(answer(f), Sites{"ams"});
  EXPECT_EQ(f.plan().term, 5);
  EXPECT_TRUE(f.following());
}

TEST_F(EngineClusterTest, ANewLeaderActsOnWhatItSawWhileFollowing) {
  Engine leader(two_sites(), clock);
  leader.lead(5, "alpha", 0);
  round(leader, true, true);
  round(leader, true, true);
  const Plan stored = leader.plan();

  Engine f(two_sites(), clock);
  f.follow(stored, {});
  for (int i = 0; i < 3; ++i) round(f, false, true);
  ASSERT_EQ(f.site_verdicts().at("ams").state, Health::down);
  // Elected in term 9: the first step fails over, numbered above the stored plan.
  f.lead(9, "bravo", stored.generation);
  EngineStep step = f.tick();
  ASSERT_TRUE(step.plan_changed);
  EXPECT_EQ(answer(f), Sites{"fra"});
  EXPECT_EQ(f.plan().generation, stored.generation + 1);
  EXPECT_EQ(f.plan().term, 9);
  EXPECT_EQ(f.plan().leader, "bravo");
  EXPECT_FALSE(f.following());
}

TEST_F(EngineClusterTest, ANewLeaderContinuesItsPredecessorsHoldDown) {
  // alpha failed over to fra, then saw ams recover: the hold-down (1m) runs.
  Engine alpha(two_sites(), clock);
  alpha.lead(5, "alpha", 0);
  round(alpha, true, true);
  round(alpha, true, true);
  for (int i = 0; i < 3; ++i) round(alpha, false, true);
  ASSERT_EQ(answer(alpha), Sites{"fra"});
  round(alpha, true, true);
  round(alpha, true, true);
  ASSERT_EQ(alpha.site_verdicts().at("ams").state, Health::up);
  const TimePoint up_since = clock.now();
  const Plan stored = alpha.plan();

  // bravo followed all along, with the same view, and takes over 20 s later.
  Engine bravo(two_sites(), clock);
  bravo.follow(stored, {});
  round(bravo, true, true);
  round(bravo, true, true);
  bravo.lead(6, "bravo", stored.generation);
  // The term's first plan: the same answer, under bravo's name.
  ASSERT_TRUE(bravo.tick().plan_changed);
  EXPECT_EQ(bravo.plan().generation, stored.generation + 1);
  EXPECT_EQ(bravo.plan().summary, "bravo leads in term 6; no answer changed.");
  EXPECT_EQ(answer(bravo), Sites{"fra"});
  while (clock.now() - up_since < milliseconds(20'000)) round(bravo, true, true);
  EXPECT_EQ(answer(bravo), Sites{"fra"});
  // Its own view of ams began later than alpha's, but the hold-down the
  // plan carries is alpha's: fra stays until a full minute of bravo's own
  // evidence, never earlier than alpha would have failed back.
  while (clock.now() - up_since < milliseconds(59'000)) {
    ASSERT_FALSE(round(bravo, true, true));
    ASSERT_EQ(answer(bravo), Sites{"fra"});
  }
  EXPECT_EQ(bravo.plan().generation, stored.generation + 1);
  EXPECT_EQ(bravo.plan().term, 6);
}

TEST_F(EngineClusterTest, ALeaderNumbersAboveTheFloorItIsGiven) {
  Engine e(two_sites(), clock);
  e.follow(Plan{}, {});
  e.lead(3, "alpha", 41);
  ASSERT_TRUE(e.tick().plan_changed);
  EXPECT_EQ(e.plan().generation, 42u);
}

}  // namespace
}  // namespace drpilot::core
