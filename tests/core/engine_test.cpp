// The engine with a fake clock: observations -> health book -> site verdicts
// -> planner, time-driven re-evaluation, restore and reconfigure.

#include "core/engine.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace drpilot::core {
namespace {

using std::chrono::milliseconds;
const std::string kKey = "www.example.test/A";
constexpr Hysteresis kH{.rise = 2, .fall = 3};

SiteSpec site(const std::string& name, int priority) {
  SiteSpec s;
  s.name = name;
  s.priority = priority;
  s.ipv4 = {"192.0.2." + std::to_string(priority)};
  return s;
}

CheckTarget check(const std::string& s, const std::string& c = "web") {
  return CheckTarget{target_name(s, c), s, c, kH};
}

// ams (priority 1) and fra (priority 2) behind www.example.test, one web check
// each, rise 2 / fall 3, freshness 5s, hold-down 1m, min interval 30s.
EngineSpec two_sites(RoutingMode mode = RoutingMode::failover) {
  EngineSpec spec;
  spec.self_vantage = "controller";
  spec.freshness = milliseconds(5'000);
  spec.sites = {site("ams", 1), site("fra", 2)};
  RecordSpec www;
  www.name = "www.example.test";
  www.mode = mode;
  www.sites = {"ams", "fra"};
  spec.records = {www};
  spec.targets = {check("ams"), check("fra")};
  return spec;
}

class EngineTest : public testing::Test {
 protected:
  EngineStep report(Engine& e, const std::string& target, bool ok,
                    const std::string& vantage = "controller") {
    Observation o;
    o.target = target;
    o.vantage = vantage;
    o.ok = ok;
    o.latency = milliseconds(ok ? 20 : 1'000);
    o.detail = ok ? "status 200" : "status 503";
    o.at = clock.now();
    return e.observe(o);
  }
  // One probe round one second later: ams then fra. Returns whether either
  // observation made a new generation.
  bool round(Engine& e, bool ams_ok, bool fra_ok) {
    clock.advance(milliseconds(1'000));
    bool changed = report(e, "ams/web", ams_ok).plan_changed;
    changed |= report(e, "fra/web", fra_ok).plan_changed;
    return changed;
  }
  std::vector<std::string> answer(const Engine& e) const {
    auto it = e.plan().records.find(kKey);
    return it == e.plan().records.end() ? std::vector<std::string>{} : it->second.sites;
  }
  // Both sites up, answer ams.
  void steady(Engine& e) {
    round(e, true, true);
    round(e, true, true);
    ASSERT_EQ(e.site_verdicts().at("ams").state, Health::up);
    ASSERT_EQ(e.site_verdicts().at("fra").state, Health::up);
    ASSERT_EQ(answer(e), std::vector<std::string>{"ams"});
  }

  FakeClock clock;
};

using Sites = std::vector<std::string>;

TEST_F(EngineTest, FirstTickBootstrapsThePreferredSiteWithoutEvidence) {
  Engine e(two_sites(), clock);
  EXPECT_TRUE(e.plan().empty());
  EngineStep step = e.tick();
  EXPECT_TRUE(step.plan_changed);
  EXPECT_EQ(e.plan().generation, 1u);
  EXPECT_EQ(answer(e), Sites{"ams"});
  EXPECT_NE(e.plan().records.at(kKey).reason.find("no site has a verdict yet"), std::string::npos);
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::unknown);
  EXPECT_TRUE(e.pending("ams/web", "controller"));
}

TEST_F(EngineTest, ObservationsDriveTargetAndSiteVerdicts) {
  Engine e(two_sites(), clock);
  EngineStep s1 = report(e, "ams/web", true);
  EXPECT_TRUE(s1.target_changes.empty());
  EXPECT_TRUE(s1.site_changes.empty());
  EXPECT_EQ(e.health().verdict("ams/web").state, Health::unknown);

  clock.advance(milliseconds(1'000));
  EngineStep s2 = report(e, "ams/web", true);
  ASSERT_EQ(s2.target_changes.size(), 1u);
  EXPECT_EQ(s2.target_changes[0].subject, "ams/web");
  EXPECT_EQ(s2.target_changes[0].after.state, Health::up);
  ASSERT_EQ(s2.site_changes.size(), 1u);
  EXPECT_EQ(s2.site_changes[0].subject, "ams");
  EXPECT_EQ(s2.site_changes[0].before.state, Health::unknown);
  EXPECT_EQ(s2.site_changes[0].after.state, Health::up);
  EXPECT_EQ(e.site_verdicts().at("ams").since, clock.now());
  EXPECT_EQ(e.site_verdicts().at("ams").reason, "every check passes");
  EXPECT_EQ(e.site_verdicts().at("fra").state, Health::unknown);
  EXPECT_FALSE(e.pending("ams/web", "controller"));
  EXPECT_EQ(answer(e), Sites{"ams"});
}

TEST_F(EngineTest, ObservationsOfUnknownTargetsChangeNothing) {
  Engine e(two_sites(), clock);
  steady(e);
  const Plan before = e.plan();
  EngineStep s = report(e, "par/web", false);
  EXPECT_TRUE(s.target_changes.empty());
  EXPECT_TRUE(s.site_changes.empty());
  EXPECT_FALSE(s.plan_changed);
  EXPECT_FALSE(e.health().has_target("par/web"));
  EXPECT_EQ(e.plan().generation, before.generation);
}

TEST_F(EngineTest, FailoverHappensOnTheFallthFailure) {
  Engine e(two_sites(), clock);
  steady(e);
  const std::uint64_t gen = e.plan().generation;
  EXPECT_FALSE(round(e, false, true));
  EXPECT_EQ(answer(e), Sites{"ams"});
  EXPECT_TRUE(e.pending("ams/web", "controller"));
  EXPECT_FALSE(round(e, false, true));
  EXPECT_EQ(answer(e), Sites{"ams"});

  clock.advance(milliseconds(1'000));
  EngineStep third = report(e, "ams/web", false);
  EXPECT_TRUE(third.plan_changed);
  ASSERT_EQ(third.site_changes.size(), 1u);
  EXPECT_EQ(third.site_changes[0].after.state, Health::down);
  EXPECT_EQ(answer(e), Sites{"fra"});
  EXPECT_EQ(e.plan().generation, gen + 1);
  const std::string& reason = e.plan().records.at(kKey).reason;
  EXPECT_NE(reason.find("ams is down"), std::string::npos) << reason;
  EXPECT_NE(reason.find("status 503"), std::string::npos) << reason;
  EXPECT_EQ(e.plan().records.at(kKey).last_change, ChangeKind::safety);
}

TEST_F(EngineTest, FailbackWaitsForTheHoldDownAndHappensOnTick) {
  Engine e(two_sites(), clock);
  steady(e);
  for (int i = 0; i < 3; ++i) round(e, false, true);
  ASSERT_EQ(answer(e), Sites{"fra"});
  const std::uint64_t gen = e.plan().generation;

  // ams recovers: rise = 2 successes.
  round(e, true, true);
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::down);
  round(e, true, true);
  ASSERT_EQ(e.site_verdicts().at("ams").state, Health::up);
  const TimePoint up_since = e.site_verdicts().at("ams").since;
  EXPECT_EQ(up_since, clock.now());

  // Healthy for 59 s: fra stays, with the hold-down in the reason.
  while (clock.now() - up_since < milliseconds(59'000)) {
    EXPECT_FALSE(round(e, true, true));
    EXPECT_FALSE(e.tick().plan_changed);
    ASSERT_EQ(answer(e), Sites{"fra"}) << "at " << format_duration(clock.now() - up_since);
  }
  EXPECT_NE(e.plan().records.at(kKey).reason.find("hold-down"), std::string::npos);
  EXPECT_EQ(e.site_verdicts().at("ams").since, up_since);

  // One more second without any observation: the hold-down ends and tick() fails back.
  clock.advance(milliseconds(1'000));
  EngineStep step = e.tick();
  EXPECT_TRUE(step.plan_changed);
  EXPECT_TRUE(step.target_changes.empty());
  EXPECT_EQ(answer(e), Sites{"ams"});
  EXPECT_EQ(e.plan().generation, gen + 1);
  EXPECT_EQ(e.plan().records.at(kKey).last_change, ChangeKind::discretionary);
  EXPECT_NE(e.plan().records.at(kKey).reason.find("fails back from fra"), std::string::npos);
}

TEST_F(EngineTest, ManualFailbackNeverFailsBack) {
  EngineSpec spec = two_sites();
  spec.policy.failback = Failback::manual;
  Engine e(spec, clock);
  steady(e);
  for (int i = 0; i < 3; ++i) round(e, false, true);
  ASSERT_EQ(answer(e), Sites{"fra"});
  for (int i = 0; i < 300; ++i) {
    round(e, true, true);
    e.tick();
  }
  EXPECT_EQ(answer(e), Sites{"fra"});
  EXPECT_NE(e.plan().records.at(kKey).reason.find("failback is manual"), std::string::npos);
}

TEST_F(EngineTest, RestoreKeepsTheGenerationAndDoesNotFlip) {
  Plan saved;
  std::map<std::string, Verdict> targets, sites;
  {
    Engine e(two_sites(), clock);
    steady(e);
    for (int i = 0; i < 3; ++i) round(e, false, true);  // failover to fra
    ASSERT_EQ(answer(e), Sites{"fra"});
    saved = e.plan();
    for (const auto& [name, t] : e.health().targets()) targets[name] = t.verdict;
    sites = e.site_verdicts();
  }
  ASSERT_EQ(targets.at("ams/web").state, Health::down);

  clock.advance(milliseconds(30'000));  // the restart takes a while
  Engine e(two_sites(), clock);
  e.restore(saved, targets, sites);
  EXPECT_EQ(e.plan().generation, saved.generation);
  EXPECT_EQ(answer(e), Sites{"fra"});
  EXPECT_EQ(e.health().verdict("ams/web").state, Health::down);
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::down);
  EXPECT_EQ(e.site_verdicts().at("ams").since, sites.at("ams").since);

  EngineStep t = e.tick();
  EXPECT_FALSE(t.plan_changed);
  EXPECT_TRUE(t.target_changes.empty());
  EXPECT_TRUE(t.site_changes.empty());
  EXPECT_EQ(e.plan().generation, saved.generation);

  // A single success of ams is not enough to bring it back (rise = 2), and a
  // healthy fra is simply confirmed: no flip, no new generation.
  EXPECT_FALSE(round(e, true, true));
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::down);
  EXPECT_EQ(answer(e), Sites{"fra"});
  EXPECT_EQ(e.plan().generation, saved.generation);
  EXPECT_EQ(e.site_verdicts().at("fra").since, sites.at("fra").since);
}

TEST_F(EngineTest, RestoreOfAHealthyPlanStaysPut) {
  Plan saved;
  std::map<std::string, Verdict> targets, sites;
  {
    Engine e(two_sites(), clock);
    steady(e);
    saved = e.plan();
    for (const auto& [name, t] : e.health().targets()) targets[name] = t.verdict;
    sites = e.site_verdicts();
  }
  clock.advance(milliseconds(10'000));
  Engine e(two_sites(), clock);
  e.restore(saved, targets, sites);
  for (int i = 0; i < 120; ++i) {
    ASSERT_FALSE(round(e, true, true)) << "round " << i;
    ASSERT_FALSE(e.tick().plan_changed) << "round " << i;
  }
  EXPECT_EQ(e.plan().generation, saved.generation);
  EXPECT_EQ(answer(e), Sites{"ams"});
  EXPECT_EQ(e.site_verdicts().at("ams").since, sites.at("ams").since);
}

TEST_F(EngineTest, RestoreIgnoresTargetsAndSitesNoLongerConfigured) {
  Engine e(two_sites(), clock);
  Plan saved;
  saved.generation = 12;
  saved.records[kKey].sites = {"ams"};
  saved.records[kKey].reason = "ams is the best up site by priority";
  e.restore(saved, {{"par/web", {Health::up, clock.now(), "ok", {}}}},
            {{"par", {Health::up, clock.now(), "ok", {}}}});
  EXPECT_FALSE(e.health().has_target("par/web"));
  EXPECT_EQ(e.site_verdicts().count("par"), 0u);
  EXPECT_EQ(e.plan().generation, 12u);
  EXPECT_FALSE(e.tick().plan_changed);
  EXPECT_EQ(answer(e), Sites{"ams"});
}

TEST_F(EngineTest, ReconfigureKeepsTheEvidenceOfRemainingTargets) {
  Engine e(two_sites(), clock);
  steady(e);
  const Verdict ams_target = e.health().verdict("ams/web");
  const Verdict ams_site = e.site_verdicts().at("ams");
  const std::uint64_t gen = e.plan().generation;

  // Add a third site.
  EngineSpec bigger = two_sites();
  bigger.sites.push_back(site("par", 3));
  bigger.records[0].sites.push_back("par");
  bigger.targets.push_back(check("par"));
  clock.advance(milliseconds(500));
  EngineStep s = e.reconfigure(bigger);
  EXPECT_FALSE(s.plan_changed);
  EXPECT_EQ(e.plan().generation, gen);
  EXPECT_TRUE(e.health().has_target("par/web"));
  EXPECT_EQ(e.health().verdict("ams/web").state, Health::up);
  EXPECT_EQ(e.health().verdict("ams/web").since, ams_target.since);
  EXPECT_EQ(e.site_verdicts().at("ams").since, ams_site.since);
  EXPECT_EQ(e.site_verdicts().at("par").state, Health::unknown);
  EXPECT_EQ(answer(e), Sites{"ams"});

  // The hysteresis streak survives too: two failures before, one after is the third.
  round(e, false, true);
  round(e, false, true);
  EXPECT_EQ(answer(e), Sites{"ams"});
  e.reconfigure(bigger);
  clock.advance(milliseconds(1'000));
  EXPECT_TRUE(report(e, "ams/web", false).plan_changed);
  EXPECT_EQ(answer(e), Sites{"fra"});
}

TEST_F(EngineTest, ReconfigureDropsRemovedTargetsAndSites) {
  Engine e(two_sites(), clock);
  steady(e);
  EngineSpec smaller = two_sites();
  smaller.sites = {site("ams", 1)};
  smaller.records[0].sites = {"ams"};
  smaller.targets = {check("ams")};
  EngineStep s = e.reconfigure(smaller);
  EXPECT_FALSE(s.plan_changed);
  EXPECT_FALSE(e.health().has_target("fra/web"));
  EXPECT_EQ(e.site_verdicts().count("fra"), 0u);
  EXPECT_EQ(e.health().verdict("ams/web").state, Health::up);
  EXPECT_EQ(answer(e), Sites{"ams"});
}

TEST_F(EngineTest, ReconfigureRemovingTheActiveSiteMovesTheAnswer) {
  Engine e(two_sites(), clock);
  steady(e);
  EngineSpec smaller = two_sites();
  smaller.sites = {site("fra", 2)};
  smaller.records[0].sites = {"fra"};
  smaller.targets = {check("fra")};
  EngineStep s = e.reconfigure(smaller);
  EXPECT_TRUE(s.plan_changed);
  EXPECT_EQ(answer(e), Sites{"fra"});
  EXPECT_EQ(e.health().verdict("fra/web").state, Health::up);
}

TEST_F(EngineTest, AStaleVantageMakesTheVerdictUnknownWithoutChangingTheAnswer) {
  Engine e(two_sites(), clock);
  steady(e);
  const std::uint64_t gen = e.plan().generation;

  // Nothing reports any more. Exactly `freshness` later the evidence still counts.
  clock.advance(milliseconds(5'000));
  EngineStep fresh = e.tick();
  EXPECT_TRUE(fresh.target_changes.empty());
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::up);

  clock.advance(milliseconds(1));
  EngineStep stale = e.tick();
  ASSERT_EQ(stale.target_changes.size(), 2u);
  EXPECT_EQ(stale.target_changes[0].after.state, Health::unknown);
  EXPECT_EQ(stale.target_changes[0].after.reason, "no vantage has reported recently");
  EXPECT_EQ(stale.site_changes.size(), 2u);
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::unknown);
  EXPECT_FALSE(stale.plan_changed);
  EXPECT_EQ(e.plan().generation, gen);
  EXPECT_EQ(answer(e), Sites{"ams"});

  // Long silence changes nothing either.
  clock.advance(milliseconds(600'000));
  EXPECT_FALSE(e.tick().plan_changed);
  EXPECT_EQ(answer(e), Sites{"ams"});
}

TEST_F(EngineTest, AStaleActiveSiteDoesNotFailOverToAHealthySite) {
  Engine e(two_sites(), clock);
  steady(e);
  const std::uint64_t gen = e.plan().generation;
  // Only fra keeps reporting; ams's only vantage goes quiet.
  for (int i = 0; i < 10; ++i) {
    clock.advance(milliseconds(1'000));
    EXPECT_FALSE(report(e, "fra/web", true).plan_changed);
    EXPECT_FALSE(e.tick().plan_changed);
  }
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::unknown);
  EXPECT_EQ(answer(e), Sites{"ams"});
  EXPECT_EQ(e.plan().generation, gen);
}

TEST_F(EngineTest, OneOfThreeVantagesSeeingFailuresIsNotAFailover) {
  Engine e(two_sites(), clock);
  for (int i = 0; i < 10; ++i) {
    clock.advance(milliseconds(1'000));
    const bool late = i >= 3;
    report(e, "ams/web", !late, "agent-ams");  // the agent beside ams loses it
    report(e, "ams/web", true, "controller");
    report(e, "ams/web", true, "agent-fra");
    report(e, "fra/web", true, "controller");
  }
  EXPECT_EQ(e.health().targets().at("ams/web").vantages.at("agent-ams").counter.state(),
            Health::down);
  EXPECT_EQ(e.health().verdict("ams/web").state, Health::up);
  EXPECT_EQ(answer(e), Sites{"ams"});

  // A second vantage agreeing makes it a majority.
  for (int i = 0; i < 3; ++i) {
    clock.advance(milliseconds(1'000));
    report(e, "ams/web", false, "agent-ams");
    report(e, "ams/web", false, "controller");
    report(e, "ams/web", true, "agent-fra");
    report(e, "fra/web", true, "controller");
  }
  EXPECT_EQ(e.health().verdict("ams/web").state, Health::down);
  EXPECT_EQ(answer(e), Sites{"fra"});
}

TEST_F(EngineTest, SiteRollUpOverSeveralChecks) {
  EngineSpec spec = two_sites();
  spec.targets.push_back(check("ams", "db"));
  Engine e(spec, clock);
  // web up, db no evidence: the site is unknown.
  round(e, true, true);
  round(e, true, true);
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::unknown);
  EXPECT_NE(e.site_verdicts().at("ams").reason.find("db"), std::string::npos);
  // db up too: the site is up.
  for (int i = 0; i < 2; ++i) {
    clock.advance(milliseconds(100));
    report(e, "ams/db", true);
  }
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::up);
  // db down, web up: the site is down, and the reason names the failing check.
  for (int i = 0; i < 3; ++i) {
    clock.advance(milliseconds(100));
    report(e, "ams/db", false);
    report(e, "ams/web", true);
  }
  EXPECT_EQ(e.site_verdicts().at("ams").state, Health::down);
  EXPECT_NE(e.site_verdicts().at("ams").reason.find("db: "), std::string::npos);
  EXPECT_EQ(answer(e), Sites{"fra"});
}

TEST_F(EngineTest, ASiteWithoutChecksIsUnknown) {
  EngineSpec spec = two_sites();
  spec.sites.push_back(site("par", 3));
  Engine e(spec, clock);
  e.tick();
  EXPECT_EQ(e.site_verdicts().at("par").state, Health::unknown);
  EXPECT_EQ(e.site_verdicts().at("par").reason, "no checks are configured");
}

TEST_F(EngineTest, OverridesReplanAtOnce) {
  Engine e(two_sites(), clock);
  steady(e);
  const std::uint64_t gen = e.plan().generation;
  Overrides o;
  o.drained = {"ams"};
  EngineStep s = e.set_overrides(o);
  EXPECT_TRUE(s.plan_changed);
  EXPECT_EQ(answer(e), Sites{"fra"});
  EXPECT_EQ(e.plan().generation, gen + 1);
  EXPECT_EQ(e.overrides(), o);
  EXPECT_EQ(e.plan().records.at(kKey).last_change, ChangeKind::operator_);
}

TEST_F(EngineTest, MultivalueRecordFollowsTheSites) {
  Engine e(two_sites(RoutingMode::multivalue), clock);
  round(e, true, true);
  round(e, true, true);
  EXPECT_EQ(answer(e), (Sites{"ams", "fra"}));
  for (int i = 0; i < 3; ++i) round(e, true, false);
  EXPECT_EQ(answer(e), Sites{"ams"});
}

}  // namespace
}  // namespace drpilot::core
