#include "store/journal_keeper.h"

#include <algorithm>

namespace drpilot::store {

JournalKeeper::JournalKeeper(KeeperSettings settings) : settings_(std::move(settings)) {
  std::string error;
  lock_ = JournalLock::acquire(settings_.path, error);
  if (!lock_) throw JournalError(error);
  open_writer();
}

void JournalKeeper::open_writer() {
  try {
    journal_ = std::make_unique<Journal>(settings_.path, settings_.options);
    read_only_reason_.clear();
    integrity_note_ = journal_->integrity_note();
    created_ = journal_->created();
  } catch (const JournalError& e) {
    if (!e.storage()) throw;
    // The file system refuses writes (or even the shared-memory file a
    // writer needs): resume from what is there, read-only.
    read_only_reason_ = e.what();
    if (!journal_) journal_ = Journal::reader(settings_.path);
  }
}

JournalState JournalKeeper::load_state() {
  JournalState s = journal_->load_state();
  reserved_ = s.reserved_generation;
  return s;
}

std::string JournalKeeper::write(const std::function<void(Journal&)>& write) {
  if (!writable()) return "the journal is read-only: " + read_only_reason_;
  try {
    write(*journal_);
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

std::uint64_t JournalKeeper::generation_floor(const JournalState& state) {
  return std::max(state.plan ? state.plan->generation : 0, state.reserved_generation);
}

std::string JournalKeeper::cover(std::uint64_t generation) {
  if (generation + kGenerationBlock / 2 <= reserved_) return "";
  const std::uint64_t upto = generation + kGenerationBlock;
  const std::string error = write([&](Journal& j) { j.reserve_generations(upto); });
  if (error.empty()) {
    reserved_ = upto;
    return "";
  }
  if (generation <= reserved_) return "";  // still inside the block; retried with the next plan
  return "plan generation " + std::to_string(generation) +
         " is beyond what the journal reserved (" + std::to_string(reserved_) +
         "), and the reservation could not be written (" + error +
         "): a restart before it is may number plans again";
}

void JournalKeeper::release_unused(std::uint64_t generation) {
  if (generation >= reserved_) return;
  if (write([&](Journal& j) { j.reserve_generations(generation); }).empty()) {
    reserved_ = generation;
  }
}

JournalKeeper::Maintenance JournalKeeper::maintain(core::TimePoint now) {
  Maintenance m;
  if (!writable() && now >= next_reopen_) {
    next_reopen_ = now + settings_.reopen_every;
    const std::string before = read_only_reason_;
    try {
      open_writer();
    } catch (const std::exception& e) {
      m.error = e.what();
    }
    m.reopened = writable();
    if (!m.reopened && m.error.empty() && read_only_reason_ != before) m.error = read_only_reason_;
  }
  if (writable() && now >= next_prune_) {
    const bool bounded = settings_.max_age.count() > 0 || settings_.max_bytes > 0;
    if (bounded) {
      try {
        m.pruned =
            journal_->prune(now, settings_.max_age, settings_.max_bytes, settings_.prune_budget);
      } catch (const std::exception& e) {
        m.error = e.what();
      }
    }
    // A backlog is worked off a round a second, not a round a minute.
    next_prune_ = now + (m.pruned.more ? core::Duration{1'000} : settings_.prune_every);
  }
  return m;
}

}  // namespace drpilot::store
