#pragma once
// The journal: an append-only record of what happened and why (verdict
// changes, plans, operator commands, lifecycle events), plus the latest state
// a restarted controller resumes from. SQLite in WAL mode with
// synchronous=FULL: once a call returns, the entry survives a power cut.

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/plan.h"
#include "core/spec.h"

struct sqlite3;

namespace drpilot::store {

class JournalError : public std::runtime_error {
 public:
  // storage: the file system refused (full, read-only, I/O error, cannot
  // open); the journal itself may be fine. Otherwise the content is wrong.
  explicit JournalError(const std::string& what, bool storage = false)
      : std::runtime_error(what), storage_(storage) {}
  bool storage() const { return storage_; }

 private:
  bool storage_;
};

struct JournalOptions {
  // The start-up integrity check (PRAGMA quick_check) stops after this long
  // on a large journal rather than delay the start; 0: not checked.
  std::chrono::milliseconds integrity_check_timeout{10'000};
};

// What prune() removed.
struct PruneResult {
  std::size_t by_age = 0, by_size = 0;
  bool more = false;  // the budget ran out before the limits were met
};

struct JournalEvent {
  std::int64_t id = 0;
  core::TimePoint at{};
  std::string kind;     // verdict, plan, command, alert, lifecycle
  std::string subject;  // target, site, record or command name
  std::uint64_t generation = 0;
  std::string message;  // one readable sentence
  nlohmann::json data;  // structured detail
};
// As the API's /api/v1/history and `drpilot history --journal` show it.
nlohmann::json to_json(const JournalEvent& e);

// What a provider has done, as the reconciler's fence needs it after a restart.
struct ProviderProgress {
  std::uint64_t applied = 0;   // the newest generation it changed the world for
  std::uint64_t verified = 0;  // the newest generation it verified in sync
};

struct JournalState {
  std::optional<core::Plan> plan;
  std::map<std::string, core::Verdict> targets;
  std::map<std::string, core::Verdict> sites;
  std::optional<core::Overrides> overrides;
  std::optional<core::Plan> released;  // the plan last let through to the providers
  std::map<std::string, ProviderProgress> providers;
  // Plan generations up to this one may have been handed out (reserved in
  // blocks, so that one published while the journal could not be written is
  // never numbered again after a restart).
  std::uint64_t reserved_generation = 0;
};

class Journal {
 public:
  // Opens `path`, creating it when it does not exist. Refuses (JournalError)
  // a file that is not a drpilot journal or fails an integrity check: an
  // existing file is never silently replaced.
  explicit Journal(const std::string& path, JournalOptions options = {});
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Opens an existing journal read-only (for `drpilot history --journal`,
  // and for the API's thread beside the controller's writer).
  static Journal open_read_only(const std::string& path);
  // When the file system cannot even hold the shared-memory file a WAL
  // reader needs (a full disk), the file is read as immutable: what was
  // checkpointed into it (everything, after a clean stop).
  static std::unique_ptr<Journal> reader(const std::string& path);

  void record_verdicts(const std::vector<core::VerdictChange>& targets,
                       const std::vector<core::VerdictChange>& sites, core::TimePoint at);
  void record_plan(const core::Plan& plan);
  // One engine step: its verdict changes and, when it made one, its new plan,
  // in one transaction (one write to disk, however many changes).
  void record_step(const std::vector<core::VerdictChange>& targets,
                   const std::vector<core::VerdictChange>& sites, core::TimePoint at,
                   const core::Plan* plan);
  void record_event(std::string_view kind, std::string_view subject, std::string_view message,
                    core::TimePoint at, const nlohmann::json& data = nullptr);
  // An event and the state it implies, in one transaction.
  void record_command(const std::string& name, const std::string& message, core::TimePoint at,
                      const nlohmann::json& data, const core::Overrides& overrides);
  void record_provider(const std::string& provider, const std::string& step,
                       std::uint64_t generation, const std::string& message, core::TimePoint at,
                       const nlohmann::json& data, const ProviderProgress& progress);
  void record_released(const core::Plan& plan);
  // Generations up to `upto` may be used before the next reservation.
  void reserve_generations(std::uint64_t upto);

  // Removes the oldest events older than `max_age` (0: no bound) and, while
  // the journal's used pages exceed `max_bytes` (0: no bound), more of the
  // oldest; at most `budget` rows a call, so a large backlog costs several
  // short calls, not one long stall. State is never removed.
  PruneResult prune(core::TimePoint now, core::Duration max_age, std::uint64_t max_bytes,
                    std::size_t budget);
  // Bytes in use (pages holding data, not free pages).
  std::uint64_t used_bytes();

  // The latest plan and verdicts. Throws JournalError if stored state is corrupt.
  JournalState load_state();
  // Newest first; `before_id` pages backwards.
  std::vector<JournalEvent> history(std::size_t limit,
                                    std::optional<std::int64_t> before_id = std::nullopt);
  bool created() const { return created_; }
  // "" when the start-up integrity check ran to the end; else why it did not.
  const std::string& integrity_note() const { return integrity_note_; }
  const std::string& path() const { return path_; }

 private:
  // immutable: read the main file only, without the WAL's shared memory (a
  // file system that cannot hold even that; see reader()).
  Journal(const std::string& path, bool read_only, JournalOptions options, bool immutable = false);
  void exec(const char* sql);
  void check_identity(const JournalOptions& options);
  void initialize();
  void insert_event(const JournalEvent& e);
  void put_verdicts(const std::vector<core::VerdictChange>& targets,
                    const std::vector<core::VerdictChange>& sites, core::TimePoint at);
  void put_plan_event(const core::Plan& plan);
  void put_state(const std::string& key, const nlohmann::json& value);
  void delete_state(const std::string& key);
  // A plan as state under `name`: its head in row `name`, each record in a
  // row `name/record:<key>`, written only where it differs from `stored` (the
  // journal's copy of what the rows hold; empty: unknown, rewrite all).
  // Returns the records written; with thousands of records a plan change
  // costs what changed, not the whole plan.
  std::map<std::string, const core::RecordPlan*> put_plan(const std::string& name,
                                                          const core::Plan& plan,
                                                          const std::optional<core::Plan>& stored);
  // Runs `body` in one IMMEDIATE transaction; rolls back if it throws.
  template <class F>
  void transaction(F&& body);
  [[noreturn]] void fail(const std::string& what);

  std::string path_;
  sqlite3* db_ = nullptr;
  bool created_ = false;
  std::string integrity_note_;
  // What the state rows hold of the plan and the released plan, once written.
  std::optional<core::Plan> stored_plan_, stored_released_;
};

std::string describe_change(const core::VerdictChange& c);

}  // namespace drpilot::store
