#pragma once
// One writer per journal: `drpilot run` holds an exclusive lock on
// "<journal>.lock" for as long as it runs, taken before it opens the journal
// or binds a port, so a second controller started on the same journal (a
// copy-pasted unit file, a forgotten test run) refuses before it touches
// anything. The lock is flock(2): it goes with the process, however it ends.
// The file holds the holder's pid, for the error message; it is left in place.

#include <memory>
#include <string>

namespace drpilot::store {

class JournalLock {
 public:
  // The lock, or nothing with `error` saying who holds it ("journal
  // /var/lib/drpilot/journal.db is in use by another drpilot (pid 4242)...").
  static std::unique_ptr<JournalLock> acquire(const std::string& journal_path, std::string& error);
  ~JournalLock();
  JournalLock(const JournalLock&) = delete;
  JournalLock& operator=(const JournalLock&) = delete;

 private:
  explicit JournalLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace drpilot::store
