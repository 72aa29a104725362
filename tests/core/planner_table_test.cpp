// The planner, case by case: one row per situation an operator would ask
// about ("what happens when ... ?"), with the answer, whether a new generation
// is made, and a phrase the reason must contain.
//
// Times are in seconds from a fixed origin; every case is evaluated at `now`
// (1000 s unless stated). Defaults: failover record, fail-static, sites a, b, c
// with priorities 1, 2, 3, and the default Policy (failback auto, hold-down
// 1m, min interval 30s, flap window 10m, 6 changes freeze).

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/planner.h"

namespace drpilot::core {
namespace {

using std::chrono::milliseconds;

constexpr Health U = Health::up;
constexpr Health D = Health::down;
constexpr Health X = Health::unknown;
constexpr RoutingMode kFailover = RoutingMode::failover;
constexpr RoutingMode kMulti = RoutingMode::multivalue;
constexpr int kNever = INT_MIN;
const std::string kRecordName = "www.example.test";

TimePoint at_s(int s) {
  return from_ms(1'700'000'000'000 + 1'000LL * s);
}

struct SiteDef {
  std::string name;
  int priority = 1;
};

struct VerdictDef {
  std::string site;
  Health state = Health::unknown;
  int since_s = 0;
};

// The previous plan's record and its anti-flap timers.
struct PreviousDef {
  std::vector<std::string> sites;
  int last_auto_s = kNever;           // the last automatic change, if any
  std::vector<int> auto_changes_s{};  // defaults to {last_auto_s} when that is set
  bool flap_frozen = false;
};

struct Case {
  std::string name;
  RoutingMode mode = kFailover;
  AllDown all_down = AllDown::fail_static;
  std::vector<SiteDef> sites = {{"a", 1}, {"b", 2}, {"c", 3}};
  std::vector<std::string> record_sites{};  // empty: every site, in `sites` order
  std::optional<PreviousDef> previous{};    // nullopt: first plan
  std::vector<VerdictDef> verdicts{};       // absent: unknown
  Policy policy{};
  Overrides overrides{};
  int now_s = 1000;
  // Expectations.
  std::vector<std::string> expect;
  bool new_generation = false;
  std::string reason_has;
  std::optional<bool> flap_frozen{};
};

Overrides pin(const std::string& site, const std::string& record = kRecordName) {
  Overrides o;
  o.pinned[record] = site;
  return o;
}
Overrides drain(std::set<std::string> sites) {
  Overrides o;
  o.drained = std::move(sites);
  return o;
}
Overrides frozen(const std::string& note = "") {
  Overrides o;
  o.frozen = true;
  o.frozen_note = note;
  return o;
}
Overrides frozen_and_drained(std::set<std::string> sites) {
  Overrides o = drain(std::move(sites));
  o.frozen = true;
  return o;
}
Policy manual() {
  return {.failback = Failback::manual};
}

const std::vector<SiteDef> kEqual = {{"a", 1}, {"b", 1}, {"c", 1}};
const std::vector<int> kSixRecentChanges = {450, 500, 550, 600, 650, 700};

// clang-format off
const std::vector<Case> kCases = {
    // ---- first plan ------------------------------------------------------
    {.name = "bootstrap_best_up_site_by_priority",
     .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .expect = {"a"}, .new_generation = true, .reason_has = "a is the best up site by priority"},
    {.name = "bootstrap_skips_a_down_preferred_site",
     .verdicts = {{"a", D}, {"b", U}, {"c", U}},
     .expect = {"b"}, .new_generation = true, .reason_has = "b is the best up site by priority"},
    {.name = "bootstrap_prefers_an_up_site_to_an_unknown_better_one",
     .verdicts = {{"b", U}, {"c", U}},
     .expect = {"b"}, .new_generation = true, .reason_has = "b is the best up site"},
    {.name = "bootstrap_without_verdicts_answers_the_preferred_site",
     .expect = {"a"}, .new_generation = true,
     .reason_has = "no site has a verdict yet, so a, the preferred site"},
    {.name = "bootstrap_preferred_down_others_unknown_answers_next_not_down",
     .verdicts = {{"a", D}},
     .expect = {"b"}, .new_generation = true, .reason_has = "no site has a verdict yet, so b"},
    {.name = "bootstrap_all_down_fail_static_serves_the_preferred_site",
     .verdicts = {{"a", D}, {"b", D}, {"c", D}},
     .expect = {"a"}, .new_generation = true, .reason_has = "no last good answer"},
    {.name = "bootstrap_all_down_fail_open_serves_every_site",
     .all_down = AllDown::fail_open, .verdicts = {{"a", D}, {"b", D}, {"c", D}},
     .expect = {"a", "b", "c"}, .new_generation = true, .reason_has = "fail-open"},
    {.name = "bootstrap_priority_beats_configured_order",
     .sites = {{"a", 3}, {"b", 1}, {"c", 2}},
     .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .expect = {"b"}, .new_generation = true, .reason_has = "b is the best up site"},
    {.name = "bootstrap_equal_priorities_follow_the_record_order",
     .sites = kEqual, .record_sites = {"c", "b", "a"},
     .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .expect = {"c"}, .new_generation = true, .reason_has = "c is the best up site"},
    {.name = "bootstrap_multivalue_answers_every_up_site",
     .mode = kMulti, .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .expect = {"a", "b", "c"}, .new_generation = true, .reason_has = "a, b and c are up"},
    {.name = "bootstrap_multivalue_leaves_out_a_down_site",
     .mode = kMulti, .verdicts = {{"a", U}, {"b", D}, {"c", U}},
     .expect = {"a", "c"}, .new_generation = true, .reason_has = "a and c are up"},
    {.name = "bootstrap_multivalue_leaves_out_an_unknown_site",
     .mode = kMulti, .verdicts = {{"a", U}, {"c", U}},
     .expect = {"a", "c"}, .new_generation = true, .reason_has = "a and c are up"},
    {.name = "bootstrap_multivalue_without_verdicts_answers_every_site",
     .mode = kMulti,
     .expect = {"a", "b", "c"}, .new_generation = true, .reason_has = "no site has a verdict yet"},
    {.name = "bootstrap_honours_a_drain",
     .verdicts = {{"a", U}, {"b", U}, {"c", U}}, .overrides = drain({"a"}),
     .expect = {"b"}, .new_generation = true, .reason_has = "b is the best up site"},
    {.name = "bootstrap_honours_a_pin",
     .verdicts = {{"a", U}, {"b", U}, {"c", U}}, .overrides = pin("b"),
     .expect = {"b"}, .new_generation = true, .reason_has = "pinned to b"},

    // ---- failover: safety moves are immediate ----------------------------
    {.name = "failover_when_the_active_site_is_down",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", D, 990}, {"b", U}, {"c", U}},
     .expect = {"b"}, .new_generation = true, .reason_has = "a is down"},
    {.name = "failover_ignores_min_interval",
     .previous = PreviousDef{{"a"}, 999}, .verdicts = {{"a", D, 999}, {"b", U}, {"c", U}},
     .expect = {"b"}, .new_generation = true, .reason_has = "so traffic moved to b"},
    {.name = "failover_ignores_hold_down",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", D, 990}, {"b", U, 1000}},
     .expect = {"b"}, .new_generation = true, .reason_has = "so traffic moved to b"},
    {.name = "failover_ignores_manual_failback_policy",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", D, 990}, {"b", U}}, .policy = manual(),
     .expect = {"b"}, .new_generation = true, .reason_has = "so traffic moved to b"},
    {.name = "failover_ignores_flap_freeze",
     .previous = PreviousDef{{"a"}, 950, {500, 600, 700, 800, 900, 950}, true},
     .verdicts = {{"a", D, 990}, {"b", U}},
     .expect = {"b"}, .new_generation = true, .reason_has = "so traffic moved to b",
     .flap_frozen = true},
    {.name = "no_failover_when_the_active_site_is_unknown",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"b", U}, {"c", U}},
     .expect = {"a"}, .new_generation = false, .reason_has = "a has no verdict yet"},
    {.name = "active_down_stays_when_no_other_site_is_known_up",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", D, 990}},
     .expect = {"a"}, .new_generation = false, .reason_has = "no other site is known up yet"},
    {.name = "three_sites_failover_skips_a_down_second_site",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", D, 990}, {"b", D, 900}, {"c", U}},
     .expect = {"c"}, .new_generation = true, .reason_has = "so traffic moved to c"},
    {.name = "three_sites_failover_from_the_second_to_the_third",
     .previous = PreviousDef{{"b"}, 500}, .verdicts = {{"a", D, 400}, {"b", D, 990}, {"c", U}},
     .expect = {"c"}, .new_generation = true, .reason_has = "b is down"},
    {.name = "three_sites_failback_goes_to_the_best_up_site",
     .previous = PreviousDef{{"c"}, 500}, .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .expect = {"a"}, .new_generation = true, .reason_has = "fails back from c"},
    {.name = "three_sites_failback_to_the_second_while_the_first_is_down",
     .previous = PreviousDef{{"c"}, 500}, .verdicts = {{"a", D}, {"b", U}, {"c", U}},
     .expect = {"b"}, .new_generation = true, .reason_has = "fails back from c"},
    {.name = "equal_priorities_failover_follows_the_record_order",
     .sites = kEqual, .record_sites = {"c", "b", "a"},
     .previous = PreviousDef{{"c"}}, .verdicts = {{"a", U}, {"b", U}, {"c", D, 990}},
     .expect = {"b"}, .new_generation = true, .reason_has = "so traffic moved to b"},

    // ---- failback: discretionary, so it waits -----------------------------
    {.name = "failback_blocked_by_hold_down",
     .previous = PreviousDef{{"b"}, 500}, .verdicts = {{"a", U, 990}, {"b", U}},
     .expect = {"b"}, .new_generation = false,
     .reason_has = "a has been up for 10s of the 1m hold-down"},
    {.name = "failback_blocked_one_second_before_hold_down_ends",
     .previous = PreviousDef{{"b"}, 500}, .verdicts = {{"a", U, 941}, {"b", U}},
     .expect = {"b"}, .new_generation = false, .reason_has = "hold-down"},
    {.name = "failback_blocked_by_min_interval",
     .previous = PreviousDef{{"b"}, 980}, .verdicts = {{"a", U}, {"b", U, 980}},
     .expect = {"b"}, .new_generation = false,
     .reason_has = "at least 30s must pass between automatic changes"},
    {.name = "failback_blocked_by_manual_policy",
     .previous = PreviousDef{{"b"}, 500}, .verdicts = {{"a", U}, {"b", U}}, .policy = manual(),
     .expect = {"b"}, .new_generation = false, .reason_has = "failback is manual"},
    {.name = "failback_blocked_by_flap_freeze",
     .previous = PreviousDef{{"b"}, 700, kSixRecentChanges, true},
     .verdicts = {{"a", U}, {"b", U}},
     .expect = {"b"}, .new_generation = false, .reason_has = "automation is frozen after 6",
     .flap_frozen = true},
    {.name = "failback_allowed_after_hold_down_and_min_interval",
     .previous = PreviousDef{{"b"}, 500}, .verdicts = {{"a", U, 900}, {"b", U}},
     .expect = {"a"}, .new_generation = true, .reason_has = "fails back from b"},
    {.name = "failback_allowed_exactly_at_both_boundaries",
     .previous = PreviousDef{{"b"}, 970}, .verdicts = {{"a", U, 940}, {"b", U}},
     .expect = {"a"}, .new_generation = true, .reason_has = "fails back from b"},
    {.name = "failback_without_any_previous_automatic_change",
     .previous = PreviousDef{{"b"}}, .verdicts = {{"a", U, 900}, {"b", U}},
     .expect = {"a"}, .new_generation = true, .reason_has = "fails back from b"},
    {.name = "failback_at_once_with_zero_hold_down_and_interval",
     .previous = PreviousDef{{"b"}, 1000}, .verdicts = {{"a", U, 1000}, {"b", U}},
     .policy = {.hold_down = milliseconds(0), .min_interval = milliseconds(0)},
     .expect = {"a"}, .new_generation = true, .reason_has = "fails back from b"},
    {.name = "failback_from_an_unknown_active_site",
     .previous = PreviousDef{{"b"}, 500}, .verdicts = {{"a", U}},
     .expect = {"a"}, .new_generation = true, .reason_has = "fails back from b"},
    {.name = "healthy_best_active_site_stays",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .expect = {"a"}, .new_generation = false,
     .reason_has = "a is up and the best site by priority"},
    {.name = "healthy_active_stays_while_the_better_site_is_unknown",
     .previous = PreviousDef{{"b"}, 500}, .verdicts = {{"b", U}, {"c", U}},
     .expect = {"b"}, .new_generation = false, .reason_has = "preferred sites are not (a unknown)"},
    {.name = "healthy_active_not_preempted_by_an_equal_priority_site",
     .sites = kEqual, .previous = PreviousDef{{"b"}, 500},
     .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .expect = {"b"}, .new_generation = false, .reason_has = "b is up"},

    // ---- every site down ---------------------------------------------------
    {.name = "fail_static_keeps_the_last_answer",
     .previous = PreviousDef{{"b"}, 500}, .verdicts = {{"a", D}, {"b", D, 990}, {"c", D}},
     .expect = {"b"}, .new_generation = false,
     .reason_has = "last good answer b is kept (fail-static)"},
    {.name = "fail_open_answers_every_site",
     .all_down = AllDown::fail_open,
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", D, 990}, {"b", D}, {"c", D}},
     .expect = {"a", "b", "c"}, .new_generation = true, .reason_has = "fail-open"},
    {.name = "fail_open_leaves_out_a_drained_site",
     .all_down = AllDown::fail_open,
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", D, 990}, {"b", D}, {"c", D}},
     .overrides = drain({"b"}),
     .expect = {"a", "c"}, .new_generation = true, .reason_has = "fail-open"},
    {.name = "fail_open_answer_is_stable",
     .all_down = AllDown::fail_open,
     .previous = PreviousDef{{"a", "b", "c"}, 900}, .verdicts = {{"a", D}, {"b", D}, {"c", D}},
     .expect = {"a", "b", "c"}, .new_generation = false, .reason_has = "fail-open"},
    {.name = "recovery_from_fail_open_narrows_to_the_up_site_at_once",
     .all_down = AllDown::fail_open,
     .previous = PreviousDef{{"a", "b", "c"}, 999},
     .verdicts = {{"a", D}, {"b", U, 1000}, {"c", D}},
     .expect = {"b"}, .new_generation = true, .reason_has = "narrows to it"},
    {.name = "recovery_from_fail_static_moves_at_once",
     .previous = PreviousDef{{"a"}, 999}, .verdicts = {{"a", D}, {"b", D}, {"c", U, 1000}},
     .expect = {"c"}, .new_generation = true, .reason_has = "so traffic moved to c"},
    {.name = "multivalue_fail_static_keeps_the_last_answer",
     .mode = kMulti, .previous = PreviousDef{{"a", "c"}},
     .verdicts = {{"a", D}, {"b", D}, {"c", D}},
     .expect = {"a", "c"}, .new_generation = false, .reason_has = "fail-static"},
    {.name = "multivalue_fail_open_answers_every_site",
     .mode = kMulti, .all_down = AllDown::fail_open,
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", D}, {"b", D}, {"c", D}},
     .expect = {"a", "b", "c"}, .new_generation = true, .reason_has = "fail-open"},
    {.name = "multivalue_recovery_from_fail_open",
     .mode = kMulti, .all_down = AllDown::fail_open,
     .previous = PreviousDef{{"a", "b", "c"}, 999},
     .verdicts = {{"a", D}, {"b", D}, {"c", U, 1000}},
     .expect = {"c"}, .new_generation = true, .reason_has = "a and b are down and left the answer"},

    // ---- multivalue ----------------------------------------------------------
    {.name = "multivalue_down_site_leaves_at_once",
     .mode = kMulti, .previous = PreviousDef{{"a", "b", "c"}, 999},
     .verdicts = {{"a", U}, {"b", D, 1000}, {"c", U}},
     .expect = {"a", "c"}, .new_generation = true, .reason_has = "b is down and left the answer"},
    {.name = "multivalue_down_site_leaves_during_flap_freeze",
     .mode = kMulti, .previous = PreviousDef{{"a", "b", "c"}, 700, kSixRecentChanges, true},
     .verdicts = {{"a", U}, {"b", D, 1000}, {"c", U}},
     .expect = {"a", "c"}, .new_generation = true, .reason_has = "b is down and left the answer",
     .flap_frozen = true},
    {.name = "multivalue_recovered_site_rejoins_after_hold_down",
     .mode = kMulti, .previous = PreviousDef{{"a", "c"}, 500},
     .verdicts = {{"a", U}, {"b", U, 900}, {"c", U}},
     .expect = {"a", "b", "c"}, .new_generation = true,
     .reason_has = "b rejoined after the 1m hold-down"},
    {.name = "multivalue_rejoin_blocked_by_hold_down",
     .mode = kMulti, .previous = PreviousDef{{"a", "c"}, 500},
     .verdicts = {{"a", U}, {"b", U, 990}, {"c", U}},
     .expect = {"a", "c"}, .new_generation = false,
     .reason_has = "b waits to rejoin: b has been up for 10s of the 1m hold-down"},
    {.name = "multivalue_rejoin_blocked_by_min_interval",
     .mode = kMulti, .previous = PreviousDef{{"a", "c"}, 990},
     .verdicts = {{"a", U}, {"b", U, 900}, {"c", U}},
     .expect = {"a", "c"}, .new_generation = false,
     .reason_has = "must pass between automatic changes"},
    {.name = "multivalue_rejoin_blocked_by_manual_policy",
     .mode = kMulti, .previous = PreviousDef{{"a", "c"}, 500},
     .verdicts = {{"a", U}, {"b", U, 0}, {"c", U}}, .policy = manual(),
     .expect = {"a", "c"}, .new_generation = false, .reason_has = "failback is manual"},
    {.name = "multivalue_rejoin_blocked_by_flap_freeze",
     .mode = kMulti, .previous = PreviousDef{{"a", "c"}, 700, kSixRecentChanges, true},
     .verdicts = {{"a", U}, {"b", U, 0}, {"c", U}},
     .expect = {"a", "c"}, .new_generation = false, .reason_has = "automation is frozen",
     .flap_frozen = true},
    {.name = "multivalue_unknown_member_stays",
     .mode = kMulti, .previous = PreviousDef{{"a", "b"}}, .verdicts = {{"a", U}, {"c", D}},
     .expect = {"a", "b"}, .new_generation = false, .reason_has = "awaiting a verdict"},
    {.name = "multivalue_unknown_site_does_not_join",
     .mode = kMulti, .previous = PreviousDef{{"a"}}, .verdicts = {{"a", U}, {"c", D}},
     .expect = {"a"}, .new_generation = false, .reason_has = "a"},
    {.name = "multivalue_every_answered_site_down_moves_to_every_up_site_at_once",
     .mode = kMulti, .previous = PreviousDef{{"a"}, 999},
     .verdicts = {{"a", D, 1000}, {"b", U, 1000}, {"c", U, 1000}},
     .expect = {"b", "c"}, .new_generation = true,
     .reason_has = "so the answer is every up site: b and c"},
    {.name = "multivalue_down_member_leaves_while_a_recovered_site_waits",
     .mode = kMulti, .previous = PreviousDef{{"a", "b"}, 500},
     .verdicts = {{"a", U}, {"b", D, 1000}, {"c", U, 990}},
     .expect = {"a"}, .new_generation = true, .reason_has = "c waits to rejoin"},
    {.name = "multivalue_unknown_answer_is_not_replaced_by_a_fresh_up_site",
     .mode = kMulti, .previous = PreviousDef{{"a"}, 500},
     .verdicts = {{"b", U, 995}, {"c", D}},
     .expect = {"a"}, .new_generation = false, .reason_has = "a"},

    // ---- pin -----------------------------------------------------------------
    {.name = "pin_moves_the_answer",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .overrides = pin("b"),
     .expect = {"b"}, .new_generation = true, .reason_has = "pinned to b by the operator"},
    {.name = "pin_onto_a_down_site",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", U}, {"b", D}, {"c", U}},
     .overrides = pin("b"),
     .expect = {"b"}, .new_generation = true, .reason_has = "although b is down"},
    {.name = "pin_beats_safety",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", D, 990}, {"b", U}, {"c", U}},
     .overrides = pin("a"),
     .expect = {"a"}, .new_generation = false, .reason_has = "pinned to a"},
    {.name = "pin_narrows_a_multivalue_answer",
     .mode = kMulti, .previous = PreviousDef{{"a", "b", "c"}},
     .verdicts = {{"a", U}, {"b", U}, {"c", U}}, .overrides = pin("c"),
     .expect = {"c"}, .new_generation = true, .reason_has = "pinned to c"},
    {.name = "pin_to_a_site_outside_the_record_is_ignored",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", U}, {"b", U}}, .overrides = pin("zz"),
     .expect = {"a"}, .new_generation = false, .reason_has = "a is up and the best site"},
    {.name = "pin_of_another_record_is_ignored",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", U}, {"b", U}},
     .overrides = pin("b", "api.example.test"),
     .expect = {"a"}, .new_generation = false, .reason_has = "a is up and the best site"},

    // ---- drain ---------------------------------------------------------------
    {.name = "drain_of_the_active_site_moves_at_once",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .overrides = drain({"a"}),
     .expect = {"b"}, .new_generation = true, .reason_has = "a was taken out (drained"},
    {.name = "drain_of_the_active_site_skips_a_down_site",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", U}, {"b", D}, {"c", U}},
     .overrides = drain({"a"}),
     .expect = {"c"}, .new_generation = true, .reason_has = "so traffic moved to c"},
    {.name = "drain_of_the_active_site_ignores_hold_down_and_interval",
     .previous = PreviousDef{{"a"}, 999}, .verdicts = {{"a", U}, {"b", U, 1000}},
     .overrides = drain({"a"}),
     .expect = {"b"}, .new_generation = true, .reason_has = "drained"},
    {.name = "drain_of_a_non_active_site_changes_nothing",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .overrides = drain({"b"}),
     .expect = {"a"}, .new_generation = false, .reason_has = "a is up"},
    {.name = "drain_of_a_multivalue_member",
     .mode = kMulti, .previous = PreviousDef{{"a", "b", "c"}},
     .verdicts = {{"a", U}, {"b", U}, {"c", U}}, .overrides = drain({"b"}),
     .expect = {"a", "c"}, .new_generation = true, .reason_has = "b was taken out"},
    {.name = "drain_of_every_site_keeps_the_last_answer",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .overrides = drain({"a", "b", "c"}),
     .expect = {"a"}, .new_generation = false,
     .reason_has = "every site of this record is drained"},
    {.name = "drain_applies_during_operator_freeze",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .overrides = frozen_and_drained({"a"}),
     .expect = {"b"}, .new_generation = true, .reason_has = "a was taken out"},

    // ---- operator freeze -----------------------------------------------------
    {.name = "operator_freeze_blocks_failover",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", D, 990}, {"b", U}},
     .overrides = frozen(),
     .expect = {"a"}, .new_generation = false,
     .reason_has = "automation is frozen by the operator"},
    {.name = "operator_freeze_blocks_failback",
     .previous = PreviousDef{{"b"}, 500}, .verdicts = {{"a", U}, {"b", U}},
     .overrides = frozen(),
     .expect = {"b"}, .new_generation = false, .reason_has = "frozen by the operator"},
    {.name = "operator_freeze_note_is_in_the_reason",
     .previous = PreviousDef{{"a"}}, .verdicts = {{"a", U}},
     .overrides = frozen("db migration, ticket 42"),
     .expect = {"a"}, .new_generation = false, .reason_has = "(db migration, ticket 42)"},
    {.name = "operator_freeze_blocks_multivalue_removal",
     .mode = kMulti, .previous = PreviousDef{{"a", "b"}}, .verdicts = {{"a", U}, {"b", D}},
     .overrides = frozen(),
     .expect = {"a", "b"}, .new_generation = false, .reason_has = "so the answer stays a and b"},

    // ---- flap freeze -----------------------------------------------------------
    {.name = "flap_freeze_begins_with_the_nth_automatic_change",
     .previous = PreviousDef{{"a"}, 900, {500, 600, 700, 800, 900}},
     .verdicts = {{"a", D, 1000}, {"b", U}},
     .expect = {"b"}, .new_generation = true, .reason_has = "automation now freezes failback",
     .flap_frozen = true},
    {.name = "flap_frozen_record_without_change_keeps_its_generation",
     .previous = PreviousDef{{"b"}, 700, kSixRecentChanges, true},
     .verdicts = {{"a", D}, {"b", U}},
     .expect = {"b"}, .new_generation = false, .reason_has = "preferred sites are not (a down)",
     .flap_frozen = true},
    {.name = "flap_thaw_is_a_new_generation",
     .previous = PreviousDef{{"b"}, 900, {350, 500, 600, 700, 800, 900}, true},
     .verdicts = {{"a", D}, {"b", U}},
     .expect = {"b"}, .new_generation = true, .reason_has = "so automation resumes",
     .flap_frozen = false},
    {.name = "flap_thaw_then_failback_freezes_again",
     .previous = PreviousDef{{"b"}, 900, {350, 500, 600, 700, 800, 900}, true},
     .verdicts = {{"a", U, 800}, {"b", U}},
     .expect = {"a"}, .new_generation = true, .reason_has = "fails back from b",
     .flap_frozen = true},
    {.name = "flap_changes_older_than_the_window_do_not_count",
     .previous = PreviousDef{{"b"}, 900, {100, 200, 300, 350, 900}},
     .verdicts = {{"a", U, 800}, {"b", U}},
     .expect = {"a"}, .new_generation = true, .reason_has = "fails back from b",
     .flap_frozen = false},

    // ---- configuration changes --------------------------------------------------
    {.name = "active_site_removed_from_the_configuration",
     .previous = PreviousDef{{"old"}}, .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .expect = {"a"}, .new_generation = true,
     .reason_has = "old was taken out (drained or no longer configured)"},
    {.name = "multivalue_member_removed_from_the_configuration",
     .mode = kMulti, .previous = PreviousDef{{"a", "old", "c"}},
     .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .expect = {"a", "c"}, .new_generation = true, .reason_has = "old was taken out"},
    {.name = "active_site_removed_from_the_record_only",
     .record_sites = {"b", "c"}, .previous = PreviousDef{{"a"}},
     .verdicts = {{"a", U}, {"b", U}, {"c", U}},
     .expect = {"b"}, .new_generation = true, .reason_has = "so traffic moved to b"},
};
// clang-format on

RecordSpec make_record(const Case& c) {
  RecordSpec r;
  r.name = kRecordName;
  r.mode = c.mode;
  r.all_down = c.all_down;
  if (c.record_sites.empty()) {
    for (const SiteDef& s : c.sites) r.sites.push_back(s.name);
  } else {
    r.sites = c.record_sites;
  }
  return r;
}

Plan make_previous(const Case& c, const RecordSpec& rec) {
  Plan p;
  if (!c.previous) return p;
  const PreviousDef& d = *c.previous;
  p.generation = 7;
  p.made_at = at_s(0);
  p.summary = "previous generation";
  RecordPlan rp;
  rp.sites = d.sites;
  rp.reason = "previous reason";
  rp.changed_at = at_s(0);
  rp.last_change = ChangeKind::bootstrap;
  if (d.last_auto_s != kNever) {
    rp.last_automatic_change = at_s(d.last_auto_s);
    rp.changed_at = at_s(d.last_auto_s);
    rp.last_change = ChangeKind::safety;
  }
  std::vector<int> changes = d.auto_changes_s;
  if (changes.empty() && d.last_auto_s != kNever) changes.push_back(d.last_auto_s);
  for (int s : changes) rp.automatic_changes.push_back(at_s(s));
  rp.flap_frozen = d.flap_frozen;
  p.records[rec.key()] = rp;
  return p;
}

std::string join(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "]";
}

// Failures name the case instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class PlannerTable : public testing::TestWithParam<Case> {};

TEST_P(PlannerTable, Decides) {
  const Case& c = GetParam();
  std::vector<SiteSpec> sites;
  for (const SiteDef& s : c.sites) {
    SiteSpec spec;
    spec.name = s.name;
    spec.priority = s.priority;
    spec.ipv4 = {"192.0.2.1"};
    sites.push_back(spec);
  }
  const std::vector<RecordSpec> records = {make_record(c)};
  std::map<std::string, Verdict> verdicts;
  for (const VerdictDef& v : c.verdicts) {
    verdicts[v.site] =
        Verdict{v.state, at_s(v.since_s), "web: " + std::string(to_string(v.state)), {}};
  }
  const Plan previous = make_previous(c, records[0]);
  const PlannerInput in{sites, records, verdicts, c.policy, c.overrides, previous, at_s(c.now_s)};

  const Plan next = make_plan(in);

  ASSERT_EQ(next.records.size(), 1u);
  const RecordPlan& rp = next.records.begin()->second;
  EXPECT_EQ(next.records.begin()->first, "www.example.test/A");
  EXPECT_EQ(join(rp.sites), join(c.expect)) << "reason: " << rp.reason;
  EXPECT_EQ(next.generation, previous.generation + (c.new_generation ? 1 : 0))
      << "reason: " << rp.reason;
  EXPECT_FALSE(rp.reason.empty());
  EXPECT_NE(rp.reason.find(c.reason_has), std::string::npos)
      << "reason: \"" << rp.reason << "\" lacks \"" << c.reason_has << "\"";
  EXPECT_NE(rp.reason.back(), '.') << "a reason is one sentence without its period: " << rp.reason;
  if (c.flap_frozen) {
    EXPECT_EQ(rp.flap_frozen, *c.flap_frozen) << "reason: " << rp.reason;
  }
  std::set<std::string> unique(rp.sites.begin(), rp.sites.end());
  EXPECT_EQ(unique.size(), rp.sites.size()) << "duplicate site in " << join(rp.sites);
  if (c.new_generation) {
    EXPECT_EQ(next.made_at, at_s(c.now_s));
    EXPECT_NE(next.summary.find(rp.reason), std::string::npos) << next.summary;
    EXPECT_EQ(rp.changed_at == at_s(c.now_s), !c.previous || rp.sites != c.previous->sites);
  } else {
    EXPECT_EQ(next.made_at, previous.made_at);
    EXPECT_EQ(next.summary, previous.summary);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, PlannerTable, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(PlannerTableSize, HasAtLeastFortyNamedCases) {
  EXPECT_GE(kCases.size(), 40u);
  std::set<std::string> names;
  for (const Case& c : kCases) names.insert(c.name);
  EXPECT_EQ(names.size(), kCases.size()) << "case names must be unique";
}

// ---- several records in one plan ------------------------------------------------

struct TwoRecords {
  std::vector<SiteSpec> sites;
  std::vector<RecordSpec> records;
  TwoRecords() {
    for (const SiteDef& d : std::vector<SiteDef>{{"a", 1}, {"b", 2}}) {
      SiteSpec s;
      s.name = d.name;
      s.priority = d.priority;
      sites.push_back(s);
    }
    RecordSpec www;
    www.name = "www.example.test";
    www.sites = {"a", "b"};
    RecordSpec api = www;
    api.name = "api.example.test";
    api.mode = RoutingMode::multivalue;
    records = {www, api};
  }
};

TEST(PlannerRecords, OneGenerationForSeveralChangedRecords) {
  TwoRecords t;
  const Policy policy;
  const Overrides none;
  std::map<std::string, Verdict> v = {{"a", {U, at_s(0), "ok", {}}}, {"b", {U, at_s(0), "ok", {}}}};
  const Plan first = make_plan({t.sites, t.records, v, policy, none, Plan{}, at_s(10)});
  EXPECT_EQ(first.generation, 1u);
  ASSERT_EQ(first.records.size(), 2u);
  EXPECT_EQ(first.records.at("www.example.test/A").sites, (std::vector<std::string>{"a"}));
  EXPECT_EQ(first.records.at("api.example.test/A").sites, (std::vector<std::string>{"a", "b"}));

  v["a"] = {D, at_s(20), "web: status 503", {}};
  const Plan second = make_plan({t.sites, t.records, v, policy, none, first, at_s(20)});
  EXPECT_EQ(second.generation, 2u);
  EXPECT_EQ(second.records.at("www.example.test/A").sites, (std::vector<std::string>{"b"}));
  EXPECT_EQ(second.records.at("api.example.test/A").sites, (std::vector<std::string>{"b"}));
  EXPECT_NE(second.summary.find("www.example.test/A -> b"), std::string::npos) << second.summary;
  EXPECT_NE(second.summary.find("api.example.test/A -> b"), std::string::npos) << second.summary;

  // The same inputs again: no new generation, same content.
  const Plan third = make_plan({t.sites, t.records, v, policy, none, second, at_s(21)});
  EXPECT_EQ(third.generation, 2u);
  EXPECT_EQ(third.made_at, second.made_at);
  EXPECT_FALSE(answers_differ(second, third));
}

TEST(PlannerRecords, SummaryNamesOnlyTheChangedRecord) {
  TwoRecords t;
  const Policy policy;
  std::map<std::string, Verdict> v = {{"a", {U, at_s(0), "ok", {}}}, {"b", {U, at_s(0), "ok", {}}}};
  const Plan first = make_plan({t.sites, t.records, v, policy, Overrides{}, Plan{}, at_s(10)});
  Overrides o;
  o.pinned["www.example.test"] = "b";
  const Plan second = make_plan({t.sites, t.records, v, policy, o, first, at_s(20)});
  EXPECT_EQ(second.generation, 2u);
  EXPECT_NE(second.summary.find("www.example.test/A -> b"), std::string::npos) << second.summary;
  EXPECT_EQ(second.summary.find("api.example.test"), std::string::npos) << second.summary;
  EXPECT_EQ(second.records.at("api.example.test/A").sites, (std::vector<std::string>{"a", "b"}));
}

TEST(PlannerRecords, RemovingARecordIsANewGeneration) {
  TwoRecords t;
  const Policy policy;
  std::map<std::string, Verdict> v = {{"a", {U, at_s(0), "ok", {}}}};
  const Plan first = make_plan({t.sites, t.records, v, policy, Overrides{}, Plan{}, at_s(10)});
  const std::vector<RecordSpec> only_www = {t.records[0]};
  const Plan second = make_plan({t.sites, only_www, v, policy, Overrides{}, first, at_s(20)});
  EXPECT_EQ(second.generation, 2u);
  EXPECT_EQ(second.records.size(), 1u);
  EXPECT_FALSE(second.summary.empty());
}

TEST(PlannerRecords, EachRecordKeepsItsOwnTimers) {
  TwoRecords t;
  const Policy policy;
  std::map<std::string, Verdict> v = {{"a", {U, at_s(0), "ok", {}}}, {"b", {U, at_s(0), "ok", {}}}};
  const Plan first = make_plan({t.sites, t.records, v, policy, Overrides{}, Plan{}, at_s(100)});
  v["a"] = {D, at_s(200), "web: down", {}};
  const Plan second = make_plan({t.sites, t.records, v, policy, Overrides{}, first, at_s(200)});
  for (const auto& [key, rp] : second.records) {
    EXPECT_EQ(rp.last_automatic_change, at_s(200)) << key;
    EXPECT_EQ(rp.last_change, ChangeKind::safety) << key;
    EXPECT_EQ(rp.automatic_changes.size(), 1u) << key;
  }
  EXPECT_EQ(first.records.at("www.example.test/A").last_change, ChangeKind::bootstrap);
  EXPECT_EQ(first.records.at("www.example.test/A").last_automatic_change, TimePoint{});
}

// Status shows why traffic is where it is: the sentence that moved the answer
// stays with it while later evaluations describe the situation anew.
TEST(PlannerRecords, ChangeReasonStaysUntilTheAnswerChanges) {
  TwoRecords t;
  const Policy policy;
  const std::vector<RecordSpec> www = {t.records[0]};
  std::map<std::string, Verdict> v = {{"a", {U, at_s(0), "ok", {}}}, {"b", {U, at_s(0), "ok", {}}}};
  const Plan first = make_plan({t.sites, www, v, policy, Overrides{}, Plan{}, at_s(10)});
  EXPECT_EQ(first.records.at("www.example.test/A").change_reason,
            first.records.at("www.example.test/A").reason);

  v["a"] = {D, at_s(20), "web: status 503", {}};
  const Plan moved = make_plan({t.sites, www, v, policy, Overrides{}, first, at_s(20)});
  const RecordPlan& m = moved.records.at("www.example.test/A");
  EXPECT_NE(m.change_reason.find("so traffic moved to b"), std::string::npos) << m.change_reason;

  const Plan later = make_plan({t.sites, www, v, policy, Overrides{}, moved, at_s(30)});
  const RecordPlan& l = later.records.at("www.example.test/A");
  EXPECT_EQ(later.generation, moved.generation);
  EXPECT_EQ(l.change_reason, m.change_reason);
  EXPECT_NE(l.reason, l.change_reason) << "the current assessment reads differently: " << l.reason;
}

// A record whose sites were all drained at its first plan has no answer; when
// the operator undrains one, the answer and its reason must make sense.
TEST(PlannerRecords, UndrainAfterEverySiteWasDrainedExplainsItself) {
  TwoRecords t;
  const Policy policy;
  std::map<std::string, Verdict> v = {{"a", {U, at_s(0), "ok", {}}}, {"b", {U, at_s(0), "ok", {}}}};
  Overrides all;
  all.drained = {"a", "b"};
  const std::vector<RecordSpec> www = {t.records[0]};
  const Plan first = make_plan({t.sites, www, v, policy, all, Plan{}, at_s(10)});
  const RecordPlan& r1 = first.records.at("www.example.test/A");
  EXPECT_TRUE(r1.sites.empty());
  EXPECT_NE(r1.reason.find("every site of this record is drained"), std::string::npos) << r1.reason;

  const Plan second = make_plan({t.sites, www, v, policy, Overrides{}, first, at_s(20)});
  const RecordPlan& r2 = second.records.at("www.example.test/A");
  EXPECT_EQ(r2.sites, (std::vector<std::string>{"a"}));
  EXPECT_EQ(second.generation, 2u);
  EXPECT_EQ(r2.reason.find("no site were taken out"), std::string::npos)
      << "nothing was taken out; the reason should say why a is answered: " << r2.reason;
}

}  // namespace
}  // namespace drpilot::core
