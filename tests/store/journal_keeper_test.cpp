// The journal as the controller keeps it: one writer (the lock), generations
// reserved ahead so a restart never numbers a plan again, retention by age
// and by size in bounded rounds, and a start-up integrity check bounded in
// time. (A full disk is in tests/integration/journal_disk_test.cpp: it needs
// a file system that fills up.)

#include "store/journal_keeper.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include "journal_fixture.h"
#include "sample_plan.h"

namespace drpilot::store {
namespace {

using namespace std::chrono_literals;

const core::TimePoint kNow = core::from_ms(1'800'000'000'000);

using JournalKeeperTest = JournalFileTest;

KeeperSettings settings(const std::string& path) {
  KeeperSettings s;
  s.path = path;
  return s;
}

TEST_F(JournalKeeperTest, ASecondWriterIsRefusedAndNamesTheHolder) {
  JournalKeeper first(settings(path()));
  try {
    JournalKeeper second(settings(path()));
    FAIL() << "two writers on one journal";
  } catch (const JournalError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("is in use by another drpilot (pid " + std::to_string(getpid()) + ")"),
              std::string::npos)
        << what;
    EXPECT_FALSE(e.storage());
  }
  EXPECT_TRUE(first.writable());
}

TEST_F(JournalKeeperTest, TheLockGoesWithItsHolder) {
  { JournalKeeper first(settings(path())); }
  JournalKeeper second(settings(path()));
  EXPECT_TRUE(second.writable());
}

// A run that ends without giving its reservation back (a crash) makes the
// next run number its plans above everything it may have handed out.
TEST_F(JournalKeeperTest, ARestartAfterACrashResumesAboveTheReservation) {
  core::Plan plan = sample_plan();
  plan.generation = 7;
  {
    JournalKeeper k(settings(path()));
    k.load_state();
    EXPECT_EQ(k.cover(7), "");
    EXPECT_EQ(k.write([&](Journal& j) { j.record_plan(plan); }), "");
    // Generations 8, 9, ... could be published without reaching the journal.
  }
  JournalKeeper again(settings(path()));
  const JournalState s = again.load_state();
  EXPECT_EQ(s.plan->generation, 7u);
  EXPECT_EQ(s.reserved_generation, 7 + kGenerationBlock);
  EXPECT_EQ(JournalKeeper::generation_floor(s), 7 + kGenerationBlock);
}

TEST_F(JournalKeeperTest, ACleanStopGivesTheUnusedReservationBack) {
  core::Plan plan = sample_plan();
  plan.generation = 7;
  {
    JournalKeeper k(settings(path()));
    k.load_state();
    ASSERT_EQ(k.cover(7), "");
    ASSERT_EQ(k.write([&](Journal& j) { j.record_plan(plan); }), "");
    k.release_unused(7);
  }
  JournalKeeper again(settings(path()));
  EXPECT_EQ(JournalKeeper::generation_floor(again.load_state()), 7u);
}

// Reserved in blocks: one write per block, not per plan.
TEST_F(JournalKeeperTest, TheReservationMovesAheadOnlyWhenItRunsLow) {
  JournalKeeper k(settings(path()));
  k.load_state();
  ASSERT_EQ(k.cover(1), "");
  EXPECT_EQ(JournalKeeper::generation_floor(k.load_state()), 1 + kGenerationBlock);
  ASSERT_EQ(k.cover(2), "");
  EXPECT_EQ(k.load_state().reserved_generation, 1 + kGenerationBlock);  // unchanged
  ASSERT_EQ(k.cover(1 + kGenerationBlock / 2 + 1), "");
  EXPECT_EQ(k.load_state().reserved_generation, 2 + kGenerationBlock / 2 + kGenerationBlock);
}

// Many events in one transaction, straight into the file (the journal
// writes one transaction per event, as a controller must).
void add_events(const std::string& path, int n, core::TimePoint at, std::size_t data_bytes = 0) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO events(at_ms, kind, subject, generation, message, data) "
                     "VALUES(?, 'lifecycle', 'test', 0, ?, ?)",
                     -1, &st, nullptr);
  const std::string data = "\"" + std::string(data_bytes, 'd') + "\"";
  for (int k = 0; k < n; ++k) {
    const std::string message = "event " + std::to_string(k);
    sqlite3_bind_int64(st, 1, core::to_ms(at));
    sqlite3_bind_text(st, 2, message.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, data.c_str(), -1, SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

TEST_F(JournalKeeperTest, OldEventsGoInBoundedRoundsAndStateStays) {
  {
    Journal j(path());
    j.record_plan(sample_plan());
  }
  add_events(path(), 1500, kNow - 100 * 24h);
  add_events(path(), 10, kNow - 1h);
  KeeperSettings s = settings(path());
  s.max_age = core::Duration{std::chrono::duration_cast<core::Duration>(90 * 24h)};
  s.prune_budget = 1000;
  JournalKeeper k(s);
  JournalKeeper::Maintenance first = k.maintain(kNow);
  EXPECT_EQ(first.pruned.by_age, 1000u);
  EXPECT_TRUE(first.pruned.more);
  // A backlog is worked off a second later, not a minute.
  EXPECT_EQ(k.maintain(kNow + 500ms).pruned.by_age, 0u);
  JournalKeeper::Maintenance second = k.maintain(kNow + 1s);
  EXPECT_EQ(second.pruned.by_age, 501u);  // the rest, and the sample plan's old event
  EXPECT_FALSE(second.pruned.more);
  std::unique_ptr<Journal> r = Journal::reader(path());
  const std::vector<JournalEvent> left = r->history(100);
  ASSERT_FALSE(left.empty());
  for (const JournalEvent& e : left) EXPECT_GE(e.at, kNow - 90 * 24h) << e.message;
  EXPECT_TRUE(r->load_state().plan.has_value());
}

TEST_F(JournalKeeperTest, TheOldestEventsGoWhileTheJournalIsOverItsSize) {
  {
    Journal j(path());
    j.record_plan(sample_plan());
  }
  add_events(path(), 2000, kNow - 1h, 2000);  // about 4 MB
  KeeperSettings s = settings(path());
  s.max_bytes = 1 << 20;
  s.prune_budget = 100000;
  JournalKeeper k(s);
  const JournalKeeper::Maintenance m = k.maintain(kNow);
  EXPECT_EQ(m.error, "");
  EXPECT_GT(m.pruned.by_size, 1000u);
  EXPECT_FALSE(m.pruned.more);
  Journal j = Journal::open_read_only(path());
  EXPECT_LE(j.used_bytes(), std::uint64_t{1} << 20);
  const std::vector<JournalEvent> newest = j.history(1);
  ASSERT_EQ(newest.size(), 1u);
  EXPECT_EQ(newest[0].message, "event 1999");  // the newest stay
  EXPECT_TRUE(j.load_state().plan.has_value());
}

TEST_F(JournalKeeperTest, TheIntegrityCheckStopsAtItsTimeoutAndSaysSo) {
  { Journal j(path()); }
  add_events(path(), 20000, kNow, 500);  // about 10 MB: far more than a millisecond's check
  JournalOptions o;
  o.integrity_check_timeout = 1ms;
  Journal j(path(), o);
  EXPECT_NE(j.integrity_note().find("the integrity check was stopped after 1ms"), std::string::npos)
      << j.integrity_note();
  o.integrity_check_timeout = 0ms;
  Journal unchecked(path(), o);
  EXPECT_NE(unchecked.integrity_note().find("turned off"), std::string::npos);
  o.integrity_check_timeout = 60s;
  Journal checked(path(), o);
  EXPECT_EQ(checked.integrity_note(), "");
}

}  // namespace
}  // namespace drpilot::store
