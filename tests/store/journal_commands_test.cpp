// What the journal keeps for changing the world: operator commands with the
// overrides they lead to, provider progress (the reconciler's fence), and the
// plan last released to the providers; all restored by load_state(), and
// refused when corrupt. Plus the JSON form of overrides.

#include <sqlite3.h>

#include <gtest/gtest.h>

#include "journal_fixture.h"
#include "sample_plan.h"
#include "store/codec.h"
#include "store/journal.h"

namespace drpilot::store {
namespace {

using nlohmann::json;

core::Overrides sample_overrides() {
  core::Overrides o;
  o.drained = {"ams", "nyc"};
  o.pinned = {{"www.example.test", "fra"}, {"api.example.test", "ams"}};
  o.frozen = true;
  o.frozen_note = "alice@ops-1: incident 42";
  return o;
}

// ---- codec --------------------------------------------------------------------

TEST(OverridesCodec, RoundTripsThroughText) {
  const core::Overrides o = sample_overrides();
  EXPECT_EQ(overrides_from_json(json::parse(to_json(o).dump())), o);
  EXPECT_EQ(overrides_from_json(json::parse(to_json(core::Overrides{}).dump())), core::Overrides{});
}

TEST(OverridesCodec, ASwitchoverIsOneShotAndNotStored) {
  core::Overrides o = sample_overrides();
  o.switchover["www.example.test"] = core::Switchover{"ams", "drill"};
  const json j = to_json(o);
  EXPECT_FALSE(j.contains("switchover"));
  core::Overrides back = overrides_from_json(j);
  EXPECT_TRUE(back.switchover.empty());
  o.switchover.clear();
  EXPECT_EQ(back, o);
}

TEST(OverridesCodec, MalformedIsRefused) {
  struct Case {
    std::string name;
    std::function<void(json&)> spoil;
    std::string mentions;
  };
  const json valid = to_json(sample_overrides());
  const std::vector<Case> cases{
      {"an array", [](json& j) { j = json::array(); }, "object"},
      {"null", [](json& j) { j = nullptr; }, "object"},
      {"no drained", [](json& j) { j.erase("drained"); }, "drained"},
      {"drained as object", [](json& j) { j["drained"] = json::object(); }, "drained"},
      {"numeric drained site",
       [](json& j) {
         j["drained"] = {"ams", 3};
       },
       "drained"},
      {"no pinned", [](json& j) { j.erase("pinned"); }, "pinned"},
      {"pinned as array", [](json& j) { j["pinned"] = json::array({"fra"}); }, "pinned"},
      {"numeric pin", [](json& j) { j["pinned"]["www.example.test"] = 1; }, "www.example.test"},
      {"no frozen", [](json& j) { j.erase("frozen"); }, "frozen"},
      {"frozen as text", [](json& j) { j["frozen"] = "yes"; }, "frozen"},
      {"frozen as number", [](json& j) { j["frozen"] = 1; }, "frozen"},
      {"no frozen_note", [](json& j) { j.erase("frozen_note"); }, "frozen_note"},
      {"null frozen_note", [](json& j) { j["frozen_note"] = nullptr; }, "frozen_note"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    json j = valid;
    c.spoil(j);
    try {
      overrides_from_json(j);
      ADD_FAILURE() << "accepted " << j.dump();
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(c.mentions), std::string::npos) << e.what();
    }
  }
}

// ---- journal --------------------------------------------------------------------

using JournalCommandsTest = JournalFileTest;

TEST_F(JournalCommandsTest, ACommandIsAnEventAndTheOverridesItLeadsTo) {
  const core::TimePoint at = core::from_ms(1'700'000'200'000);
  {
    Journal j(path());
    EXPECT_FALSE(j.load_state().overrides.has_value());
    j.record_command("drain", "ams is drained: it leaves every answer", at,
                     {{"site", "ams"}, {"who", "alice@ops-1"}}, sample_overrides());
  }
  Journal j(path());
  JournalState s = j.load_state();
  ASSERT_TRUE(s.overrides.has_value());
  EXPECT_EQ(*s.overrides, sample_overrides());
  auto h = j.history(10);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].kind, "command");
  EXPECT_EQ(h[0].subject, "drain");
  EXPECT_EQ(h[0].message, "ams is drained: it leaves every answer");
  EXPECT_EQ(h[0].at, at);
  EXPECT_EQ(h[0].data["site"], "ams");
  EXPECT_EQ(h[0].data["who"], "alice@ops-1");

  // The newest command's overrides win.
  j.record_command("undrain", "ams is no longer drained", at, nullptr, core::Overrides{});
  EXPECT_EQ(*j.load_state().overrides, core::Overrides{});
  EXPECT_EQ(j.history(10).size(), 2u);
}

TEST_F(JournalCommandsTest, ProviderProgressIsKeptPerProvider) {
  const core::TimePoint at = core::from_ms(1'700'000'300'000);
  {
    Journal j(path());
    j.record_provider("linode-dns", "applied", 8, "linode-dns applied generation 8", at,
                      {{"steps", {"update www A (record 42): 192.0.2.1 -> 198.51.100.1"}}}, {8, 7});
    j.record_provider("ops-hook", "failed", 8, "ops-hook failed on generation 8: HTTP 500", at,
                      nullptr, {0, 7});
    j.record_provider("linode-dns", "verified", 8, "linode-dns verified generation 8", at,
                      json::object(), {8, 8});
  }
  Journal j(path());
  JournalState s = j.load_state();
  ASSERT_EQ(s.providers.size(), 2u);
  EXPECT_EQ(s.providers.at("linode-dns").applied, 8u);
  EXPECT_EQ(s.providers.at("linode-dns").verified, 8u);
  EXPECT_EQ(s.providers.at("ops-hook").applied, 0u);
  EXPECT_EQ(s.providers.at("ops-hook").verified, 7u);

  auto h = j.history(10);
  ASSERT_EQ(h.size(), 3u);
  // Newest first.
  EXPECT_EQ(h[2].kind, "provider");
  EXPECT_EQ(h[2].subject, "linode-dns");
  EXPECT_EQ(h[2].generation, 8u);
  EXPECT_EQ(h[2].data["step"], "applied");
  EXPECT_EQ(h[2].data["steps"][0], "update www A (record 42): 192.0.2.1 -> 198.51.100.1");
  EXPECT_EQ(h[1].data["step"], "failed");  // a null detail becomes {"step": ...}
  EXPECT_EQ(h[1].message, "ops-hook failed on generation 8: HTTP 500");
  EXPECT_EQ(h[0].data["step"], "verified");
}

TEST_F(JournalCommandsTest, LargeGenerationsSurvive) {
  const std::uint64_t big = (std::uint64_t{1} << 62) + 3;
  {
    Journal j(path());
    j.record_provider("p", "applied", big, "m", core::from_ms(1), nullptr, {big, big - 1});
  }
  JournalState s = Journal(path()).load_state();
  EXPECT_EQ(s.providers.at("p").applied, big);
  EXPECT_EQ(s.providers.at("p").verified, big - 1);
}

TEST_F(JournalCommandsTest, TheReleasedPlanIsKeptApartFromTheLatestPlan) {
  core::Plan released = sample_plan();
  core::Plan latest = sample_plan();
  latest.generation = 9;
  latest.summary = "newer, vetoed by a hook";
  {
    Journal j(path());
    j.record_plan(latest);
    j.record_released(released);
    EXPECT_EQ(j.history(10).size(), 1u);  // releasing is state, not an event
  }
  JournalState s = Journal(path()).load_state();
  ASSERT_TRUE(s.plan.has_value());
  ASSERT_TRUE(s.released.has_value());
  EXPECT_EQ(s.plan->generation, 9u);
  expect_same_plan(released, *s.released);
}

TEST_F(JournalCommandsTest, AFreshJournalHasNoneOfIt) {
  JournalState s = Journal(path()).load_state();
  EXPECT_FALSE(s.overrides.has_value());
  EXPECT_FALSE(s.released.has_value());
  EXPECT_TRUE(s.providers.empty());
}

// Writes `value` as the stored state `key` of a fresh journal, bypassing it.
void store_raw_state(const std::string& path, const std::string& key, const std::string& value) {
  { Journal j(path); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO state(key, value) VALUES(?, ?)", -1, &st,
                               nullptr),
            SQLITE_OK);
  sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, value.c_str(), -1, SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(JournalCommandsTest, CorruptStateIsRefusedNamingTheKey) {
  struct Case {
    std::string key, value;
  };
  const std::vector<Case> cases{
      {"provider:linode-dns", "not json"},
      {"provider:linode-dns", "[]"},
      {"provider:linode-dns", R"({"applied": 3})"},
      {"provider:linode-dns", R"({"verified": 3})"},
      {"provider:linode-dns", R"({"applied": -1, "verified": 0})"},
      {"provider:linode-dns", R"({"applied": "3", "verified": 3})"},
      {"provider:linode-dns", R"({"applied": 3, "verified": 1.5})"},
      {"provider:linode-dns", R"({"applied": 3, "verified": null})"},
      {"overrides", R"({"drained": "ams", "pinned": {}, "frozen": false, "frozen_note": ""})"},
      {"overrides", R"({"drained": [], "pinned": {}, "frozen": false})"},
      {"overrides", "{"},
      {"released", R"({"generation": 1})"},
      {"released", "[]"},
  };
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.key + " = " + c.value);
    const std::string p = path("corrupt" + std::to_string(n++) + ".db");
    store_raw_state(p, c.key, c.value);
    Journal j(p);
    try {
      j.load_state();
      ADD_FAILURE() << "accepted";
    } catch (const JournalError& e) {
      const std::string text = e.what();
      EXPECT_NE(text.find("'" + c.key + "'"), std::string::npos) << text;
      EXPECT_NE(text.find("corrupt"), std::string::npos) << text;
      EXPECT_NE(text.find("refusing to resume"), std::string::npos) << text;
    }
  }
}

TEST_F(JournalCommandsTest, AFailedCommandLeavesNeitherEventNorState) {
  Journal j(path());
  j.record_command("freeze", "frozen", core::from_ms(1), nullptr, sample_overrides());
  {
    // A journal that cannot be written: the command fails as a whole.
    Journal ro = Journal::open_read_only(path());
    EXPECT_ANY_THROW(
        ro.record_command("unpin", "x", core::from_ms(2), json::object(), core::Overrides{}));
  }
  EXPECT_EQ(j.history(10).size(), 1u);
  EXPECT_EQ(*j.load_state().overrides, sample_overrides());
  // And the journal still works afterwards.
  j.record_command("resume", "resumed", core::from_ms(3), nullptr, core::Overrides{});
  EXPECT_EQ(j.history(10).size(), 2u);
}

// Bytes that are not UTF-8 (from a request path, a configured value) are
// stored replaced, never allowed to make a journal write throw.
TEST_F(JournalCommandsTest, DetailThatIsNotUtf8IsStoredReplaced) {
  Journal j(path());
  EXPECT_NO_THROW(j.record_command("unpin", "x", core::from_ms(2),
                                   json{{"why", std::string("\xff\xfe")}}, core::Overrides{}));
  const auto events = j.history(10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].data["why"].is_string());
}

}  // namespace
}  // namespace drpilot::store
