#pragma once
// A child process of the lab or the demo (dynalite, etcd, a controller): it
// dies with its parent (PR_SET_PDEATHSIG), inherits no descriptor but its
// standard ones (and, if asked, one more as fd 3), writes to a log file or to
// the parent's stderr, and is stopped by PID: SIGTERM, then SIGKILL after a
// grace period, and reaped.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace drpilot::lab {

// The absolute path of `name` on PATH, if it is there.
std::optional<std::string> find_on_path(const char* name);
// "exited with status 1", "was killed by Killed".
std::string describe_exit(int status);

struct ChildOptions {
  std::vector<std::string> argv;  // argv[0]: an absolute path
  std::string log_path;           // stdout and stderr (appended); "": the parent's stderr
  int pass_fd = -1;               // becomes the child's fd 3 (then closed here by the caller)
  int death_signal = 9;           // sent to it when the parent dies
};

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // stop()
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Throws std::runtime_error (fork or the log file failed).
  void spawn(const ChildOptions& options);
  bool running();
  // How it ended ("" while it runs).
  std::string exit_text();
  void signal(int sig);
  // SIGTERM, SIGKILL after `grace`, and reaped.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(2));
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace drpilot::lab
