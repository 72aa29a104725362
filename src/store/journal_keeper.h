#pragma once
// The controller's journal as the controller lives with it: one writer per
// journal (the lock), a journal the file system will not let it write (a
// full disk at start-up, a read-only mount) kept open read-only so the
// controller still resumes, serves DNS and answers the API from the last
// plan -- and reopened for writing once it can be -- plan generations
// reserved ahead in blocks so that a plan published while its journal write
// failed is never numbered again after a restart, and retention.
//
// Not thread-safe: the control loop's. Times come from the caller (`now`).

#include <functional>
#include <memory>
#include <string>

#include "store/journal.h"
#include "store/journal_lock.h"

namespace drpilot::store {

struct KeeperSettings {
  std::string path;
  JournalOptions options;
  core::Duration max_age{0};    // 0: events kept for ever
  std::uint64_t max_bytes = 0;  // 0: no bound
  core::Duration reopen_every{10'000};
  core::Duration prune_every{60'000};
  std::size_t prune_budget = 5000;  // events removed per round at most
};

// Plan generations are reserved this many at a time.
inline constexpr std::uint64_t kGenerationBlock = 100;

class JournalKeeper {
 public:
  // Takes the lock first (JournalError naming the holder when another
  // process has it: nothing else is touched), then opens the journal for
  // writing; if the file system refuses, opens it read-only and says why in
  // read_only_reason(). A file that is not a journal, or is corrupt, throws.
  explicit JournalKeeper(KeeperSettings settings);

  // The state to resume from. Remembers the reserved generations.
  JournalState load_state();
  bool writable() const { return read_only_reason_.empty(); }
  // "" while writable; else what the file system said ("database or disk is full").
  const std::string& read_only_reason() const { return read_only_reason_; }
  const std::string& integrity_note() const { return integrity_note_; }
  bool created() const { return created_; }
  const std::string& path() const { return settings_.path; }

  // Runs `write` against the journal: "" when it was written, else why not.
  std::string write(const std::function<void(Journal&)>& write);

  // The generation a restart resumes above: the newest one the journal
  // holds or reserved.
  static std::uint64_t generation_floor(const JournalState& state);
  // Before a plan numbered `generation` is published: reserves the next
  // block when this one runs low. "" when `generation` is covered, else why
  // it is not (the journal could not be written and the block ran out).
  std::string cover(std::uint64_t generation);
  // On a clean stop, when every plan was journaled: the reservation shrinks
  // back to `generation`, so the next start continues without a jump.
  void release_unused(std::uint64_t generation);

  struct Maintenance {
    bool reopened = false;  // writable again after being read-only
    std::string error;      // a failed reopen or prune
    PruneResult pruned;
  };
  // Call now and then (every tick): reopens a read-only journal for
  // writing, at most every `reopen_every`, and prunes old events, at most
  // every `prune_every`.
  Maintenance maintain(core::TimePoint now);

 private:
  void open_writer();

  KeeperSettings settings_;
  std::unique_ptr<JournalLock> lock_;
  std::unique_ptr<Journal> journal_;  // the writer, or a reader while read-only
  std::string read_only_reason_;
  std::string integrity_note_;
  bool created_ = false;
  std::uint64_t reserved_ = 0;
  core::TimePoint next_reopen_{}, next_prune_{};
};

}  // namespace drpilot::store
