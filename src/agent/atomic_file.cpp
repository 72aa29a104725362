#include "agent/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace drpilot::agent {
namespace {

namespace fs = std::filesystem;

std::string errno_text() {
  return std::strerror(errno);
}

std::string directory_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// The rename (or unlink) is only durable once the directory entry is on disk.
bool sync_directory(const std::string& dir, std::string& error) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open directory " + dir + " to sync it: " + errno_text();
    return false;
  }
  const bool ok = fsync(fd) == 0;
  if (!ok) error = "cannot sync directory " + dir + ": " + errno_text();
  close(fd);
  return ok;
}

bool write_all(int fd, const std::string& content) {
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::optional<FileState> read_file_state(const std::string& path, std::string& error) {
  FileState state;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return state;
    error = "cannot read " + path + ": " + errno_text();
    return std::nullopt;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = "cannot read " + path + ": not a regular file";
    close(fd);
    return std::nullopt;
  }
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = "cannot read " + path + ": " + errno_text();
      close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    state.content.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  state.exists = true;
  return state;
}

bool write_file_atomic(const std::string& given, const std::string& content, std::string& error,
                       const WriteOptions& options) {
  std::string path = given;
  std::error_code ec;
  struct stat link {};
  if (lstat(given.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
    const std::string to = fs::read_symlink(given, ec).string();
    if (!options.follow_symlink) {
      error = "cannot write " + given + ": it is a symbolic link (to " + to +
              "); point the output at the file itself, or set follow_symlink: true to replace "
              "the file it points to";
      return false;
    }
    path = fs::weakly_canonical(given, ec).string();
    if (ec) {
      error = "cannot write " + given + ": cannot resolve the symbolic link: " + ec.message();
      return false;
    }
  }
  const std::string dir = directory_of(path);
  if (!fs::is_directory(dir, ec)) {
    error = "cannot write " + path + ": directory " + dir + " does not exist";
    return false;
  }
  mode_t mode = 0644;
  bool replaces = false;
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      error = "cannot write " + path + ": it is a directory";
      return false;
    }
    mode = st.st_mode & 0777;  // never setuid, setgid or sticky on a file we write
    replaces = true;
  }
  // Hidden and recognisable, so an operator knows what a leftover is after a
  // power cut between create and rename.
  std::string tmp =
      (fs::path(dir) / ("." + fs::path(path).filename().string() + ".drpilot-XXXXXX")).string();
  const int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    error = "cannot create a temporary file in " + dir + ": " + errno_text();
    return false;
  }
  auto fail = [&](const std::string& what) {
    error = what + ": " + errno_text();
    close(fd);
    unlink(tmp.c_str());
    return false;
  };
  if (!write_all(fd, content)) return fail("cannot write " + tmp);
  // The application reads the file as its own user: a file readable only by
  // its owner and group (0640 root:www-data) must keep both, or the reload
  // would meet a file it cannot read. Refused rather than silently changed.
  struct stat tmp_st {};
  if (replaces && fstat(fd, &tmp_st) == 0 &&
      (tmp_st.st_uid != st.st_uid || tmp_st.st_gid != st.st_gid) &&
      fchown(fd, st.st_uid, st.st_gid) != 0) {
    return fail("cannot give " + tmp + " the owner and group of " + path + " (uid " +
                std::to_string(st.st_uid) + ", gid " + std::to_string(st.st_gid) + ")");
  }
  if (fchmod(fd, mode) != 0) return fail("cannot set the permissions of " + tmp);
  if (fsync(fd) != 0) return fail("cannot sync " + tmp);
  if (close(fd) != 0) {
    error = "cannot close " + tmp + ": " + errno_text();
    unlink(tmp.c_str());
    return false;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot rename " + tmp + " to " + path + ": " + errno_text();
    unlink(tmp.c_str());
    return false;
  }
  return sync_directory(dir, error);
}

bool restore_file_state(const std::string& path, const FileState& state, std::string& error,
                        const WriteOptions& options) {
  if (state.exists) return write_file_atomic(path, state.content, error, options);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    error = "cannot remove " + path + ": " + errno_text();
    return false;
  }
  return sync_directory(directory_of(path), error);
}

}  // namespace drpilot::agent
