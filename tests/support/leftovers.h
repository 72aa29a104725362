#pragma once
// Test support for processes a hook or reload leaves behind on purpose (a
// daemon started with setsid escapes the process group drpilot kills): what
// they hold open, whether the ports drpilot had are free again, and killing
// them by PID when the test ends.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace drpilot::testing {

// The targets of /proc/PID/fd: "socket:[1234]", "pipe:[56]", "/dev/null", ...
// Empty when the process is gone.
std::vector<std::string> open_files(pid_t pid);

// Whether a server could bind address:port now as a restarting one does:
// TCP with SO_REUSEADDR (a TIME_WAIT left by its last connections is no
// obstacle, a listening socket is) and listening; with `udp`, a datagram
// socket on the same port too.
bool can_listen(const std::string& address, std::uint16_t port, bool udp = false);

// The processes whose PIDs a script wrote to `pid_file`, one a line (e.g.
// `setsid sleep 600 & echo $! >> FILE`); each still running as `command`
// is killed with SIGKILL when this goes, whatever the test did.
class Leftovers {
 public:
  Leftovers(std::string pid_file, std::string command)
      : pid_file_(std::move(pid_file)), command_(std::move(command)) {}
  ~Leftovers();
  Leftovers(const Leftovers&) = delete;
  Leftovers& operator=(const Leftovers&) = delete;

  // The PIDs written so far.
  std::vector<pid_t> pids() const;
  // Whether `pid` runs `command` now (not gone, not a zombie, not reused).
  bool running(pid_t pid) const;

 private:
  std::string pid_file_;
  std::string command_;
};

}  // namespace drpilot::testing
