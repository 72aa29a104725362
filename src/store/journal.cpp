#include "store/journal.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <tuple>

#include "store/codec.h"

namespace drpilot::store {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// 'drp1': marks the file as ours (PRAGMA application_id).
constexpr int kApplicationId = 0x64727031;
constexpr int kSchemaVersion = 1;

struct Stmt {
  Stmt(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
      throw JournalError(std::string("journal: cannot prepare statement: ") + sqlite3_errmsg(db));
    }
  }
  ~Stmt() { sqlite3_finalize(s); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  sqlite3_stmt* s = nullptr;
};

// The file system's fault, not the journal's: full, read-only, I/O.
bool storage_error(int code) {
  switch (code & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_NOMEM:
      return true;
    default:
      return false;
  }
}

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

std::string describe_change(const core::VerdictChange& c) {
  std::string s = c.subject + " " + std::string(core::to_string(c.before.state)) + " -> " +
                  std::string(core::to_string(c.after.state));
  if (!c.after.reason.empty()) s += ": " + c.after.reason;
  return s;
}

Journal::Journal(const std::string& path, JournalOptions options) : Journal(path, false, options) {}

Journal Journal::open_read_only(const std::string& path) {
  return Journal(path, true, JournalOptions{std::chrono::milliseconds(0)});
}

std::unique_ptr<Journal> Journal::reader(const std::string& path) {
  const JournalOptions unchecked{std::chrono::milliseconds(0)};
  try {
    auto j = std::unique_ptr<Journal>(new Journal(path, true, unchecked));
    j->load_state();  // the first read is what needs the shared memory
    return j;
  } catch (const JournalError& e) {
    if (!e.storage()) throw;
    return std::unique_ptr<Journal>(new Journal(path, true, unchecked, true));
  }
}

Journal::Journal(const std::string& path, bool read_only, JournalOptions options, bool immutable)
    : path_(path) {
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (read_only && !exists) throw JournalError("journal " + path + " does not exist");
  if (!exists) {
    fs::path parent = fs::path(path).parent_path();
    if (!parent.empty() && !fs::is_directory(parent, ec)) {
      throw JournalError("cannot create journal " + path + ": directory " + parent.string() +
                         " does not exist");
    }
  } else if (fs::is_directory(path, ec)) {
    throw JournalError("journal " + path + " is a directory, not a file");
  }
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  std::string name = path;
  if (immutable) {
    name = "file:";
    for (char c : fs::absolute(path, ec).string()) {
      if (c == '%' || c == '?' || c == '#') {
        static const char* hex = "0123456789ABCDEF";
        name += '%';
        name += hex[(static_cast<unsigned char>(c) >> 4) & 15];
        name += hex[static_cast<unsigned char>(c) & 15];
      } else {
        name += c;
      }
    }
    name += "?immutable=1";
    flags |= SQLITE_OPEN_URI;
  }
  if (sqlite3_open_v2(name.c_str(), &db_, flags | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw JournalError("cannot open journal " + path + ": " + msg, true);
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    check_identity(options);
    // Read-only cannot make an empty file a journal; refuse it now rather than
    // fail on a missing table later.
    if (read_only && created_) {
      throw JournalError("journal " + path + " is empty, not a drpilot journal");
    }
    if (!read_only) {
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=FULL");
      if (created_) initialize();
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

Journal::~Journal() {
  if (db_) sqlite3_close(db_);
}

void Journal::fail(const std::string& what) {
  throw JournalError("journal " + path_ + ": " + what + ": " + sqlite3_errmsg(db_),
                     storage_error(sqlite3_extended_errcode(db_)));
}

void Journal::exec(const char* sql) {
  char* err = nullptr;
  if (const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err); rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw JournalError("journal " + path_ + ": " + msg, storage_error(rc));
  }
}

template <class F>
void Journal::transaction(F&& body) {
  exec("BEGIN IMMEDIATE");
  try {
    body();
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

// A new (empty) file becomes a journal; anything else must already be one.
void Journal::check_identity(const JournalOptions& options) {
  // Any failure to read these two numbers means the file is not an SQLite
  // database at all (or not one we can read): never ours to overwrite.
  auto read_int = [this](const char* sql) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &s, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_step(s);
    const int value = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    const std::string msg = sqlite3_errmsg(db_);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && storage_error(rc)) {
      throw JournalError("cannot read journal " + path_ + ": " + msg, true);
    }
    if (rc != SQLITE_ROW) {
      throw JournalError("journal " + path_ + " is not a drpilot journal (" + msg +
                         "); refusing to touch it: move it away or set journal.path elsewhere");
    }
    return value;
  };
  const int app_id = read_int("PRAGMA application_id");
  const int tables = read_int("SELECT count(*) FROM sqlite_master");
  if (app_id == 0 && tables == 0) {
    created_ = true;
    return;
  }
  if (app_id != kApplicationId) {
    throw JournalError("journal " + path_ +
                       " is an SQLite database but not a drpilot journal; refusing to touch it: "
                       "move it away or set journal.path elsewhere");
  }
  if (options.integrity_check_timeout.count() <= 0) {
    integrity_note_ = "the integrity check is turned off (journal.integrity_check_timeout: 0s)";
    return;
  }
  // Bounded: a journal of gigabytes must not hold the start (and DNS) back.
  using Clock = std::chrono::steady_clock;
  struct Deadline {
    Clock::time_point at;
  } deadline{Clock::now() + options.integrity_check_timeout};
  sqlite3_progress_handler(
      db_, 1000, [](void* d) { return Clock::now() >= static_cast<Deadline*>(d)->at ? 1 : 0; },
      &deadline);
  Stmt st(db_, "PRAGMA quick_check");
  const int rc = sqlite3_step(st.s);
  const std::string result = rc == SQLITE_ROW ? column_text(st.s, 0) : sqlite3_errmsg(db_);
  sqlite3_progress_handler(db_, 0, nullptr, nullptr);
  if (rc == SQLITE_INTERRUPT) {
    integrity_note_ = "the integrity check was stopped after " +
                      core::format_duration(std::chrono::duration_cast<core::Duration>(
                          options.integrity_check_timeout)) +
                      " (journal.integrity_check_timeout); the journal was not fully checked";
    return;
  }
  if (rc != SQLITE_ROW && storage_error(rc)) {
    throw JournalError("cannot read journal " + path_ + ": " + result, true);
  }
  if (rc != SQLITE_ROW || result != "ok") {
    throw JournalError("journal " + path_ + " failed its integrity check (" + result +
                       "); keep it for inspection and restore a backup or start a new journal "
                       "at another path");
  }
}

void Journal::initialize() {
  exec("BEGIN IMMEDIATE");
  exec(
      "CREATE TABLE events ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " at_ms INTEGER NOT NULL,"
      " kind TEXT NOT NULL,"
      " subject TEXT NOT NULL,"
      " generation INTEGER NOT NULL,"
      " message TEXT NOT NULL,"
      " data TEXT NOT NULL)");
  exec("CREATE INDEX events_kind ON events(kind, id)");
  exec("CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  exec(("PRAGMA application_id=" + std::to_string(kApplicationId)).c_str());
  exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
  exec("COMMIT");
}

void Journal::insert_event(const JournalEvent& e) {
  Stmt st(
      db_,
      "INSERT INTO events(at_ms, kind, subject, generation, message, data) VALUES(?,?,?,?,?,?)");
  std::string data =
      e.data.is_null() ? "null" : e.data.dump(-1, ' ', false, json::error_handler_t::replace);
  sqlite3_bind_int64(st.s, 1, core::to_ms(e.at));
  sqlite3_bind_text(st.s, 2, e.kind.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st.s, 3, e.subject.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st.s, 4, static_cast<sqlite3_int64>(e.generation));
  sqlite3_bind_text(st.s, 5, e.message.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st.s, 6, data.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st.s) != SQLITE_DONE) fail("cannot append an event");
}

void Journal::put_state(const std::string& key, const json& value) {
  Stmt st(db_, "INSERT OR REPLACE INTO state(key, value) VALUES(?, ?)");
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  sqlite3_bind_text(st.s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st.s, 2, text.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st.s) != SQLITE_DONE) fail("cannot store state");
}

// Each call is one transaction: the events and the state they imply land together.
void Journal::record_verdicts(const std::vector<core::VerdictChange>& targets,
                              const std::vector<core::VerdictChange>& sites, core::TimePoint at) {
  record_step(targets, sites, at, nullptr);
}

void Journal::record_plan(const core::Plan& plan) {
  record_step({}, {}, plan.made_at, &plan);
}

void Journal::record_step(const std::vector<core::VerdictChange>& targets,
                          const std::vector<core::VerdictChange>& sites, core::TimePoint at,
                          const core::Plan* plan) {
  if (targets.empty() && sites.empty() && !plan) return;
  transaction([&] {
    put_verdicts(targets, sites, at);
    if (plan) put_plan_event(*plan);
  });
  if (plan) stored_plan_ = *plan;
}

void Journal::put_verdicts(const std::vector<core::VerdictChange>& targets,
                           const std::vector<core::VerdictChange>& sites, core::TimePoint at) {
  for (const auto* list : {&targets, &sites}) {
    const bool is_site = list == &sites;
    for (const core::VerdictChange& c : *list) {
      JournalEvent e;
      e.at = at;
      e.kind = "verdict";
      e.subject = c.subject;
      e.message = describe_change(c);
      e.data = {{"scope", is_site ? "site" : "target"},
                {"before", to_json(c.before)},
                {"after", to_json(c.after)}};
      // The vantage matrix behind a target's change: who saw it how.
      if (!c.votes.empty()) {
        json vantages = json::array();
        for (const core::Vote& v : c.votes) {
          vantages.push_back({{"vantage", v.vantage},
                              {"side", v.side == core::Side::internal ? "internal" : "external"},
                              {"state", core::to_string(v.state)},
                              {"fresh", v.fresh},
                              {"inconclusive", v.abstains},
                              {"detail", v.detail}});
        }
        e.data["vantages"] = std::move(vantages);
      }
      insert_event(e);
      put_state((is_site ? "site:" : "target:") + c.subject, to_json(c.after));
    }
  }
}

void Journal::delete_state(const std::string& key) {
  Stmt st(db_, "DELETE FROM state WHERE key = ?");
  sqlite3_bind_text(st.s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st.s) != SQLITE_DONE) fail("cannot delete state");
}

namespace {

// A plan without its records: what the head row holds.
json plan_head(const core::Plan& plan) {
  core::Plan head;
  head.generation = plan.generation;
  head.made_at = plan.made_at;
  head.summary = plan.summary;
  head.term = plan.term;
  head.leader = plan.leader;
  head.groups = plan.groups;
  return to_json(head);
}

}  // namespace

std::map<std::string, const core::RecordPlan*> Journal::put_plan(
    const std::string& name, const core::Plan& plan, const std::optional<core::Plan>& stored) {
  const std::string prefix = name + "/record:";
  std::map<std::string, const core::RecordPlan*> written;
  if (!stored) {
    // Unknown rows (a journal from before, or the first write): start clean.
    Stmt del(db_, "DELETE FROM state WHERE key >= ? AND key < ?");
    const std::string end = name + "/record;";  // ';' follows ':'
    sqlite3_bind_text(del.s, 1, prefix.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(del.s, 2, end.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(del.s) != SQLITE_DONE) fail("cannot clear the stored plan");
  } else {
    for (const auto& [key, rp] : stored->records) {
      if (!plan.records.count(key)) delete_state(prefix + key);
    }
  }
  put_state(name, plan_head(plan));
  for (const auto& [key, rp] : plan.records) {
    if (stored) {
      auto it = stored->records.find(key);
      if (it != stored->records.end() && same_stored(it->second, rp)) continue;
    }
    put_state(prefix + key, to_json(rp));
    written[key] = &rp;
  }
  return written;
}

// The event says what this generation changed: its head and the records that
// differ from the previous plan.
void Journal::put_plan_event(const core::Plan& plan) {
  const auto written = put_plan("plan", plan, stored_plan_);
  JournalEvent e;
  e.at = plan.made_at;
  e.kind = "plan";
  e.subject = "generation " + std::to_string(plan.generation);
  // In a cluster every member's history tells one story: whose plan, in which term.
  if (plan.term != 0) {
    e.subject += " (term " + std::to_string(plan.term) + ", by " + plan.leader + ")";
  }
  e.generation = plan.generation;
  e.message = plan.summary;
  e.data = plan_head(plan);
  for (const auto& [key, rp] : written) e.data["records"][key] = to_json(*rp);
  insert_event(e);
}

nlohmann::json to_json(const JournalEvent& e) {
  return {{"id", e.id},           {"at", core::format_time(e.at)}, {"kind", e.kind},
          {"subject", e.subject}, {"generation", e.generation},    {"message", e.message},
          {"data", e.data}};
}

void Journal::record_event(std::string_view kind, std::string_view subject,
                           std::string_view message, core::TimePoint at, const json& data) {
  JournalEvent e;
  e.at = at;
  e.kind = std::string(kind);
  e.subject = std::string(subject);
  e.message = std::string(message);
  e.data = data;
  insert_event(e);
}

void Journal::record_command(const std::string& name, const std::string& message,
                             core::TimePoint at, const json& data,
                             const core::Overrides& overrides) {
  transaction([&] {
    JournalEvent e;
    e.at = at;
    e.kind = "command";
    e.subject = name;
    e.message = message;
    e.data = data;
    insert_event(e);
    put_state("overrides", to_json(overrides));
  });
}

void Journal::record_provider(const std::string& provider, const std::string& step,
                              std::uint64_t generation, const std::string& message,
                              core::TimePoint at, const json& data,
                              const ProviderProgress& progress) {
  transaction([&] {
    JournalEvent e;
    e.at = at;
    e.kind = "provider";
    e.subject = provider;
    e.generation = generation;
    e.message = message;
    e.data = data;
    e.data["step"] = step;
    insert_event(e);
    put_state("provider:" + provider,
              {{"applied", progress.applied}, {"verified", progress.verified}});
  });
}

void Journal::record_released(const core::Plan& plan) {
  transaction([&] { put_plan("released", plan, stored_released_); });
  stored_released_ = plan;
}

JournalState Journal::load_state() {
  JournalState out;
  bool plan_head = false, released_head = false;
  Stmt st(db_, "SELECT key, value FROM state");
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    const std::string key = column_text(st.s, 0);
    const std::string text = column_text(st.s, 1);
    try {
      json j = json::parse(text);
      // A plan's records have rows of their own ("plan/record:KEY"); a
      // journal written before that holds them inside the head row.
      auto record_row = [&](const std::string& name) -> std::optional<std::string> {
        const std::string prefix = name + "/record:";
        if (key.rfind(prefix, 0) != 0) return std::nullopt;
        return key.substr(prefix.size());
      };
      if (key == "plan") {
        core::Plan head = plan_from_json(j);
        if (out.plan) {  // records read before the head: rows win
          for (auto& [k, rp] : out.plan->records) head.records[k] = std::move(rp);
        }
        out.plan = std::move(head);
        plan_head = true;
      } else if (auto rec = record_row("plan")) {
        if (!out.plan) out.plan.emplace();
        out.plan->records[*rec] = record_from_json(*rec, j);
      } else if (auto rel = record_row("released")) {
        if (!out.released) out.released.emplace();
        out.released->records[*rel] = record_from_json(*rel, j);
      } else if (key.rfind("target:", 0) == 0) {
        out.targets[key.substr(7)] = verdict_from_json(j);
      } else if (key.rfind("site:", 0) == 0) {
        out.sites[key.substr(5)] = verdict_from_json(j);
      } else if (key == "overrides") {
        out.overrides = overrides_from_json(j);
      } else if (key == "released") {
        core::Plan head = plan_from_json(j);
        if (out.released) {
          for (auto& [k, rp] : out.released->records) head.records[k] = std::move(rp);
        }
        out.released = std::move(head);
        released_head = true;
      } else if (key == "generations") {
        if (!j.is_object() || !j.contains("reserved") || !j["reserved"].is_number_unsigned()) {
          throw std::runtime_error("not {reserved}");
        }
        out.reserved_generation = j["reserved"].get<std::uint64_t>();
      } else if (key.rfind("provider:", 0) == 0) {
        if (!j.is_object() || !j.contains("applied") || !j.contains("verified") ||
            !j["applied"].is_number_unsigned() || !j["verified"].is_number_unsigned()) {
          throw std::runtime_error("not {applied, verified} generations");
        }
        out.providers[key.substr(9)] = {j["applied"].get<std::uint64_t>(),
                                        j["verified"].get<std::uint64_t>()};
      }
    } catch (const std::exception& e) {
      throw JournalError("journal " + path_ + ": stored state '" + key + "' is corrupt (" +
                         e.what() + "); refusing to resume from it");
    }
  }
  if (rc != SQLITE_DONE) fail("cannot read state");
  for (auto [name, has_head, plan] : {std::tuple{"plan", plan_head, &out.plan},
                                      std::tuple{"released", released_head, &out.released}}) {
    if (*plan && !has_head) {
      throw JournalError("journal " + path_ + ": stored state '" + name +
                         "' has records but no head; refusing to resume from it");
    }
  }
  return out;
}

void Journal::reserve_generations(std::uint64_t upto) {
  transaction([&] { put_state("generations", {{"reserved", upto}}); });
}

std::uint64_t Journal::used_bytes() {
  auto pragma = [this](const char* sql) -> std::uint64_t {
    Stmt st(db_, sql);
    if (sqlite3_step(st.s) != SQLITE_ROW) fail(std::string("cannot read ") + sql);
    return static_cast<std::uint64_t>(sqlite3_column_int64(st.s, 0));
  };
  const std::uint64_t pages = pragma("PRAGMA page_count"), free = pragma("PRAGMA freelist_count");
  return (pages - std::min(pages, free)) * pragma("PRAGMA page_size");
}

PruneResult Journal::prune(core::TimePoint now, core::Duration max_age, std::uint64_t max_bytes,
                           std::size_t budget) {
  PruneResult r;
  // Only the oldest `rows` events by id are looked at (events are appended
  // in time order): a bounded walk from the start of the table, never a scan
  // of all of it, so a large journal with nothing to prune costs nothing.
  auto delete_oldest = [&](std::size_t rows, std::optional<std::int64_t> before_ms) {
    std::size_t deleted = 0;
    transaction([&] {
      Stmt st(db_,
              "DELETE FROM events WHERE id IN (SELECT id FROM (SELECT id, at_ms FROM events "
              "ORDER BY id LIMIT ?2) WHERE at_ms < ?1)");
      sqlite3_bind_int64(st.s, 1, before_ms.value_or(INT64_MAX));
      sqlite3_bind_int64(st.s, 2, static_cast<sqlite3_int64>(rows));
      if (sqlite3_step(st.s) != SQLITE_DONE) fail("cannot prune events");
      deleted = static_cast<std::size_t>(sqlite3_changes(db_));
    });
    return deleted;
  };
  if (max_age.count() > 0) {
    r.by_age = delete_oldest(budget, core::to_ms(now - max_age));
    r.more = r.by_age == budget;
  }
  // Deleted rows free pages that later writes reuse: the file stops growing
  // at about max_bytes (it is not shrunk; VACUUM would rewrite it whole).
  while (max_bytes > 0 && r.by_age + r.by_size < budget && used_bytes() > max_bytes) {
    const std::size_t n =
        delete_oldest(std::min<std::size_t>(500, budget - r.by_age - r.by_size), std::nullopt);
    r.by_size += n;
    if (n == 0) break;
  }
  if (max_bytes > 0 && r.by_age + r.by_size >= budget && used_bytes() > max_bytes) r.more = true;
  return r;
}

std::vector<JournalEvent> Journal::history(std::size_t limit,
                                           std::optional<std::int64_t> before_id) {
  Stmt st(db_,
          "SELECT id, at_ms, kind, subject, generation, message, data FROM events "
          "WHERE id < ? ORDER BY id DESC LIMIT ?");
  sqlite3_bind_int64(st.s, 1, before_id.value_or(INT64_MAX));
  sqlite3_bind_int64(st.s, 2, static_cast<sqlite3_int64>(limit));
  std::vector<JournalEvent> out;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    JournalEvent e;
    e.id = sqlite3_column_int64(st.s, 0);
    e.at = core::from_ms(sqlite3_column_int64(st.s, 1));
    e.kind = column_text(st.s, 2);
    e.subject = column_text(st.s, 3);
    e.generation = static_cast<std::uint64_t>(sqlite3_column_int64(st.s, 4));
    e.message = column_text(st.s, 5);
    e.data = json::parse(column_text(st.s, 6), nullptr, false);
    if (e.data.is_discarded()) e.data = nullptr;
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) fail("cannot read history");
  return out;
}

}  // namespace drpilot::store
