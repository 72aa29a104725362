#pragma once
// The journal: an append-only record of what happened and why (verdict
// changes, plans, operator commands, lifecycle events), plus the latest state
// a restarted controller resumes from. SQLite in WAL mode with
// synchronous=FULL: once a call returns, the entry survives a power cut.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/plan.h"

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

struct JournalState {
  std::optional<core::Plan> plan;
  std::map<std::string, core::Verdict> targets;
  std::map<std::string, core::Verdict> sites;
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

  // Opens an existing journal read-only (for `drpilot history --journal`).
  static Journal open_read_only(const std::string& path);

  void record_verdicts(const std::vector<core::VerdictChange>& targets,
                       const std::vector<core::VerdictChange>& sites, core::TimePoint at);
  void record_plan(const core::Plan& plan);
  void record_event(std::string_view kind, std::string_view subject, std::string_view message,
                    core::TimePoint at, const nlohmann::json& data = nullptr);

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
  void put_state(const std::string& key, const nlohmann::json& value);
  [[noreturn]] void fail(const std::string& what);

  std::string path_;
  sqlite3* db_ = nullptr;
  bool created_ = false;
};

std::string describe_change(const core::VerdictChange& c);

}  // namespace drpilot::store
