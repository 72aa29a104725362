#pragma once
// The journal: an append-only record of what happened and why (verdict
// changes, plans, operator commands, lifecycle events), plus the latest state
// a restarted controller resumes from. SQLite in WAL mode with
// synchronous=FULL: once a call returns, the entry survives a power cut.

#include <nlohmann/json.hpp>

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
  using std::runtime_error::runtime_error;
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
};

class Journal {
 public:
  // Opens `path`, creating it when it does not exist. Refuses (JournalError)
  // a file that is not a drpilot journal or fails an integrity check: an
  // existing file is never silently replaced.
  explicit Journal(const std::string& path);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Opens an existing journal read-only (for `drpilot history --journal`,
  // and for the API's thread beside the controller's writer).
  static Journal open_read_only(const std::string& path);
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

  // The latest plan and verdicts. Throws JournalError if stored state is corrupt.
  JournalState load_state();
  // Newest first; `before_id` pages backwards.
  std::vector<JournalEvent> history(std::size_t limit,
                                    std::optional<std::int64_t> before_id = std::nullopt);
  bool created() const { return created_; }
  const std::string& path() const { return path_; }

 private:
  Journal(const std::string& path, bool read_only);
  void exec(const char* sql);
  void check_identity();
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
  // What the state rows hold of the plan and the released plan, once written.
  std::optional<core::Plan> stored_plan_, stored_released_;
};

std::string describe_change(const core::VerdictChange& c);

}  // namespace drpilot::store
