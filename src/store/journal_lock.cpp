#include "store/journal_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace drpilot::store {

std::unique_ptr<JournalLock> JournalLock::acquire(const std::string& journal_path,
                                                  std::string& error) {
  const std::string path = journal_path + ".lock";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    const std::string dir = std::filesystem::path(journal_path).parent_path().string();
    std::error_code ec;
    if (errno == ENOENT && !dir.empty() && !std::filesystem::is_directory(dir, ec)) {
      error = "cannot create journal " + journal_path + ": directory " + dir + " does not exist";
    } else {
      error = "cannot open the journal's lock file " + path + ": " + std::strerror(errno);
    }
    return nullptr;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    char buf[32] = {};
    const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    std::string holder(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    close(fd);
    if (e == EWOULDBLOCK) {
      error = "journal " + journal_path + " is in use by another drpilot" +
              (holder.empty() ? "" : " (pid " + holder + ")") +
              ": one controller writes one journal; stop it, or give this one its own "
              "journal.path";
    } else {
      error = "cannot lock " + path + ": " + std::strerror(e);
    }
    return nullptr;
  }
  // Best effort: on a full disk the pid is not written, the lock still holds.
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t n = pwrite(fd, pid.data(), pid.size(), 0);
  }
  return std::unique_ptr<JournalLock>(new JournalLock(fd));
}

JournalLock::~JournalLock() {
  close(fd_);
}

}  // namespace drpilot::store
