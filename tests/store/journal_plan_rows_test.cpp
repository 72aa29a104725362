// A plan is stored a row per record, and a new generation writes only the
// records that changed: with thousands of records a plan change costs what
// changed. A journal written before (the whole plan in one row) still reads.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "journal_fixture.h"
#include "sample_plan.h"
#include "store/codec.h"
#include "store/journal.h"

namespace drpilot::store {
namespace {

using JournalPlanRows = JournalFileTest;

// The keys of the records a plan event carries.
std::vector<std::string> event_records(Journal& j) {
  std::vector<std::string> keys;
  for (const JournalEvent& e : j.history(1)) {
    if (e.kind != "plan") continue;
    const nlohmann::json records = e.data.value("records", nlohmann::json::object());
    for (const auto& [k, v] : records.items()) keys.push_back(k);
  }
  return keys;
}

int state_rows(const std::string& path, const std::string& like) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM state WHERE key LIKE ?", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, like.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_step(st);
  const int n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

TEST_F(JournalPlanRows, ANewGenerationWritesOnlyWhatChanged) {
  core::Plan plan = sample_plan();
  for (int i = 0; i < 50; ++i) {
    core::RecordPlan rp;
    rp.sites = {"ams"};
    rp.reason = "ams is up";
    plan.records["r" + std::to_string(i) + ".example.test/A"] = rp;
  }
  {
    Journal j(path());
    j.record_plan(plan);
    EXPECT_EQ(event_records(j).size(), plan.records.size()) << "the first plan is written whole";
    core::Plan next = plan;
    next.generation = 8;
    next.records["r7.example.test/A"].sites = {"nyc"};
    next.records["r7.example.test/A"].reason = "ams is down";
    next.records.erase("r9.example.test/A");
    j.record_plan(next);
    EXPECT_EQ(event_records(j), std::vector<std::string>{"r7.example.test/A"});
    plan = next;
  }
  EXPECT_EQ(state_rows(path(), "plan/record:%"), static_cast<int>(plan.records.size()));
  Journal j(path());
  JournalState s = j.load_state();
  ASSERT_TRUE(s.plan.has_value());
  expect_same_plan(plan, *s.plan);
  EXPECT_EQ(s.plan->records.count("r9.example.test/A"), 0u) << "a removed record came back";
}

TEST_F(JournalPlanRows, TheReleasedPlanIsStoredTheSameWay) {
  const core::Plan plan = sample_plan();
  {
    Journal j(path());
    j.record_released(plan);
    core::Plan next = plan;
    next.generation = 9;
    next.records.begin()->second.sites = {"nyc"};
    j.record_released(next);
  }
  Journal j(path());
  JournalState s = j.load_state();
  ASSERT_TRUE(s.released.has_value());
  EXPECT_EQ(s.released->generation, 9u);
  EXPECT_EQ(s.released->records.begin()->second.sites, std::vector<std::string>{"nyc"});
  EXPECT_EQ(s.released->records.size(), plan.records.size());
}

TEST_F(JournalPlanRows, AJournalWithTheWholePlanInOneRowStillReads) {
  const core::Plan plan = sample_plan();
  { Journal j(path()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  const std::string sql =
      "INSERT INTO state(key, value) VALUES('plan', '" + to_json(plan).dump() + "')";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  {
    Journal j(path());
    JournalState s = j.load_state();
    ASSERT_TRUE(s.plan.has_value());
    expect_same_plan(plan, *s.plan);
    core::Plan next = plan;
    next.generation = 8;
    j.record_plan(next);  // rewritten a row per record
  }
  Journal j(path());
  JournalState s = j.load_state();
  EXPECT_EQ(s.plan->generation, 8u);
  EXPECT_EQ(s.plan->records.size(), plan.records.size());
  EXPECT_EQ(state_rows(path(), "plan/record:%"), static_cast<int>(plan.records.size()));
}

TEST_F(JournalPlanRows, RecordRowsWithoutTheirHeadAreRefused) {
  { Journal j(path()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  const std::string sql =
      "INSERT INTO state(key, value) VALUES('plan/record:www.example.test/A', '" +
      to_json(sample_plan().records.begin()->second).dump() + "')";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  Journal j(path());
  EXPECT_THROW(j.load_state(), JournalError);
}

}  // namespace
}  // namespace drpilot::store
