// What the journal refuses: files that are not its own (left exactly as they
// were), paths it cannot use, and stored state it cannot trust. Each refusal
// is a JournalError an operator can act on.

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "journal_fixture.h"
#include "sample_plan.h"
#include "store/journal.h"

namespace drpilot::store {
namespace {

namespace fs = std::filesystem;

using JournalRefusalTest = JournalFileTest;

// Runs `open` and returns the JournalError text ("" and a failure if none).
std::string refusal(const std::function<void()>& open) {
  try {
    open();
  } catch (const JournalError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "refused with the wrong exception type: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "accepted";
  return "";
}

void expect_mentions(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << text << "' lacks '" << part << "'";
}

// Runs SQL on `path` directly, bypassing the journal.
void raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Refused by both ways of opening, and not changed or accompanied by SQLite
// side files afterwards.
void expect_foreign_file_untouched(const std::string& path) {
  const std::string before = testing::read_file(path);
  expect_mentions(refusal([&] { Journal j(path); }), "not a drpilot journal");
  expect_mentions(refusal([&] { Journal::open_read_only(path); }), "not a drpilot journal");
  EXPECT_EQ(testing::read_file(path), before) << "the refused file was modified";
  EXPECT_FALSE(fs::exists(path + "-wal"));
  EXPECT_FALSE(fs::exists(path + "-journal"));
}

TEST_F(JournalRefusalTest, ReadOnlyOpenOfAMissingFile) {
  const std::string text = refusal([&] { Journal::open_read_only(path()); });
  expect_mentions(text, path());
  expect_mentions(text, "does not exist");
  EXPECT_FALSE(fs::exists(path())) << "a read-only open created the file";
}

TEST_F(JournalRefusalTest, MissingDirectory) {
  const std::string missing = dir() + "/no/such/dir/journal.db";
  expect_mentions(refusal([&] { Journal j(missing); }), "does not exist");
  EXPECT_FALSE(fs::exists(dir() + "/no"));
}

TEST_F(JournalRefusalTest, DirectoryInsteadOfAFile) {
  expect_mentions(refusal([&] { Journal j(dir()); }), "is a directory");
  expect_mentions(refusal([&] { Journal::open_read_only(dir()); }), "is a directory");
}

TEST_F(JournalRefusalTest, GarbageFileIsLeftAlone) {
  const std::string garbage = path("garbage.db");
  testing::write_file(garbage, random_bytes(8192, 1));
  expect_foreign_file_untouched(garbage);
}

TEST_F(JournalRefusalTest, ShortTextFileIsLeftAlone) {
  const std::string notes = path("notes.txt");
  testing::write_file(notes, "remember to rotate the keys\n");
  expect_foreign_file_untouched(notes);
}

TEST_F(JournalRefusalTest, ForeignSqliteDatabaseIsLeftAlone) {
  const std::string foreign = path("inventory.db");
  raw_sql(foreign,
          "CREATE TABLE hosts (name TEXT PRIMARY KEY, rack INTEGER);"
          "INSERT INTO hosts VALUES ('db1', 4), ('db2', 7);");
  expect_foreign_file_untouched(foreign);
}

TEST_F(JournalRefusalTest, SqliteDatabaseOfAnotherApplicationIsLeftAlone) {
  // No tables yet, but claimed by someone else.
  const std::string foreign = path("other.db");
  raw_sql(foreign, "PRAGMA application_id=1234;");
  ASSERT_GT(fs::file_size(foreign), 0u);
  expect_foreign_file_untouched(foreign);
}

TEST_F(JournalRefusalTest, DamagedJournalIsLeftAlone) {
  {
    Journal j(path());
    for (int i = 0; i < 200; ++i) {
      j.record_event("lifecycle", "controller", std::string(200, 'x'), core::from_ms(i));
    }
  }
  // Scribble over the pages after the first: the file still claims to be a
  // journal, but its contents cannot be trusted.
  std::string bytes = testing::read_file(path());
  ASSERT_GT(bytes.size(), 16384u);
  bytes.replace(4096, 8192, random_bytes(8192, 2));
  testing::write_file(path(), bytes);

  const std::string text = refusal([&] { Journal j(path()); });
  EXPECT_TRUE(text.find("integrity check") != std::string::npos ||
              text.find("not a drpilot journal") != std::string::npos)
      << text;
  EXPECT_EQ(testing::read_file(path()), bytes) << "the damaged journal was modified";
}

TEST_F(JournalRefusalTest, EmptyFileBecomesAJournal) {
  // What `touch journal.db` leaves behind is not someone else's data.
  testing::write_file(path(), "");
  Journal j(path());
  EXPECT_TRUE(j.created());
  j.record_event("lifecycle", "controller", "started", core::from_ms(1));
  EXPECT_EQ(j.history(10).size(), 1u);
}

TEST_F(JournalRefusalTest, ReadOnlyOpenOfAnEmptyFile) {
  // Nothing may be created read-only, so an empty file can never become one.
  testing::write_file(path(), "");
  const std::string text = refusal([&] { Journal::open_read_only(path()); });
  expect_mentions(text, path());
  expect_mentions(text, "not a drpilot journal");
  EXPECT_EQ(std::filesystem::file_size(path()), 0u);
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

TEST_F(JournalRefusalTest, CorruptStoredStateNamesTheKey) {
  struct Case {
    std::string key;
    std::string value;
  };
  const std::vector<Case> cases{
      {"plan", "{\"generation\": 7, "},                      // truncated
      {"plan", "[]"},                                        // not a plan
      {"plan", R"({"generation":"seven","made_at_ms":0})"},  // wrong type
      {"target:ams/web", "not json at all"},                 // not JSON
      {"target:ams/web", R"({"state":"sideways","since_ms":0,"reason":"","latency_ms":0})"},
      {"site:ams", R"({"state":"up"})"},  // fields missing
  };
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.key + " = " + c.value);
    const std::string p = path("corrupt" + std::to_string(n++) + ".db");
    store_raw_state(p, c.key, c.value);
    Journal j(p);
    const std::string text = refusal([&] { j.load_state(); });
    expect_mentions(text, "'" + c.key + "'");
    expect_mentions(text, "corrupt");
  }
}

}  // namespace
}  // namespace drpilot::store
