// The data side of the planner (plan_groups, data_move_problem): each site's
// data region and role, the write-primary of a single-writer group, the RPO
// guard and the planned, step-by-step move of the write-primary.
//
// Three data regions (EUW, EUC, USE, in that configured order) and three
// sites: ams (EUW, EUC), fra (EUC, EUW), nyc (USE, EUW). Group "orders"
// writes to one primary (order EUW, EUC, USE; canary on; RPO budget 5s; grace
// 2m); group "sessions" writes everywhere. Policy: failback auto, hold-down 1m.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/data_planner.h"

namespace drpilot::core {
namespace {

using std::chrono::milliseconds;

const std::string EUW = "eu-west-1";
const std::string EUC = "eu-central-1";
const std::string USE = "us-east-1";
constexpr Health U = Health::up;
constexpr Health D = Health::down;
constexpr Health X = Health::unknown;

TimePoint at_s(int s) {
  return from_ms(1'700'000'000'000 + 1'000LL * s);
}
Duration secs(int s) {
  return milliseconds(1'000LL * s);
}

SiteSpec site(const std::string& name, std::vector<std::string> regions) {
  SiteSpec s;
  s.name = name;
  s.data_regions = std::move(regions);
  return s;
}

TableGroupSpec single_group() {
  TableGroupSpec g;
  g.name = "orders";
  g.mode = WriteMode::single;
  g.primary_order = {EUW, EUC, USE};
  g.rpo_budget = secs(5);
  g.primary_grace = secs(120);
  g.canary = true;
  g.lag_window = secs(300);
  return g;
}

TableGroupSpec any_group() {
  TableGroupSpec g;
  g.name = "sessions";
  g.mode = WriteMode::any;
  return g;
}

// Everything plan_groups reads, with `step()` making the result the previous plan.
struct World {
  std::vector<SiteSpec> sites{site("ams", {EUW, EUC}), site("fra", {EUC, EUW}),
                              site("nyc", {USE, EUW})};
  std::vector<std::string> regions{EUW, EUC, USE};
  std::vector<TableGroupSpec> groups{single_group(), any_group()};
  std::map<std::string, Verdict> verdicts;
  std::map<LagKey, LagStat> lag;
  Policy policy;
  Overrides overrides;
  std::map<std::string, GroupPlan> previous;
  TimePoint now = at_s(1'000);
  SiteRegionViews views;  // what each site's own agents see

  DataPlannerInput input() const {
    return {sites, regions, groups, verdicts, lag, policy, overrides, previous, now, &views};
  }
  std::map<std::string, GroupPlan> plan() const { return plan_groups(input()); }
  // Plans and keeps the result as the previous plan (what the engine does).
  void step() { previous = plan(); }
  const GroupPlan& orders() const { return previous.at("orders"); }
  const GroupPlan& sessions() const { return previous.at("sessions"); }
  std::string problem(const std::string& group, const std::string& to) const {
    return data_move_problem(input(), group, to);
  }

  void set(const std::string& region, Health h, int since_s) {
    verdicts[region] =
        Verdict{h, at_s(since_s), h == D ? "describe: connect timeout" : "every check passes", {}};
  }
  // `site`'s own agents see `region` so since `since_s`.
  void seen_from(const std::string& site, const std::string& region, Health h, int since_s) {
    views[site][region] = Verdict{
        h, at_s(since_s), h == D ? "ams-agent: describe: connect timeout" : "ams-agent: ok", {}};
  }
  void all_up(int since_s = 0) {
    for (const std::string& r : regions) set(r, U, since_s);
  }
  // A canary measurement: `last` (and `current`) and `max`, the newest
  // heartbeat seen having been written at `written_s`.
  void measured(const std::string& from, const std::string& to, int last_ms, int max_ms,
                int written_s, const std::string& group = "orders") {
    LagStat s;
    s.last = s.current = milliseconds(last_ms);
    s.p50 = milliseconds(last_ms);
    s.max = milliseconds(max_ms);
    s.samples = 3;
    s.newest_written = at_s(written_s);
    s.last_seen = at_s(written_s) + milliseconds(last_ms);
    lag[LagKey{group, from, to}] = s;
  }
  void request_move(const std::string& to, const std::string& note = "alice: db maintenance") {
    overrides.data_moves["orders"] = DataMoveRequest{to, note};
  }
  // One step of a one-shot request, as Engine::move_primary does it.
  void move(const std::string& to) {
    request_move(to);
    step();
    overrides.data_moves.clear();
  }
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
#define EXPECT_HAS(text, part) \
  EXPECT_TRUE(has(text, part)) << "\"" << (text) << "\" lacks \"" << (part) << "\""

void expect_explained(const std::map<std::string, GroupPlan>& plans) {
  for (const auto& [name, gp] : plans) {
    EXPECT_FALSE(gp.primary_reason.empty()) << name;
    for (const auto& [s, a] : gp.sites) {
      EXPECT_FALSE(a.reason.empty()) << name << "/" << s;
      EXPECT_FALSE(a.change_reason.empty()) << name << "/" << s;
    }
  }
}

// ---------------------------------------------------------------- bootstrap

TEST(DataPlanner, NoRegionsNoGroupPlans) {
  World w;
  w.regions.clear();
  EXPECT_TRUE(w.plan().empty());
}

TEST(DataPlanner, BootstrapUsesEachSitesLocalRegionAndOnePrimary) {
  World w;
  w.all_up();
  w.step();
  expect_explained(w.previous);
  const GroupPlan& o = w.orders();
  EXPECT_EQ(o.primary, EUW);
  EXPECT_EQ(o.primary_since, w.now);
  EXPECT_HAS(o.primary_reason, "eu-west-1 is the best up region for writes");
  EXPECT_EQ(o.move, DataMovePhase::none);
  const std::map<std::string, std::string> local{{"ams", EUW}, {"fra", EUC}, {"nyc", USE}};
  for (const auto& [s, region] : local) {
    const GroupAssignment& a = o.sites.at(s);
    EXPECT_EQ(a.data_region, region) << s;
    EXPECT_EQ(a.write_region, EUW) << s << ": single mode writes to the primary";
    EXPECT_EQ(a.role, DataRole::read_write) << s;
    EXPECT_EQ(a.changed_at, w.now) << s;
    EXPECT_HAS(a.reason, "writes go to the write-primary eu-west-1");
    const GroupAssignment& b = w.sessions().sites.at(s);
    EXPECT_EQ(b.data_region, region) << s;
    EXPECT_EQ(b.write_region, region) << s << ": mode any writes locally";
    EXPECT_EQ(b.role, DataRole::read_write) << s;
  }
  EXPECT_TRUE(w.sessions().primary.empty());
  EXPECT_HAS(w.sessions().primary_reason, "write_mode any");
}

TEST(DataPlanner, SitesWithoutAConfiguredRegionGetNoAssignment) {
  World w;
  w.sites.push_back(site("edge", {"ap-south-1"}));
  w.sites.push_back(site("lon", {}));
  w.all_up();
  w.step();
  EXPECT_EQ(w.orders().sites.count("edge"), 0u);
  EXPECT_EQ(w.orders().sites.count("lon"), 0u);
  EXPECT_EQ(w.orders().sites.size(), 3u);
}

TEST(DataPlanner, UnconfiguredRegionsInASitesListAreSkipped) {
  World w;
  w.sites = {site("ams", {"ap-south-1", EUC})};
  w.all_up();
  w.step();
  EXPECT_EQ(w.orders().sites.at("ams").data_region, EUC);
}

struct PrimaryBootCase {
  std::string name;
  std::map<std::string, Health> states;  // absent: no verdict
  std::vector<std::string> order;        // primary_order (empty: configured order)
  std::string primary;
  std::string reason;
};

class PrimaryBootstrap : public testing::TestWithParam<PrimaryBootCase> {};

TEST_P(PrimaryBootstrap, Picks) {
  const PrimaryBootCase& c = GetParam();
  World w;
  w.groups[0].primary_order = c.order;
  for (const auto& [r, h] : c.states) w.set(r, h, 0);
  w.step();
  EXPECT_EQ(w.orders().primary, c.primary);
  EXPECT_HAS(w.orders().primary_reason, c.reason);
  expect_explained(w.previous);
}

const PrimaryBootCase kPrimaryBoot[] = {
    {"first_up_of_the_order",
     {{EUW, D}, {EUC, U}, {USE, U}},
     {EUW, EUC, USE},
     EUC,
     "eu-central-1 is the best up region"},
    {"order_beats_configured_order",
     {{EUW, U}, {EUC, U}, {USE, U}},
     {USE, EUW},
     USE,
     "us-east-1 is the best up region"},
    {"configured_order_without_primary_order",
     {{EUW, U}, {EUC, U}},
     {},
     EUW,
     "eu-west-1 is the best up region"},
    {"no_verdicts_first_of_the_order", {}, {EUC, EUW}, EUC, "no region has a verdict yet"},
    {"unknown_before_down", {{EUW, D}}, {EUW, EUC}, EUC, "no region has a verdict yet"},
    {"every_region_down_first_of_the_order",
     {{EUW, D}, {EUC, D}, {USE, D}},
     {EUC, EUW, USE},
     EUC,
     "every region is down"},
    {"unconfigured_region_in_order_is_never_primary",
     {{EUW, D}, {EUC, D}, {USE, D}},
     {"ap-south-1", USE},
     USE,
     "every region is down"},
};
INSTANTIATE_TEST_SUITE_P(Cases, PrimaryBootstrap, testing::ValuesIn(kPrimaryBoot),
                         [](const auto& info) { return info.param.name; });

// ------------------------------------------------------- site assignments

struct AssignCase {
  std::string name;
  std::map<std::string, std::pair<Health, int>> states;  // region -> state, since (s)
  std::string previous;  // ams's previous data region ("" = first plan)
  Failback failback = Failback::automatic;
  std::string region;  // expected for ams
  std::string reason;  // a phrase of ams's reason
  bool changed = false;
  std::map<std::string, std::pair<Health, int>> own;  // what ams's own agents see
};

class SiteAssignment : public testing::TestWithParam<AssignCase> {};

TEST_P(SiteAssignment, Decides) {
  const AssignCase& c = GetParam();
  World w;
  w.policy.failback = c.failback;
  w.groups = {any_group()};
  w.sites = {site("ams", {EUW, EUC, USE})};
  const TimePoint before = at_s(10);
  if (!c.previous.empty()) {
    GroupPlan gp;
    gp.primary_reason = "every site writes to its own data region (write_mode any)";
    GroupAssignment a{c.previous, c.previous, DataRole::read_write, "earlier", "earlier", before};
    gp.sites["ams"] = a;
    w.previous["sessions"] = gp;
  }
  for (const auto& [r, st] : c.states) w.set(r, st.first, st.second);
  for (const auto& [r, st] : c.own) w.seen_from("ams", r, st.first, st.second);
  const auto plans = w.plan();
  const GroupAssignment& a = plans.at("sessions").sites.at("ams");
  EXPECT_EQ(a.data_region, c.region);
  EXPECT_EQ(a.write_region, c.region);
  EXPECT_HAS(a.reason, c.reason);
  if (c.changed) {
    EXPECT_EQ(a.changed_at, w.now);
    EXPECT_EQ(a.change_reason, a.reason);
  } else {
    EXPECT_EQ(a.changed_at, before);
    EXPECT_EQ(a.change_reason, "earlier");
  }
}

// now = 1000 s; hold-down 60 s.
const AssignCase kAssign[] = {
    {"boot_local_up",
     {{EUW, {U, 0}}, {EUC, {U, 0}}},
     "",
     Failback::automatic,
     EUW,
     "eu-west-1 is the first up region of ams's list",
     true},
    {"boot_local_down_next_up",
     {{EUW, {D, 0}}, {EUC, {U, 0}}},
     "",
     Failback::automatic,
     EUC,
     "eu-central-1 is the first up region",
     true},
    {"boot_skips_unknown_for_up",
     {{EUC, {U, 0}}},
     "",
     Failback::automatic,
     EUC,
     "first up region",
     true},
    {"boot_no_verdicts_local",
     {},
     "",
     Failback::automatic,
     EUW,
     "no region has a verdict yet",
     true},
    {"boot_all_down_local",
     {{EUW, {D, 0}}, {EUC, {D, 0}}, {USE, {D, 0}}},
     "",
     Failback::automatic,
     EUW,
     "every region of ams's list is down",
     true},
    {"stays_on_local_up",
     {{EUW, {U, 0}}},
     EUW,
     Failback::automatic,
     EUW,
     "ams uses eu-west-1, its local region, which is up",
     false},
    {"stays_on_local_unknown",
     {},
     EUW,
     Failback::automatic,
     EUW,
     "which has no verdict yet",
     false},
    {"local_down_moves_to_next_up",
     {{EUW, {D, 990}}, {EUC, {U, 0}}},
     EUW,
     Failback::automatic,
     EUC,
     "eu-west-1 is down (describe: connect timeout), so ams uses eu-central-1",
     true},
    {"local_down_skips_down_next",
     {{EUW, {D, 990}}, {EUC, {D, 0}}, {USE, {U, 0}}},
     EUW,
     Failback::automatic,
     USE,
     "so ams uses us-east-1",
     true},
    {"local_down_prefers_up_over_unknown",
     {{EUW, {D, 990}}, {USE, {U, 0}}},
     EUW,
     Failback::automatic,
     USE,
     "so ams uses us-east-1",
     true},
    {"local_down_unknown_next_when_none_up",
     {{EUW, {D, 990}}},
     EUW,
     Failback::automatic,
     EUC,
     "so ams uses eu-central-1",
     true},
    {"everything_down_stays",
     {{EUW, {D, 990}}, {EUC, {D, 0}}, {USE, {D, 0}}},
     EUW,
     Failback::automatic,
     EUW,
     "no other region of ams's list is up",
     false},
    {"failback_waits_for_hold_down",
     {{EUW, {U, 970}}, {EUC, {U, 0}}},
     EUC,
     Failback::automatic,
     EUC,
     "eu-west-1 has been up for 30s of the 1m hold-down",
     false},
    {"failback_after_hold_down",
     {{EUW, {U, 940}}, {EUC, {U, 0}}},
     EUC,
     Failback::automatic,
     EUW,
     "eu-west-1 has been up for 1m (hold-down 1m), so ams returns to it",
     true},
    {"failback_to_the_best_up_region",
     {{EUW, {D, 0}}, {EUC, {U, 0}}, {USE, {U, 0}}},
     USE,
     Failback::automatic,
     EUC,
     "so ams returns to it",
     true},
    {"failback_manual_stays",
     {{EUW, {U, 0}}, {EUC, {U, 0}}},
     EUC,
     Failback::manual,
     EUC,
     "eu-west-1 is up again but failback is manual",
     false},
    {"no_failback_to_unknown",
     {{EUC, {U, 0}}},
     EUC,
     Failback::automatic,
     EUC,
     "ams uses eu-central-1, which is up",
     false},
    {"no_failback_to_down",
     {{EUW, {D, 0}}, {EUC, {U, 0}}},
     EUC,
     Failback::automatic,
     EUC,
     "ams uses eu-central-1",
     false},
    {"unconfigured_previous_region_is_replaced",
     {{EUW, {U, 0}}},
     "ap-south-1",
     Failback::automatic,
     EUW,
     "eu-west-1 is the first up region",
     true},
    // The site's own agents cannot reach its local region, the others can.
    {"unreachable_from_the_site_moves_its_reads",
     {{EUW, {U, 0}}, {EUC, {U, 0}}},
     EUW,
     Failback::automatic,
     EUC,
     "eu-west-1 is down as seen from ams (ams-agent: describe: connect timeout), though the "
     "other vantages reach it, so ams uses eu-central-1",
     true,
     {{EUW, {D, 995}}}},
    {"unreachable_from_the_site_at_boot",
     {{EUW, {U, 0}}, {EUC, {U, 0}}},
     "",
     Failback::automatic,
     EUC,
     "eu-central-1 is the first up region of ams's list",
     true,
     {{EUW, {D, 995}}}},
    {"unreachable_from_the_site_without_other_verdicts",
     {{EUC, {U, 0}}},
     EUW,
     Failback::automatic,
     EUC,
     "and no other vantage has a verdict, so ams uses eu-central-1",
     true,
     {{EUW, {D, 995}}}},
    {"reachable_from_the_site_but_down_for_the_others_still_moves",
     {{EUW, {D, 990}}, {EUC, {U, 0}}},
     EUW,
     Failback::automatic,
     EUC,
     "eu-west-1 is down (describe: connect timeout), so ams uses eu-central-1",
     true,
     {{EUW, {U, 0}}}},
    {"an_unknown_own_view_says_nothing",
     {{EUW, {U, 0}}},
     EUW,
     Failback::automatic,
     EUW,
     "ams uses eu-west-1, its local region, which is up",
     false,
     {{EUW, {X, 995}}}},
    {"failback_waits_for_the_hold_down_of_the_sites_own_view",
     {{EUW, {U, 0}}, {EUC, {U, 0}}},
     EUC,
     Failback::automatic,
     EUC,
     "eu-west-1 has been up for 30s of the 1m hold-down",
     false,
     {{EUW, {U, 970}}}},
    {"failback_after_the_hold_down_of_the_sites_own_view",
     {{EUW, {U, 0}}, {EUC, {U, 0}}},
     EUC,
     Failback::automatic,
     EUW,
     "eu-west-1 has been up for 1m (hold-down 1m), so ams returns to it",
     true,
     {{EUW, {U, 940}}}},
};
INSTANTIATE_TEST_SUITE_P(Cases, SiteAssignment, testing::ValuesIn(kAssign),
                         [](const auto& info) { return info.param.name; });

TEST(DataPlanner, ARegionUnreachableFromOneSiteMovesThatSiteAlone) {
  World w;
  w.all_up();
  w.step();
  w.now += secs(1);
  w.seen_from("ams", EUW, D, 1'000);
  w.step();
  // ams reads from its next region; fra and nyc, and the write-primary, stay.
  EXPECT_EQ(w.orders().sites.at("ams").data_region, EUC);
  EXPECT_EQ(w.orders().sites.at("fra").data_region, EUC);
  EXPECT_EQ(w.orders().sites.at("nyc").data_region, USE);
  EXPECT_EQ(w.orders().primary, EUW);
  EXPECT_EQ(w.orders().sites.at("ams").write_region, EUW);
  // The write-primary moves for every site or none: ams is told it cannot
  // reach it; the others are not.
  EXPECT_HAS(w.orders().sites.at("ams").reason,
             "writes go to the write-primary eu-west-1, but eu-west-1 is down as seen from ams");
  EXPECT_FALSE(has(w.orders().sites.at("nyc").reason, "unreachable"));
  EXPECT_EQ(w.sessions().sites.at("ams").data_region, EUC);
  EXPECT_EQ(w.sessions().sites.at("ams").write_region, EUC);
}

TEST(DataPlanner, ARegionTakenOffASitesListIsLeftAtOnce) {
  World w;
  w.all_up();
  w.step();
  ASSERT_EQ(w.sessions().sites.at("nyc").data_region, USE);
  w.sites[2].data_regions = {EUW};
  w.now += secs(1);
  w.step();
  const GroupAssignment& a = w.sessions().sites.at("nyc");
  EXPECT_EQ(a.data_region, EUW);
  EXPECT_HAS(a.reason, "us-east-1 is no longer in nyc's data regions");
  EXPECT_EQ(a.changed_at, w.now);
}

TEST(DataPlanner, ReplanningTheSameInputsChangesNothing) {
  World w;
  w.all_up();
  w.step();
  const auto first = w.previous;
  w.now += secs(30);
  w.step();
  // The reasons now describe a steady state; what sites are told, and since
  // when, is unchanged.
  for (const auto& [name, gp] : w.previous) {
    const GroupPlan& f = first.at(name);
    EXPECT_EQ(gp.primary, f.primary) << name;
    EXPECT_EQ(gp.primary_since, f.primary_since) << name;
    for (const auto& [s, a] : gp.sites) {
      const GroupAssignment& b = f.sites.at(s);
      EXPECT_EQ(a.data_region, b.data_region) << name << "/" << s;
      EXPECT_EQ(a.write_region, b.write_region) << name << "/" << s;
      EXPECT_EQ(a.role, b.role) << name << "/" << s;
      EXPECT_EQ(a.changed_at, b.changed_at) << name << "/" << s;
      EXPECT_EQ(a.change_reason, b.change_reason) << name << "/" << s;
    }
  }
  EXPECT_HAS(w.orders().primary_reason, "eu-west-1 is up and the write-primary");
  const auto second = w.previous;
  w.now += secs(30);
  w.step();
  EXPECT_EQ(w.previous, second) << "a steady state is a fixed point";
}

TEST(DataPlanner, SitesFollowAnAutomaticPrimaryMoveWithoutChangingDataRegion) {
  World w;
  w.all_up();
  w.measured(EUW, EUC, 200, 400, 990);
  w.step();
  w.set(EUW, D, 1'001);
  w.now = at_s(1'002);
  w.step();
  ASSERT_EQ(w.orders().primary, EUC);
  EXPECT_EQ(w.orders().sites.at("fra").data_region, EUC);
  EXPECT_EQ(w.orders().sites.at("fra").write_region, EUC);
  EXPECT_EQ(w.orders().sites.at("nyc").data_region, USE);
  EXPECT_EQ(w.orders().sites.at("nyc").write_region, EUC);
  EXPECT_EQ(w.orders().sites.at("nyc").changed_at, w.now) << "its write region changed";
  EXPECT_HAS(w.orders().sites.at("nyc").change_reason,
             "writes go to the write-primary eu-central-1");
  // Only its writes moved: the change says why the write-primary moved.
  EXPECT_HAS(w.orders().sites.at("nyc").change_reason,
             "writes move to the write-primary eu-central-1: eu-west-1 is down");
  // ams's own region went down too: it moves to its next one.
  EXPECT_EQ(w.orders().sites.at("ams").data_region, EUC);
}

// -------------------------------------------------------- RPO guard

struct RpoCase {
  std::string name;
  bool canary = true;
  std::vector<std::tuple<std::string, std::string, int, std::string>> lags;  // from, to, ms, group
  std::map<std::string, Health> others;  // EUC and USE states (EUW, the primary, is down)
  int down_for_s = 10;
  std::string primary;  // expected afterwards
  std::string reason;
  std::string reason2 = "";
};

class RpoGuard : public testing::TestWithParam<RpoCase> {};

TEST_P(RpoGuard, Decides) {
  const RpoCase& c = GetParam();
  World w;
  w.groups[0].canary = c.canary;
  w.all_up();
  w.step();
  ASSERT_EQ(w.orders().primary, EUW);
  for (const auto& [r, h] : c.others) w.set(r, h, 0);
  for (const auto& [from, to, ms, group] : c.lags) w.measured(from, to, ms, ms, 990, group);
  w.set(EUW, D, 1'000);
  w.now = at_s(1'000 + c.down_for_s);
  w.step();
  EXPECT_EQ(w.orders().primary, c.primary);
  EXPECT_HAS(w.orders().primary_reason, c.reason);
  EXPECT_HAS(w.orders().primary_reason, c.reason2);
  EXPECT_EQ(w.orders().primary_since, c.primary == EUW ? at_s(1'000) : w.now);
  for (const auto& [s, a] : w.orders().sites) EXPECT_EQ(a.write_region, c.primary) << s;
}

const RpoCase kRpo[] = {
    {"within_budget_moves",
     true,
     {{EUW, EUC, 2'000, "orders"}},
     {},
     10,
     EUC,
     "eu-west-1 is down (describe: connect timeout), so writes move to eu-central-1",
     "replication lag from eu-west-1 2s, within the 5s budget"},
    {"at_the_budget_moves",
     true,
     {{EUW, EUC, 5'000, "orders"}},
     {},
     10,
     EUC,
     "within the 5s budget"},
    {"over_budget_waits",
     true,
     {{EUW, EUC, 9'000, "orders"}},
     {},
     10,
     EUW,
     "writes wait to move to eu-central-1: its replication lag from eu-west-1 was 9s, over the 5s "
     "budget",
     "they move anyway once eu-west-1 has been down for 2m (now 10s)"},
    {"over_budget_beyond_grace_moves",
     true,
     {{EUW, EUC, 9'000, "orders"}},
     {},
     120,
     EUC,
     "eu-west-1 has been down for 2m, beyond the 2m grace, so writes move to eu-central-1",
     "writes from the last 9s may be lost"},
    {"unknown_lag_waits", true, {}, {}, 10, EUW, "its replication lag from eu-west-1 is unknown"},
    {"unknown_lag_beyond_grace_moves", true, {}, {}, 121, EUC, "beyond the 2m grace"},
    {"no_canary_moves_at_once",
     false,
     {},
     {},
     1,
     EUC,
     "replication lag is not measured: no canary"},
    {"lag_in_the_other_direction_does_not_count",
     true,
     {{EUC, EUW, 100, "orders"}},
     {},
     10,
     EUW,
     "is unknown"},
    {"lag_of_another_group_does_not_count",
     true,
     {{EUW, EUC, 100, "carts"}},
     {},
     10,
     EUW,
     "is unknown"},
    {"lag_to_another_region_does_not_count",
     true,
     {{EUW, USE, 100, "orders"}, {EUW, EUC, 9'000, "orders"}},
     {{USE, D}},
     10,
     EUW,
     "over the 5s budget"},
    {"a_region_within_budget_beats_the_preferred_one",
     true,
     {{EUW, EUC, 9'000, "orders"}, {EUW, USE, 1'000, "orders"}},
     {},
     10,
     USE,
     "so writes move to us-east-1 (replication lag from eu-west-1 1s",
     "eu-central-1 is preferred but its replication lag from eu-west-1 was 9s"},
    {"down_candidate_is_skipped",
     true,
     {{EUW, EUC, 100, "orders"}, {EUW, USE, 200, "orders"}},
     {{EUC, D}},
     10,
     USE,
     "so writes move to us-east-1"},
    {"unknown_candidate_is_not_moved_to",
     true,
     {{EUW, EUC, 100, "orders"}},
     {{EUC, X}, {USE, X}},
     200,
     EUW,
     "but no other region is up, so writes stay with it"},
    {"no_other_region_up_stays",
     true,
     {},
     {{EUC, D}, {USE, D}},
     500,
     EUW,
     "but no other region is up, so writes stay with it"},
};
INSTANTIATE_TEST_SUITE_P(Cases, RpoGuard, testing::ValuesIn(kRpo),
                         [](const auto& info) { return info.param.name; });

TEST(DataPlanner, TheGuardUsesTheCurrentLagOfAStalledPair) {
  World w;
  w.all_up();
  w.step();
  w.measured(EUW, EUC, 200, 200, 990);
  w.lag[LagKey{"orders", EUW, EUC}].current = secs(40);  // a heartbeat 40 s on its way
  w.set(EUW, D, 1'000);
  w.now = at_s(1'010);
  w.step();
  EXPECT_EQ(w.orders().primary, EUW);
  EXPECT_HAS(w.orders().primary_reason, "was 40s, over the 5s budget");
}

TEST(DataPlanner, AWaitingPrimaryMovesOnceTheGraceHasPassed) {
  World w;
  w.all_up();
  w.step();
  w.measured(EUW, EUC, 9'000, 9'000, 990);
  w.set(EUW, D, 1'000);
  for (int t = 1'000; t < 1'120; t += 10) {
    w.now = at_s(t);
    w.step();
    ASSERT_EQ(w.orders().primary, EUW) << "at +" << t - 1'000 << "s";
  }
  w.now = at_s(1'120);
  w.step();
  EXPECT_EQ(w.orders().primary, EUC);
  EXPECT_EQ(w.orders().primary_since, w.now);
}

TEST(DataPlanner, ThePrimaryDoesNotFlapBackWhenTheOldOneRecovers) {
  World w;
  w.all_up();
  w.measured(EUW, EUC, 100, 100, 990);
  w.step();
  w.set(EUW, D, 1'000);
  w.now = at_s(1'001);
  w.step();
  ASSERT_EQ(w.orders().primary, EUC);
  const TimePoint since = w.orders().primary_since;
  // EUW recovers and stays up well beyond any hold-down: writes stay put.
  w.set(EUW, U, 1'010);
  for (int t = 1'010; t < 2'000; t += 100) {
    w.now = at_s(t);
    w.step();
    EXPECT_EQ(w.orders().primary, EUC);
  }
  EXPECT_EQ(w.orders().primary_since, since);
  EXPECT_HAS(w.orders().primary_reason, "eu-central-1 is up and the write-primary");
}

TEST(DataPlanner, AnUnknownPrimaryKeepsTheWrites) {
  World w;
  w.all_up();
  w.step();
  w.verdicts.erase(EUW);
  w.now += secs(500);
  w.step();
  EXPECT_EQ(w.orders().primary, EUW);
  EXPECT_HAS(w.orders().primary_reason, "has no verdict yet");
}

TEST(DataPlanner, APrimaryNoLongerConfiguredIsReplaced) {
  World w;
  w.all_up();
  w.step();
  w.regions = {EUC, USE};
  w.now += secs(1);
  w.step();
  EXPECT_EQ(w.orders().primary, EUC);
  for (const auto& [s, a] : w.orders().sites) {
    EXPECT_NE(a.data_region, EUW) << s;
    EXPECT_EQ(a.write_region, EUC) << s;
  }
}

// ---------------------------------------------------- planned move

TEST(DataPlanner, PlannedMovePausesWaitsSwitchesAndResumes) {
  World w;
  w.all_up();
  w.measured(EUW, EUC, 300, 1'000, 995);  // max 1 s: settle 10 s
  w.step();
  ASSERT_EQ(w.orders().primary, EUW);
  ASSERT_EQ(w.problem("orders", EUC), "");

  // 1. Pause: every site read-only, the primary unchanged.
  w.move(EUC);
  const GroupPlan& p = w.orders();
  EXPECT_EQ(p.move, DataMovePhase::paused);
  EXPECT_EQ(p.primary, EUW);
  EXPECT_EQ(p.move_from, EUW);
  EXPECT_EQ(p.move_to, EUC);
  EXPECT_EQ(p.move_note, "alice: db maintenance");
  EXPECT_EQ(p.paused_at, w.now);
  EXPECT_HAS(p.primary_reason, "writes paused for the move from eu-west-1 to eu-central-1");
  EXPECT_HAS(p.primary_reason, "no canary written in eu-west-1 since the pause has reached");
  for (const auto& [s, a] : p.sites) {
    EXPECT_EQ(a.role, DataRole::read_only) << s;
    EXPECT_EQ(a.write_region, EUW) << s;
    EXPECT_HAS(a.reason, "paused for a planned move");
  }
  EXPECT_EQ(w.sessions().sites.at("ams").role, DataRole::read_write) << "other groups unaffected";
  EXPECT_EQ(w.problem("orders", USE),
            "a move of orders's write-primary to eu-central-1 is already under way");

  // 2. A canary written after the pause arrives; 10 x 1 s has not passed yet.
  w.now = at_s(1'004);
  w.measured(EUW, EUC, 400, 1'000, 1'003);
  w.step();
  EXPECT_EQ(w.orders().move, DataMovePhase::paused);
  EXPECT_HAS(w.orders().primary_reason, "waiting 6s more: 10x the recent maximum lag");

  // 3. Settled: switch (still read-only, writes now aimed at the new primary).
  w.now = at_s(1'010);
  w.step();
  const GroupPlan& s = w.orders();
  EXPECT_EQ(s.move, DataMovePhase::switched);
  EXPECT_EQ(s.primary, EUC);
  EXPECT_EQ(s.primary_since, w.now);
  EXPECT_HAS(s.primary_reason, "moved from eu-west-1 to eu-central-1 by the operator");
  EXPECT_HAS(s.primary_reason, "writes resume next");
  for (const auto& [name, a] : s.sites) {
    EXPECT_EQ(a.role, DataRole::read_only) << name;
    EXPECT_EQ(a.write_region, EUC) << name;
  }

  // 4. Resume.
  w.now = at_s(1'011);
  w.step();
  const GroupPlan& r = w.orders();
  EXPECT_EQ(r.move, DataMovePhase::none);
  EXPECT_EQ(r.primary, EUC);
  EXPECT_HAS(r.primary_reason, "by the operator (alice: db maintenance); writes resumed");
  for (const auto& [name, a] : r.sites) {
    EXPECT_EQ(a.role, DataRole::read_write) << name;
    EXPECT_EQ(a.write_region, EUC) << name;
  }
  EXPECT_EQ(w.problem("orders", EUC), "eu-central-1 is already orders's write-primary");
}

TEST(DataPlanner, AStaleCanaryFromBeforeThePauseDoesNotCount) {
  World w;
  w.all_up();
  w.measured(EUW, EUC, 100, 100, 999);
  w.step();
  w.move(EUC);
  // Written exactly at the pause: it may predate the sites going read-only.
  w.measured(EUW, EUC, 100, 100, 1'000);
  for (int t = 1'001; t < 1'100; t += 7) {
    w.now = at_s(t);
    w.step();
    ASSERT_EQ(w.orders().move, DataMovePhase::paused) << t;
  }
  // The reverse pair catching up is not the new region catching up either.
  w.measured(EUC, EUW, 100, 100, 1'090);
  w.now = at_s(1'100);
  w.step();
  EXPECT_EQ(w.orders().move, DataMovePhase::paused);
  EXPECT_EQ(w.orders().primary, EUW);
}

TEST(DataPlanner, SettleUsesTheRecentMaximumNotTheLatestLag) {
  World w;
  w.all_up();
  w.measured(EUW, EUC, 100, 3'000, 999);
  w.step();
  w.move(EUC);
  w.measured(EUW, EUC, 100, 3'000, 1'001);
  w.now = at_s(1'029);
  w.step();
  EXPECT_EQ(w.orders().move, DataMovePhase::paused) << "29 s < 10 x 3 s";
  w.now = at_s(1'030);
  w.step();
  EXPECT_EQ(w.orders().move, DataMovePhase::switched);
}

TEST(DataPlanner, AMoveIsAbandonedWhenNoCanaryArrivesWithinTheGrace) {
  World w;
  w.all_up();
  w.measured(EUW, EUC, 100, 100, 999);
  w.step();
  w.move(EUC);
  w.now = at_s(1'119);
  w.step();
  ASSERT_EQ(w.orders().move, DataMovePhase::paused);
  w.now = at_s(1'120);
  w.step();
  EXPECT_EQ(w.orders().move, DataMovePhase::none);
  EXPECT_EQ(w.orders().primary, EUW);
  EXPECT_HAS(w.orders().primary_reason, "was abandoned because no canary written in eu-west-1");
  EXPECT_HAS(w.orders().primary_reason, "writes resumed");
  for (const auto& [s, a] : w.orders().sites) EXPECT_EQ(a.role, DataRole::read_write) << s;
}

TEST(DataPlanner, AMoveIsAbandonedWhenTheTargetGoesDown) {
  World w;
  w.all_up();
  w.measured(EUW, EUC, 100, 100, 999);
  w.step();
  w.move(EUC);
  w.set(EUC, D, 1'005);
  w.now = at_s(1'005);
  w.step();
  EXPECT_EQ(w.orders().move, DataMovePhase::none);
  EXPECT_EQ(w.orders().primary, EUW);
  EXPECT_HAS(w.orders().primary_reason,
             "the planned move from eu-west-1 to eu-central-1 was abandoned because eu-central-1 "
             "is down");
  for (const auto& [s, a] : w.orders().sites) EXPECT_EQ(a.role, DataRole::read_write) << s;
}

TEST(DataPlanner, AMoveIsAbandonedWhenTheOldPrimaryGoesDownAndTheGuardTakesOver) {
  World w;
  w.all_up();
  w.measured(EUW, EUC, 100, 100, 999);
  w.measured(EUW, USE, 100, 100, 999);
  w.step();
  w.move(EUC);
  w.set(EUW, D, 1'005);
  w.now = at_s(1'005);
  w.step();
  EXPECT_EQ(w.orders().move, DataMovePhase::none);
  EXPECT_EQ(w.orders().primary, EUC) << "the automatic failover, lag 100ms within budget";
  EXPECT_HAS(w.orders().primary_reason, "was abandoned because eu-west-1 is down");
  EXPECT_HAS(w.orders().primary_reason, "so writes move to eu-central-1");
}

TEST(DataPlanner, ARefusedRequestStartsNothing) {
  World w;
  w.all_up();
  w.measured(EUW, EUC, 100, 100, 999);
  w.step();
  w.step();
  const auto before = w.previous;
  w.move(EUW);  // already the primary
  EXPECT_EQ(w.previous, before);
  w.set(USE, D, 1'000);
  w.move(USE);  // down
  EXPECT_EQ(w.orders().move, DataMovePhase::none);
  EXPECT_EQ(w.orders().primary, EUW);
}

TEST(DataPlanner, ARequestInWriteModeAnyIsIgnored) {
  World w;
  w.all_up();
  w.step();
  w.overrides.data_moves["sessions"] = DataMoveRequest{EUC, "bob"};
  w.step();
  EXPECT_EQ(w.sessions().move, DataMovePhase::none);
  EXPECT_TRUE(w.sessions().primary.empty());
  for (const auto& [s, a] : w.sessions().sites) EXPECT_EQ(a.role, DataRole::read_write) << s;
}

TEST(DataPlanner, SwitchingTheModeToAnyEndsAMove) {
  World w;
  w.all_up();
  w.measured(EUW, EUC, 100, 100, 999);
  w.step();
  w.move(EUC);
  ASSERT_EQ(w.orders().move, DataMovePhase::paused);
  w.groups[0].mode = WriteMode::any;
  w.now += secs(1);
  w.step();
  EXPECT_EQ(w.orders().move, DataMovePhase::none);
  EXPECT_TRUE(w.orders().primary.empty());
  for (const auto& [s, a] : w.orders().sites) {
    EXPECT_EQ(a.role, DataRole::read_write) << s;
    EXPECT_EQ(a.write_region, a.data_region) << s;
  }
}

// ------------------------------------------------- data_move_problem

struct ProblemCase {
  std::string name;
  std::string group;
  std::string to;
  std::string problem;  // a phrase; "" = allowed
};

class MoveProblem : public testing::TestWithParam<ProblemCase> {};

TEST_P(MoveProblem, Says) {
  const ProblemCase& c = GetParam();
  World w;
  TableGroupSpec nocanary = single_group();
  nocanary.name = "audit";
  nocanary.canary = false;
  w.groups.push_back(nocanary);
  w.all_up();
  w.set(USE, D, 900);
  w.measured(EUW, EUC, 100, 100, 999);
  w.step();
  const std::string p = w.problem(c.group, c.to);
  if (c.problem.empty()) {
    EXPECT_EQ(p, "");
  } else {
    EXPECT_HAS(p, c.problem);
  }
}

const ProblemCase kProblems[] = {
    {"allowed", "orders", EUC, ""},
    {"unknown_group", "carts", EUC, "there is no table group 'carts'"},
    {"write_mode_any", "sessions", EUC, "writes everywhere (write_mode any): it has no primary"},
    {"no_canary", "audit", EUC, "has no canary"},
    {"unknown_region", "orders", "ap-south-1", "there is no data region 'ap-south-1'"},
    {"target_down", "orders", USE, "us-east-1 is down (describe: connect timeout)"},
    {"already_primary", "orders", EUW, "eu-west-1 is already orders's write-primary"},
};
INSTANTIATE_TEST_SUITE_P(Cases, MoveProblem, testing::ValuesIn(kProblems),
                         [](const auto& info) { return info.param.name; });

TEST(DataMoveProblem, ThePrimaryDownCannotBeDrained) {
  World w;
  w.all_up();
  w.measured(EUW, EUC, 100, 100, 999);
  w.step();
  w.set(EUW, D, 1'000);
  EXPECT_HAS(w.problem("orders", EUC), "the write-primary eu-west-1 is down");
  EXPECT_HAS(w.problem("orders", EUC), "the automatic failover applies");
}

TEST(DataMoveProblem, NoPlanYetMeansNoPrimaryToMoveFrom) {
  World w;
  w.all_up();
  w.measured(EUW, EUC, 100, 100, 999);
  EXPECT_EQ(w.problem("orders", EUC), "table group orders has no write-primary yet");
  // The same request arriving with the first plan starts nothing.
  w.request_move(EUC);
  w.step();
  EXPECT_EQ(w.orders().move, DataMovePhase::none);
  EXPECT_EQ(w.orders().primary, EUW);
}

TEST(DataMoveProblem, WithoutALagMeasurementTheMoveIsRefused) {
  World w;
  w.all_up();
  w.measured(EUC, EUW, 100, 100, 999);  // the wrong direction
  w.step();
  EXPECT_HAS(w.problem("orders", EUC),
             "no replication lag from eu-west-1 to eu-central-1 has been measured recently");
  w.move(EUC);
  EXPECT_EQ(w.orders().move, DataMovePhase::none)
      << "writes must not pause for a move that cannot finish";
}

// ------------------------------------------ randomized timeline invariants

// Random region verdicts and lags over a long timeline; after every step:
// reasons are present, no site uses a down region while one of its regions is
// up, roles are read-write unless a move is under way, single-mode sites write
// to the primary, and the primary only changes when it is down or moved.
TEST(DataPlannerProperty, InvariantsHoldOverRandomTimelines) {
  for (unsigned seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    World w;
    for (const std::string& r : w.regions) w.set(r, X, 0);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    for (int t = 0; t < 400; ++t) {
      w.now = at_s(1'000 + 5 * t);
      const int event = pick(10);
      const std::string& r = w.regions[static_cast<size_t>(pick(3))];
      if (event < 3) {
        const Health h = event == 0 ? D : U;
        if (w.verdicts[r].state != h) w.set(r, h, 1'000 + 5 * t);
      } else if (event < 6) {
        const std::string& to = w.regions[static_cast<size_t>(pick(3))];
        if (to != r) w.measured(r, to, 100 + pick(12'000), 12'000, 1'000 + 5 * t - 1);
      } else if (event == 6) {
        w.request_move(w.regions[static_cast<size_t>(pick(3))]);
      } else if (event == 7) {
        // A site's own agents lose (or regain) their path to a region.
        const std::string& who = w.sites[static_cast<size_t>(pick(3))].name;
        w.seen_from(who, r, pick(2) ? D : U, 1'000 + 5 * t);
      }
      const auto prev = w.previous;
      w.step();
      w.overrides.data_moves.clear();
      for (const auto& [name, gp] : w.previous) {
        SCOPED_TRACE("seed " + std::to_string(seed) + " t " + std::to_string(t) + " " + name);
        ASSERT_FALSE(gp.primary_reason.empty());
        const bool single = name == "orders";
        if (single) {
          ASSERT_FALSE(gp.primary.empty());
          auto p = prev.find(name);
          if (p != prev.end() && p->second.primary != gp.primary) {
            const bool moved =
                p->second.move == DataMovePhase::paused && gp.move == DataMovePhase::switched;
            ASSERT_TRUE(moved || w.verdicts[p->second.primary].state == D)
                << p->second.primary << " -> " << gp.primary << ": " << gp.primary_reason;
          }
        } else {
          ASSERT_TRUE(gp.primary.empty());
        }
        for (const SiteSpec& s : w.sites) {
          const GroupAssignment& a = gp.sites.at(s.name);
          ASSERT_FALSE(a.reason.empty());
          ASSERT_EQ(a.role == DataRole::read_only, gp.move != DataMovePhase::none);
          ASSERT_EQ(a.write_region, single ? gp.primary : a.data_region);
          // As the site sees them: down for the others, or for its own agents.
          auto seen = [&](const std::string& d) {
            const auto& own = w.views[s.name];
            auto it = own.find(d);
            return it != own.end() && it->second.state == D ? D : w.verdicts[d].state;
          };
          bool some_up = false;
          for (const std::string& d : s.data_regions) some_up |= seen(d) == U;
          if (some_up) {
            ASSERT_NE(seen(a.data_region), D) << s.name << ": " << a.reason;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace drpilot::core
