// The engine's data side with a fake clock: data-region checks roll up into
// data verdicts (by a quorum of vantages), canary lag feeds the RPO guard,
// move_primary drives a planned move one generation per step, and a
// controller cut off from every site changes nothing.
//
// Sites ams (eu-west-1, eu-central-1) and fra (eu-central-1, eu-west-1), one
// web check each; data regions eu-west-1 and eu-central-1, one dynamodb check
// each. Hysteresis rise 1 / fall 1, so one observation decides a vantage's
// state. Group "orders": write mode single, canary, RPO budget 5s, grace 2m,
// lag window 5m; group "sessions": write mode any.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/engine.h"

namespace drpilot::core {
namespace {

using std::chrono::milliseconds;

const std::string EUW = "eu-west-1";
const std::string EUC = "eu-central-1";
const std::string kKey = "www.example.test/A";
constexpr Hysteresis kH{.rise = 1, .fall = 1};

Duration secs(int s) {
  return milliseconds(1'000LL * s);
}

EngineSpec spec() {
  EngineSpec s;
  s.self_vantage = "controller";
  s.freshness = secs(5);
  SiteSpec ams{"ams", {"192.0.2.1"}, {}, 1, 1, {EUW, EUC}};
  SiteSpec fra{"fra", {"192.0.2.2"}, {}, 2, 1, {EUC, EUW}};
  s.sites = {ams, fra};
  RecordSpec www;
  www.name = "www.example.test";
  www.sites = {"ams", "fra"};
  s.records = {www};
  s.targets = {CheckTarget{"ams/web", "ams", "web", kH, false},
               CheckTarget{"fra/web", "fra", "web", kH, false},
               CheckTarget{EUW + "/dynamodb", EUW, "dynamodb", kH, true},
               CheckTarget{EUC + "/dynamodb", EUC, "dynamodb", kH, true}};
  s.data_regions = {EUW, EUC};
  TableGroupSpec orders;
  orders.name = "orders";
  orders.mode = WriteMode::single;
  orders.primary_order = {EUW, EUC};
  orders.rpo_budget = secs(5);
  orders.primary_grace = secs(120);
  orders.canary = true;
  orders.lag_window = secs(300);
  TableGroupSpec sessions;
  sessions.name = "sessions";
  sessions.mode = WriteMode::any;
  s.groups = {orders, sessions};
  return s;
}

class EngineDataTest : public testing::Test {
 protected:
  EngineStep see(const std::string& target, bool ok, const std::string& vantage = "controller") {
    Observation o;
    o.target = target;
    o.vantage = vantage;
    o.ok = ok;
    o.detail = ok ? "ok" : "connect timeout";
    o.at = clock.now();
    return e.observe(o);
  }
  // One second later, every target from `vantage`; returns how many new
  // generations the round made.
  int round(bool ams, bool fra, bool euw, bool euc, const std::string& vantage = "controller",
            bool advance = true) {
    if (advance) clock.advance(secs(1));
    int made = 0;
    made += see("ams/web", ams, vantage).plan_changed;
    made += see("fra/web", fra, vantage).plan_changed;
    made += see(EUW + "/dynamodb", euw, vantage).plan_changed;
    made += see(EUC + "/dynamodb", euc, vantage).plan_changed;
    return made;
  }
  // The canary: a heartbeat written in `from` `lag_ms` before now, seen in `to` now.
  EngineStep lag(const std::string& from, const std::string& to, int lag_ms,
                 const std::string& group = "orders") {
    return e.observe_lag(
        LagSample{group, from, to, clock.now() - milliseconds(lag_ms), clock.now()});
  }
  const GroupPlan& orders() const { return e.plan().groups.at("orders"); }
  const GroupPlan& sessions() const { return e.plan().groups.at("sessions"); }
  void steady() {
    round(true, true, true, true);
    ASSERT_EQ(e.data_verdicts().at(EUW).state, Health::up);
    ASSERT_EQ(e.data_verdicts().at(EUC).state, Health::up);
    ASSERT_EQ(orders().primary, EUW);
  }

  FakeClock clock;
  Engine e{spec(), clock};
};

TEST_F(EngineDataTest, DataRegionChecksRollUpIntoDataVerdictsNotSites) {
  clock.advance(secs(1));
  EngineStep s = see(EUW + "/dynamodb", true);
  ASSERT_EQ(s.site_changes.size(), 1u);
  EXPECT_EQ(s.site_changes[0].subject, EUW);
  EXPECT_EQ(s.site_changes[0].after.state, Health::up);
  EXPECT_EQ(e.data_verdicts().at(EUW).state, Health::up);
  EXPECT_EQ(e.data_verdicts().at(EUW).since, clock.now());
  EXPECT_EQ(e.data_verdicts().at(EUW).reason, "every check passes");
  EXPECT_EQ(e.site_verdicts().count(EUW), 0u);
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::unknown);
  EXPECT_EQ(e.data_verdicts().at(EUC).state, Health::unknown);

  clock.advance(secs(1));
  see(EUW + "/dynamodb", false);
  EXPECT_EQ(e.data_verdicts().at(EUW).state, Health::down);
  EXPECT_NE(e.data_verdicts().at(EUW).reason.find("dynamodb: "), std::string::npos)
      << e.data_verdicts().at(EUW).reason;
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::unknown) << "a data region is not a site";
}

TEST_F(EngineDataTest, TheFirstPlanCarriesEveryGroup) {
  EngineStep s = e.tick();
  EXPECT_TRUE(s.plan_changed);
  EXPECT_EQ(e.plan().generation, 1u);
  EXPECT_EQ(orders().primary, EUW);
  EXPECT_NE(orders().primary_reason.find("no region has a verdict yet"), std::string::npos);
  EXPECT_EQ(orders().sites.at("fra").data_region, EUC);
  EXPECT_EQ(orders().sites.at("fra").write_region, EUW);
  EXPECT_EQ(sessions().sites.at("fra").write_region, EUC);
  EXPECT_FALSE(e.tick().plan_changed) << "nothing changed: no new generation";
}

TEST_F(EngineDataTest, ARegionGoingDownMovesItsSitesInOneGenerationAndRepeatsChangeNothing) {
  steady();
  const auto gen = e.plan().generation;
  lag(EUW, EUC, 300);
  EXPECT_EQ(e.plan().generation, gen) << "a lag sample alone changes no assignment";
  EXPECT_EQ(round(true, true, false, true), 1);
  EXPECT_EQ(e.plan().generation, gen + 1);
  EXPECT_EQ(orders().primary, EUC) << "lag 300ms is within the 5s budget";
  EXPECT_EQ(orders().sites.at("ams").data_region, EUC);
  EXPECT_EQ(sessions().sites.at("ams").data_region, EUC);
  EXPECT_EQ(sessions().sites.at("ams").write_region, EUC);
  EXPECT_NE(e.plan().summary.find("orders writes -> eu-central-1"), std::string::npos)
      << e.plan().summary;
  for (int i = 0; i < 20; ++i) EXPECT_EQ(round(true, true, false, true), 0) << i;
  EXPECT_EQ(e.plan().generation, gen + 1);
}

TEST_F(EngineDataTest, OverBudgetWritesWaitForTheGraceThenMove) {
  steady();
  lag(EUW, EUC, 9'000);
  lag(EUC, EUW, 100);  // the reverse pair is irrelevant
  const auto gen = e.plan().generation;
  int made = round(true, true, false, true);  // EUW down now
  const TimePoint down_at = clock.now();
  EXPECT_EQ(made, 1) << "ams's data region moves at once";
  EXPECT_EQ(orders().primary, EUW);
  EXPECT_NE(orders().primary_reason.find("writes wait to move to eu-central-1"), std::string::npos)
      << orders().primary_reason;
  while (clock.now() - down_at < secs(119)) made += round(true, true, false, true);
  EXPECT_EQ(made, 1);
  EXPECT_EQ(orders().primary, EUW);
  made += round(true, true, false, true);
  EXPECT_EQ(made, 2);
  EXPECT_EQ(e.plan().generation, gen + 2);
  EXPECT_EQ(orders().primary, EUC);
  // Later evaluations describe the steady state; the generation's summary
  // keeps why the writes moved.
  EXPECT_NE(e.plan().summary.find("orders writes -> eu-central-1: eu-west-1 has been down for "
                                  "2m, beyond the 2m grace"),
            std::string::npos)
      << e.plan().summary;
}

TEST_F(EngineDataTest, LagIsKeptPerGroupWindowAndUnknownGroupsAreDropped) {
  steady();
  lag(EUW, EUC, 250);
  lag(EUW, EUC, 250, "carts");
  auto stats = e.lag();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats.at(LagKey{"orders", EUW, EUC}).last, milliseconds(250));
  clock.advance(secs(300));
  e.tick();
  EXPECT_EQ(e.lag().size(), 1u) << "exactly at the window";
  clock.advance(secs(1));
  e.tick();
  EXPECT_TRUE(e.lag().empty());
}

TEST_F(EngineDataTest, PlannedMoveIsOneGenerationPerStep) {
  steady();
  lag(EUW, EUC, 200);
  ASSERT_EQ(e.data_move_problem("orders", EUC), "");
  const auto gen = e.plan().generation;

  EngineStep s = e.move_primary("orders", EUC, "alice@ops-1: db maintenance");
  EXPECT_TRUE(s.plan_changed);
  EXPECT_EQ(e.plan().generation, gen + 1);
  EXPECT_EQ(orders().move, DataMovePhase::paused);
  EXPECT_TRUE(e.overrides().data_moves.empty()) << "the request is one-shot";
  for (const auto& [site, a] : orders().sites) EXPECT_EQ(a.role, DataRole::read_only) << site;
  EXPECT_NE(e.plan().summary.find("writes paused"), std::string::npos) << e.plan().summary;
  EXPECT_NE(e.data_move_problem("orders", EUC).find("already under way"), std::string::npos);
  EXPECT_FALSE(e.move_primary("orders", EUW, "bob").plan_changed);

  // The canary written after the pause reaches eu-central-1 (lag 200 ms, so
  // the settle time is 10 x 200 ms = 2 s after the pause).
  clock.advance(secs(1));
  EXPECT_FALSE(lag(EUW, EUC, 200).plan_changed);
  EXPECT_NE(orders().primary_reason.find("waiting 1s more"), std::string::npos)
      << orders().primary_reason;
  clock.advance(secs(1));
  EXPECT_TRUE(e.tick().plan_changed);
  EXPECT_EQ(e.plan().generation, gen + 2);
  EXPECT_EQ(orders().move, DataMovePhase::switched);
  EXPECT_EQ(orders().primary, EUC);
  for (const auto& [site, a] : orders().sites) {
    EXPECT_EQ(a.role, DataRole::read_only) << site;
    EXPECT_EQ(a.write_region, EUC) << site;
  }

  EXPECT_TRUE(e.tick().plan_changed);
  EXPECT_EQ(e.plan().generation, gen + 3);
  EXPECT_EQ(orders().move, DataMovePhase::none);
  EXPECT_NE(orders().primary_reason.find("writes resumed"), std::string::npos)
      << orders().primary_reason;
  for (const auto& [site, a] : orders().sites) EXPECT_EQ(a.role, DataRole::read_write) << site;
  EXPECT_FALSE(e.tick().plan_changed);
  // EUW is fine: the operator's choice is not undone by automation.
  for (int i = 0; i < 100; ++i) round(true, true, true, true);
  EXPECT_EQ(orders().primary, EUC);
  EXPECT_EQ(e.plan().generation, gen + 3);
}

TEST_F(EngineDataTest, ARefusedMoveMakesNoGeneration) {
  steady();
  const auto gen = e.plan().generation;
  EXPECT_NE(e.data_move_problem("orders", EUC).find("no replication lag"), std::string::npos);
  EXPECT_FALSE(e.move_primary("orders", EUC, "alice").plan_changed);
  EXPECT_FALSE(e.move_primary("sessions", EUC, "alice").plan_changed);
  EXPECT_FALSE(e.move_primary("nope", EUC, "alice").plan_changed);
  EXPECT_EQ(e.plan().generation, gen);
  EXPECT_EQ(orders().move, DataMovePhase::none);
  EXPECT_EQ(e.data_move_problem("nope", EUC), "there is no table group 'nope'");
}

TEST_F(EngineDataTest, ARegionIsDownOnlyWhenMostFreshVantagesSeeItDown) {
  steady();
  round(true, true, true, true, "agent-ams", false);
  round(true, true, true, true, "agent-fra", false);
  lag(EUW, EUC, 100);
  const auto gen = e.plan().generation;
  // The controller alone sees eu-west-1 down: outvoted.
  for (int i = 0; i < 3; ++i) {
    round(true, true, false, true);
    round(true, true, true, true, "agent-ams", false);
    round(true, true, true, true, "agent-fra", false);
  }
  EXPECT_EQ(e.data_verdicts().at(EUW).state, Health::up);
  EXPECT_EQ(orders().primary, EUW);
  EXPECT_EQ(e.plan().generation, gen);
  // One agent agrees: two of three see it down.
  round(true, true, false, true);
  round(true, true, false, true, "agent-ams", false);
  round(true, true, true, true, "agent-fra", false);
  EXPECT_EQ(e.data_verdicts().at(EUW).state, Health::down);
  EXPECT_EQ(orders().primary, EUC);
  EXPECT_EQ(e.plan().generation, gen + 1);
}

// Expired credentials must never move data: checks AWS refused for the
// credentials are inconclusive, the region unknown, the write-primary and
// every site's region stay. The same region failing moves them at once.
TEST_F(EngineDataTest, RefusedCredentialsMakeARegionUnknownAndMoveNoData) {
  steady();
  lag(EUW, EUC, 100);
  const auto gen = e.plan().generation;
  for (int i = 0; i < 30; ++i) {
    clock.advance(secs(1));
    Observation o;
    o.target = EUW + "/dynamodb";
    o.vantage = "controller";
    o.inconclusive = true;
    o.detail =
        "DynamoDB eu-west-1 refused the credentials from profile shop in "
        "/root/.aws/credentials: ExpiredTokenException";
    o.at = clock.now();
    e.observe(o);
    see("ams/web", true);
    see("fra/web", true);
    see(EUC + "/dynamodb", true);
    e.tick();
  }
  EXPECT_EQ(e.data_verdicts().at(EUW).state, Health::unknown);
  EXPECT_NE(e.data_verdicts().at(EUW).reason.find("dynamodb: cannot be judged: DynamoDB eu-west-1 "
                                                  "refused the credentials"),
            std::string::npos)
      << e.data_verdicts().at(EUW).reason;
  EXPECT_EQ(orders().primary, EUW);
  EXPECT_EQ(orders().sites.at("ams").data_region, EUW);
  EXPECT_EQ(e.plan().generation, gen);

  lag(EUW, EUC, 100);
  round(true, true, false, true);
  EXPECT_EQ(e.data_verdicts().at(EUW).state, Health::down);
  EXPECT_EQ(orders().primary, EUC);
  EXPECT_EQ(orders().sites.at("ams").data_region, EUC);
}

TEST_F(EngineDataTest, AControllerCutOffFromEverySiteChangesNothing) {
  steady();
  round(true, true, true, true, "agent-ams", false);
  lag(EUW, EUC, 100);
  EXPECT_FALSE(e.controller_cut_off());
  const auto gen = e.plan().generation;
  for (int i = 0; i < 5; ++i) {
    round(false, false, false, false);
    round(true, true, true, true, "agent-ams", false);
  }
  EXPECT_TRUE(e.controller_cut_off());
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::up);
  EXPECT_EQ(e.data_verdicts().at(EUW).state, Health::up);
  EXPECT_EQ(e.plan().records.at(kKey).sites, std::vector<std::string>{"ams"});
  EXPECT_EQ(orders().primary, EUW);
  EXPECT_EQ(e.plan().generation, gen);
  // The controller recovers one site: no longer cut off.
  round(true, false, false, false);
  round(true, true, true, true, "agent-ams", false);
  EXPECT_FALSE(e.controller_cut_off());
}

// Agents that run in a site (vantage_sites): each sees its own site from
// inside and the other from outside.
class EngineVantageTest : public EngineDataTest {
 protected:
  EngineVantageTest() {
    EngineSpec s = spec();
    s.vantage_sites = {{"agent-ams", "ams"}, {"agent-fra", "fra"}};
    e.reconfigure(s);
  }
};

TEST_F(EngineVantageTest, ASiteUnreachableFromOutsideIsFailedOverThoughItsAgentSeesItUp) {
  steady();
  round(true, true, true, true, "agent-ams", false);
  round(true, true, true, true, "agent-fra", false);
  ASSERT_EQ(e.plan().records.at(kKey).sites, std::vector<std::string>{"ams"});
  for (int i = 0; i < 3; ++i) {
    round(false, true, true, true);
    round(false, true, true, true, "agent-fra", false);
    round(true, true, true, true, "agent-ams", false);  // inside, it works
  }
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::down) << e.site_verdicts().at("ams").reason;
  EXPECT_NE(e.site_verdicts().at("ams").reason.find("its own agent sees it up"), std::string::npos)
      << e.site_verdicts().at("ams").reason;
  EXPECT_EQ(e.plan().records.at(kKey).sites, std::vector<std::string>{"fra"});
  EXPECT_TRUE(e.cut_off_vantages().empty());
}

TEST_F(EngineVantageTest, AnAgentCutOffFromTheOtherSiteIsReportedAndMovesNothing) {
  steady();
  round(true, true, true, true, "agent-ams", false);
  round(true, true, true, true, "agent-fra", false);
  const auto gen = e.plan().generation;
  for (int i = 0; i < 3; ++i) {
    round(true, true, true, true);
    round(true, true, true, true, "agent-ams", false);
    round(false, true, true, true, "agent-fra", false);  // fra's agent loses its way to ams
  }
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::up) << e.site_verdicts().at("ams").reason;
  EXPECT_EQ(e.plan().generation, gen);
  EXPECT_EQ(e.cut_off_vantages(), std::vector<std::string>{"agent-fra"});
  EXPECT_FALSE(e.controller_cut_off());
  // Its way back: no longer reported.
  round(true, true, true, true, "agent-fra", false);
  round(true, true, true, true, "agent-fra", false);
  EXPECT_TRUE(e.cut_off_vantages().empty());
}

TEST_F(EngineVantageTest, ASiteWhoseAgentCannotReachItsLocalRegionMovesItsReadsAlone) {
  steady();
  round(true, true, true, true, "agent-ams", false);
  round(true, true, true, true, "agent-fra", false);
  ASSERT_EQ(sessions().sites.at("ams").data_region, EUW);
  const auto gen = e.plan().generation;
  // ams's agent loses its path to eu-west-1; the controller and fra's agent
  // still reach it (fra's agent checks eu-central-1, its local region).
  round(true, true, true, true);
  EXPECT_EQ(e.plan().generation, gen);
  see(EUW + "/dynamodb", false, "agent-ams");
  EXPECT_EQ(e.data_verdicts().at(EUW).state, Health::up) << e.data_verdicts().at(EUW).reason;
  ASSERT_EQ(e.site_region_views().at("ams").at(EUW).state, Health::down);
  EXPECT_EQ(e.plan().generation, gen + 1);
  const GroupAssignment& a = sessions().sites.at("ams");
  EXPECT_EQ(a.data_region, EUC);
  EXPECT_NE(a.reason.find("eu-west-1 is down as seen from ams (agent-ams: dynamodb: connect "
                          "timeout), though the other vantages reach it"),
            std::string::npos)
      << a.reason;
  EXPECT_EQ(sessions().sites.at("fra").data_region, EUC);
  EXPECT_EQ(orders().primary, EUW);
  EXPECT_EQ(orders().sites.at("ams").data_region, EUC);
  EXPECT_EQ(orders().sites.at("ams").write_region, EUW);

  // Its agent falls silent: nothing moves back on silence.
  clock.advance(secs(10));
  round(true, true, true, true);
  EXPECT_EQ(sessions().sites.at("ams").data_region, EUC);
  // It reaches the region again: back after the hold-down, counted from then.
  see(EUW + "/dynamodb", true, "agent-ams");
  EXPECT_EQ(e.site_region_views().at("ams").at(EUW).state, Health::up);
  EXPECT_EQ(sessions().sites.at("ams").data_region, EUC);
  EXPECT_NE(sessions().sites.at("ams").reason.find("hold-down"), std::string::npos)
      << sessions().sites.at("ams").reason;
  const TimePoint back = clock.now();
  for (int i = 0; i < 70 && sessions().sites.at("ams").data_region != EUW; ++i) {
    round(true, true, true, true);
    see(EUW + "/dynamodb", true, "agent-ams");
    e.tick();  // as the controller's loop does: hold-downs end with time
  }
  EXPECT_EQ(sessions().sites.at("ams").data_region, EUW) << sessions().sites.at("ams").reason;
  EXPECT_GE(clock.now() - back, secs(60));  // the hold-down, from its agent's view
}

TEST_F(EngineVantageTest, TheControllerAloneCannotMoveASitesReads) {
  steady();
  round(true, true, true, true, "agent-ams", false);
  round(true, true, true, true, "agent-fra", false);
  const auto gen = e.plan().generation;
  // The controller's path to eu-west-1 fails; ams's agent still reaches it:
  // one vantage of two is no majority, and the controller is not a site.
  round(true, true, false, true);
  see(EUW + "/dynamodb", true, "agent-ams");
  EXPECT_NE(e.data_verdicts().at(EUW).state, Health::down);
  EXPECT_EQ(e.plan().generation, gen);
  EXPECT_EQ(sessions().sites.at("ams").data_region, EUW);
}

TEST_F(EngineDataTest, NotCutOffWhenTheAgentsAgreeOrAreSilent) {
  steady();
  round(true, true, true, true, "agent-ams", false);
  // Only some sites down from the controller: not cut off.
  round(false, true, true, true);
  EXPECT_FALSE(e.controller_cut_off());
  // Every site down from the controller and from the agent: a real outage.
  round(false, false, true, true);
  round(false, false, true, true, "agent-ams", false);
  EXPECT_FALSE(e.controller_cut_off());
  // The agent stops reporting: its stale view does not count.
  round(true, true, true, true, "agent-ams", false);
  clock.advance(secs(6));
  round(false, false, true, true);
  EXPECT_FALSE(e.controller_cut_off());
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::down);
}

TEST_F(EngineDataTest, DataRegionsDoNotMakeTheControllerCutOff) {
  steady();
  round(true, true, true, true, "agent-ams", false);
  round(true, true, false, false);
  round(true, true, true, true, "agent-ams", false);
  EXPECT_FALSE(e.controller_cut_off());
}

TEST_F(EngineDataTest, TheGraceSurvivesARestart) {
  steady();
  lag(EUW, EUC, 9'000);
  round(true, true, false, true);
  const TimePoint down_at = clock.now();
  ASSERT_EQ(orders().primary, EUW);
  const Plan plan = e.plan();
  std::map<std::string, Verdict> targets, owners;
  for (const auto& [name, st] : e.health().targets()) targets[name] = st.verdict;
  for (const auto& [name, v] : e.site_verdicts()) owners[name] = v;
  for (const auto& [name, v] : e.data_verdicts()) owners[name] = v;

  clock.advance(secs(100));
  Engine again(spec(), clock);
  again.restore(plan, targets, owners);
  EXPECT_EQ(again.data_verdicts().at(EUW).state, Health::down);
  EXPECT_EQ(again.data_verdicts().at(EUW).since, down_at);
  EXPECT_FALSE(again.tick().plan_changed);
  EXPECT_EQ(again.data_verdicts().at(EUW).since, down_at) << "the restored since is kept";
  // The lag book starts empty after a restart: the lag is unknown, so writes
  // still wait, and move once the grace counted from the original outage ends.
  clock.advance(secs(20));
  Observation o{EUW + "/dynamodb", "controller", false, {}, "connect timeout", clock.now()};
  again.observe(o);
  again.observe(Observation{EUC + "/dynamodb", "controller", true, {}, "ACTIVE", clock.now()});
  // Time-driven data decisions (a grace ending) are taken at the tick.
  again.tick();
  EXPECT_EQ(again.plan().groups.at("orders").primary, EUC);
}

TEST_F(EngineDataTest, ReconfigureForgetsRemovedRegions) {
  steady();
  EngineSpec s = spec();
  s.data_regions = {EUC};
  s.targets.pop_back();
  s.targets.pop_back();
  s.targets.push_back(CheckTarget{EUC + "/dynamodb", EUC, "dynamodb", kH, true});
  EngineStep step = e.reconfigure(s);
  EXPECT_TRUE(step.plan_changed);
  EXPECT_EQ(e.data_verdicts().count(EUW), 0u);
  EXPECT_EQ(orders().primary, EUC);
  for (const auto& [site, a] : orders().sites) EXPECT_EQ(a.data_region, EUC) << site;
}

}  // namespace
}  // namespace drpilot::core
