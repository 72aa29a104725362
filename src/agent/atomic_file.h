#pragma once
// Replacing a file so that a reader sees either the old content or the new,
// never a mix, even across a crash: a temporary file in the same directory
// (rename is atomic only within one file system), fsync of the file, rename
// over the target, fsync of the directory (so the rename itself is durable).

#include <optional>
#include <string>

namespace drpilot::agent {

// What a file holds now, so that it can be put back.
struct FileState {
  bool exists = false;
  std::string content;
};

// Nothing, with `error`, when the file exists but cannot be read (or is not
// a regular file); a missing file is a state (exists = false), not an error.
std::optional<FileState> read_file_state(const std::string& path, std::string& error);

struct WriteOptions {
  // A `path` that is a symbolic link is refused (renaming over it would
  // replace the link, and a link planted by someone else would point the
  // write elsewhere), unless this is set: then the file it points to is
  // replaced, the link kept.
  bool follow_symlink = false;
};

// Writes `content` to `path` atomically. The file keeps the permission bits
// (never setuid, setgid or sticky), owner and group of the file it replaces
// (0644 and the agent's own for a new one). On failure nothing at `path` has
// changed, no temporary file is left, and `error` says what failed.
bool write_file_atomic(const std::string& path, const std::string& content, std::string& error,
                       const WriteOptions& options = {});

// Puts `state` back: rewrites the content atomically, or removes the file
// (durably) when it did not exist.
bool restore_file_state(const std::string& path, const FileState& state, std::string& error,
                        const WriteOptions& options = {});

}  // namespace drpilot::agent
