// check_command: a table of operator commands against one configuration,
// each with the verdicts and overrides it meets, accepted or refused with an
// HTTP-like status and a sentence; then the overrides accepted commands lead to.

#include "core/commands.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace drpilot::core {
namespace {

SiteSpec site(const std::string& name, int priority) {
  SiteSpec s;
  s.name = name;
  s.priority = priority;
  s.ipv4 = {"192.0.2." + std::to_string(priority)};
  return s;
}

RecordSpec record(const std::string& name, RecordType type, RoutingMode mode,
                  std::vector<std::string> sites) {
  RecordSpec r;
  r.name = name;
  r.type = type;
  r.mode = mode;
  r.sites = std::move(sites);
  return r;
}

// ams (1), fra (2), nyc (3):
//   www.example.test   A and AAAA, failover   ams, fra
//   api.example.test   A, multivalue          ams, fra, nyc
//   solo.example.test  A, failover            nyc
EngineSpec spec() {
  EngineSpec s;
  s.sites = {site("ams", 1), site("fra", 2), site("nyc", 3)};
  s.records = {
      record("www.example.test", RecordType::A, RoutingMode::failover, {"ams", "fra"}),
      record("www.example.test", RecordType::AAAA, RoutingMode::failover, {"ams", "fra"}),
      record("api.example.test", RecordType::A, RoutingMode::multivalue, {"ams", "fra", "nyc"}),
      record("solo.example.test", RecordType::A, RoutingMode::failover, {"nyc"}),
  };
  return s;
}

Command command(std::string name, std::string site = "", std::string record = "",
                bool force = false) {
  Command c;
  c.name = std::move(name);
  c.site = std::move(site);
  c.record = std::move(record);
  c.force = force;
  c.who = "alice@ops-1";
  c.why = "maintenance";
  return c;
}

Overrides drained(std::set<std::string> sites) {
  Overrides o;
  o.drained = std::move(sites);
  return o;
}
Overrides pinned(const std::string& record, const std::string& site) {
  Overrides o;
  o.pinned[record] = site;
  return o;
}
Overrides frozen() {
  Overrides o;
  o.frozen = true;
  o.frozen_note = "bob: incident";
  return o;
}

struct Case {
  std::string name;
  Command cmd;
  std::map<std::string, Health> health;  // absent: unknown
  Overrides before;
  int status;           // 200 when accepted
  std::string message;  // a part of the sentence
};

const std::string kW = "www.example.test";
const std::string kApi = "api.example.test";

std::vector<Case> cases() {
  const std::map<std::string, Health> all_up{
      {"ams", Health::up}, {"fra", Health::up}, {"nyc", Health::up}};
  const std::map<std::string, Health> fra_down{
      {"ams", Health::up}, {"fra", Health::down}, {"nyc", Health::up}};
  const std::map<std::string, Health> nyc_down{
      {"ams", Health::up}, {"fra", Health::up}, {"nyc", Health::down}};
  return {
      // Malformed
      {"unknown_command", command("reboot", "ams"), all_up, {}, 400, "unknown command 'reboot'"},
      {"empty_command", command(""), all_up, {}, 400, "unknown command ''"},
      {"drain_without_site", command("drain"), all_up, {}, 400, "drain needs a site"},
      {"undrain_without_site", command("undrain"), all_up, {}, 400, "undrain needs a site"},
      {"pin_without_site", command("pin", "", kW), all_up, {}, 400, "pin needs a site"},
      {"pin_without_record", command("pin", "ams"), all_up, {}, 400, "pin needs a record"},
      {"unpin_without_record", command("unpin"), all_up, {}, 400, "unpin needs a record"},
      {"switchover_without_record",
       command("switchover", "fra"),
       all_up,
       {},
       400,
       "switchover needs a record"},
      {"switchover_without_site",
       command("switchover", "", kW),
       all_up,
       {},
       400,
       "switchover needs a site"},
      // Unknown names
      {"drain_unknown_site", command("drain", "lon"), all_up, {}, 404, "there is no site 'lon'"},
      {"undrain_unknown_site",
       command("undrain", "lon"),
       all_up,
       {},
       404,
       "there is no site 'lon'"},
      {"pin_unknown_site", command("pin", "lon", kW), all_up, {}, 404, "there is no site 'lon'"},
      {"pin_unknown_record",
       command("pin", "ams", "nope.example.test"),
       all_up,
       {},
       404,
       "there is no record 'nope.example.test'"},
      {"unpin_unknown_record",
       command("unpin", "", "nope.example.test"),
       all_up,
       {},
       404,
       "there is no record 'nope.example.test'"},
      {"switchover_unknown_site",
       command("switchover", "lon", kW),
       all_up,
       {},
       404,
       "there is no site 'lon'"},
      {"switchover_unknown_record",
       command("switchover", "fra", "nope.example.test"),
       all_up,
       {},
       404,
       "there is no record 'nope.example.test'"},
      // Sites that are not the record's
      {"pin_site_not_in_record",
       command("pin", "nyc", kW),
       all_up,
       {},
       409,
       "site nyc is not one of www.example.test/A's sites"},
      {"switchover_site_not_in_record",
       command("switchover", "nyc", kW),
       all_up,
       {},
       409,
       "site nyc is not one of www.example.test/A's sites"},
      // drain
      {"drain", command("drain", "fra"), all_up, {}, 200, "fra is drained: it leaves every answer"},
      // A pin wins over a drain in the planner, so the two never meet.
      {"drain_of_a_pinned_site", command("drain", "fra"), all_up, pinned(kW, "fra"), 409,
       "www.example.test is pinned to fra; unpin it first"},
      {"pin_to_a_drained_site", command("pin", "fra", kW), all_up, drained({"fra"}), 409,
       "fra is drained; undrain it first"},
      {"drain_twice", command("drain", "fra"), all_up, drained({"fra"}), 409,
       "fra is already drained"},
      {"drain_leaving_no_site",
       command("drain", "nyc"),
       all_up,
       {},
       409,
       "refusing to drain nyc: it would leave solo.example.test/A with no site to answer (use "
       "--force to drain anyway)"},
      {"drain_leaving_no_site_forced",
       command("drain", "nyc", "", true),
       all_up,
       {},
       200,
       "nyc is drained: it leaves every answer although it would leave solo.example.test/A with "
       "no site to answer"},
      {"drain_leaving_only_down_sites",
       command("drain", "ams"),
       fra_down,
       {},
       409,
       "refusing to drain ams: every other site of www.example.test/A is down"},
      {"drain_leaving_only_down_sites_forced",
       command("drain", "ams", "", true),
       fra_down,
       {},
       200,
       "although every other site of www.example.test/A is down"},
      {"drain_after_another_drain_leaves_nothing", command("drain", "fra"), all_up,
       drained({"ams"}), 409, "it would leave www.example.test/A with no site to answer"},
      {"drain_when_the_others_are_unknown", command("drain", "ams"), {}, {}, 200, "ams is drained"},
      // A record the drained site is not part of is none of the drain's business.
      {"drain_ignores_records_without_the_site",
       command("drain", "fra"),
       nyc_down,
       {},
       200,
       "fra is drained"},
      // undrain
      {"undrain", command("undrain", "fra"), all_up, drained({"fra"}), 200,
       "fra is no longer drained"},
      {"undrain_not_drained", command("undrain", "fra"), all_up, {}, 409, "fra is not drained"},
      // pin / unpin
      {"pin", command("pin", "fra", kW), all_up, {}, 200, "www.example.test is pinned to fra"},
      {"pin_down_site",
       command("pin", "fra", kW),
       fra_down,
       {},
       200,
       "www.example.test is pinned to fra although it is down"},
      {"pin_again_elsewhere", command("pin", "ams", kW), all_up, pinned(kW, "fra"), 200,
       "pinned to ams"},
      {"unpin", command("unpin", "", kW), all_up, pinned(kW, "fra"), 200,
       "www.example.test is no longer pinned"},
      {"unpin_not_pinned",
       command("unpin", "", kW),
       all_up,
       {},
       409,
       "www.example.test is not pinned"},
      // switchover
      {"switchover",
       command("switchover", "fra", kW),
       all_up,
       {},
       200,
       "www.example.test switches over to fra now"},
      {"switchover_multivalue",
       command("switchover", "fra", kApi),
       all_up,
       {},
       409,
       "api.example.test/A is a multivalue record; drain sites to change it"},
      {"switchover_pinned", command("switchover", "fra", kW), all_up, pinned(kW, "ams"), 409,
       "www.example.test is pinned to ams; unpin it first"},
      {"switchover_drained", command("switchover", "fra", kW), all_up, drained({"fra"}), 409,
       "fra is drained; undrain it first"},
      {"switchover_down",
       command("switchover", "fra", kW),
       fra_down,
       {},
       409,
       "refusing to switch www.example.test over to fra, which is down; pin the record"},
      // The safety rule would undo it at once: force does not help.
      {"switchover_down_forced",
       command("switchover", "fra", kW, true),
       fra_down,
       {},
       409,
       "which is down; pin the record to hold traffic there anyway"},
      {"switchover_unknown_health",
       command("switchover", "fra", kW),
       {},
       {},
       200,
       "switches over to fra"},
      // freeze / resume
      {"freeze", command("freeze"), all_up, {}, 200, "automation is frozen"},
      {"freeze_twice", command("freeze"), all_up, frozen(), 409, "automation is already frozen"},
      {"resume_frozen", command("resume"), all_up, frozen(), 200, "automation resumes"},
      {"resume_not_frozen_lifts_flap_freezes",
       command("resume"),
       all_up,
       {},
       200,
       "flap freezes are lifted"},
  };
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class CommandTable : public ::testing::TestWithParam<Case> {};

TEST_P(CommandTable, IsCheckedAsExpected) {
  const Case& c = GetParam();
  std::map<std::string, Verdict> verdicts;
  for (const auto& [s, h] : c.health) verdicts[s] = Verdict{h, from_ms(1), "", Duration{0}};
  CommandCheck r = check_command(c.cmd, spec(), verdicts, c.before);
  EXPECT_EQ(r.ok, c.status == 200) << r.message;
  EXPECT_EQ(r.status, c.status) << r.message;
  EXPECT_NE(r.message.find(c.message), std::string::npos)
      << "'" << r.message << "' lacks '" << c.message << "'";
  if (!r.ok) return;
  // Only what the command is about changes.
  Overrides a = r.next, b = c.before;
  a.drained.erase(c.cmd.site);
  b.drained.erase(c.cmd.site);
  a.pinned.erase(c.cmd.record);
  b.pinned.erase(c.cmd.record);
  if (c.cmd.name == "freeze" || c.cmd.name == "resume") {
    a.frozen = b.frozen = false;
    a.frozen_note = b.frozen_note = "";
  }
  EXPECT_EQ(a, b);
}

INSTANTIATE_TEST_SUITE_P(Table, CommandTable, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

CommandCheck check(const Command& cmd, const Overrides& before = {}) {
  std::map<std::string, Verdict> up;
  for (const char* s : {"ams", "fra", "nyc"}) up[s] = Verdict{Health::up, from_ms(1), "", {}};
  return check_command(cmd, spec(), up, before);
}

TEST(CommandNext, DrainAndUndrain) {
  CommandCheck d = check(command("drain", "fra"), drained({"nyc"}));
  ASSERT_TRUE(d.ok) << d.message;
  EXPECT_EQ(d.next.drained, (std::set<std::string>{"fra", "nyc"}));
  CommandCheck u = check(command("undrain", "nyc"), d.next);
  ASSERT_TRUE(u.ok) << u.message;
  EXPECT_EQ(u.next.drained, std::set<std::string>{"fra"});
}

TEST(CommandNext, PinAndUnpin) {
  Overrides before = pinned(kApi, "nyc");
  CommandCheck p = check(command("pin", "fra", kW), before);
  ASSERT_TRUE(p.ok) << p.message;
  EXPECT_EQ(p.next.pinned, (std::map<std::string, std::string>{{kApi, "nyc"}, {kW, "fra"}}));
  CommandCheck u = check(command("unpin", "", kW), p.next);
  ASSERT_TRUE(u.ok) << u.message;
  EXPECT_EQ(u.next.pinned, (std::map<std::string, std::string>{{kApi, "nyc"}}));
}

TEST(CommandNext, FreezeKeepsWhoAndWhyAndResumeForgetsThem) {
  CommandCheck f = check(command("freeze"));
  ASSERT_TRUE(f.ok);
  EXPECT_TRUE(f.next.frozen);
  EXPECT_EQ(f.next.frozen_note, "alice@ops-1: maintenance");
  CommandCheck r = check(command("resume"), f.next);
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.next.frozen);
  EXPECT_EQ(r.next.frozen_note, "");
}

TEST(CommandNext, ASwitchoverLeavesTheOverridesAlone) {
  Overrides before = drained({"nyc"});
  CommandCheck s = check(command("switchover", "fra", kW), before);
  ASSERT_TRUE(s.ok) << s.message;
  EXPECT_EQ(s.next, before);
  EXPECT_TRUE(s.next.switchover.empty());  // the engine carries it out once
}

TEST(CommandNext, ARefusalHasNoUsefulNext) {
  CommandCheck r = check(command("drain", "fra"), drained({"fra"}));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.status, 409);
}

TEST(CommandNote, NamesWhoAndWhy) {
  Command c = command("freeze");
  EXPECT_EQ(command_note(c), "alice@ops-1: maintenance");
  c.why.clear();
  EXPECT_EQ(command_note(c), "alice@ops-1");
  c.who.clear();
  EXPECT_EQ(command_note(c), "unknown operator");
  c.why = "drill";
  EXPECT_EQ(command_note(c), "unknown operator: drill");
}

}  // namespace
}  // namespace drpilot::core
