#pragma once
// Test support: child processes that are always cleaned up (killed by PID,
// never by name), free loopback ports, and small waiting helpers.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace drpilot::testing {

class Process {
 public:
  // Starts `argv[0]` with arguments; stdout and stderr go to `log_path`.
  Process(std::vector<std::string> argv, std::string log_path);
  ~Process();  // SIGKILL + reap if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `sig` and waits up to `timeout` for exit; returns the exit status
  // (as from waitpid) or -1 if it did not exit in time.
  int stop(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  void kill_hard();  // SIGKILL and reap
  void signal(int sig);
  // Waits for exit; returns the exit code, or -1 on timeout / killed by a signal.
  int wait_exit(std::chrono::milliseconds timeout);
  std::string log() const;
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::string log_path_;
};

// Runs a command to completion (bounded); returns exit code and output.
struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout + stderr
};
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20));

// A TCP+UDP port that was free on `address` a moment ago.
std::uint16_t free_port(const std::string& address = "127.0.0.1");
// `n` such ports, all different (free_port alone may answer the same port
// twice, as nothing holds it between calls).
std::vector<std::uint16_t> free_ports(std::size_t n, const std::string& address = "127.0.0.1");
// A blocking TCP connection to 127.0.0.1:`port` (reads and writes time out
// after 5 s, close-on-exec), or -1.
int connect_loopback(std::uint16_t port);
bool free_port_on(const std::string& address, std::uint16_t port);

// Polls `cond` every `step` until true or `timeout`; returns the last result.
bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(20));

bool have_program(const std::string& name);
// `dig +short` against the DNS server on 127.0.0.1:`port` (one try, one
// second): the answer's lines, empty when there is none.
std::vector<std::string> dig_short(std::uint16_t port, const std::string& name,
                                   const std::string& qtype = "A");
// The same against the server on `address`:`port`.
std::vector<std::string> dig_short_at(const std::string& address, std::uint16_t port,
                                      const std::string& name, const std::string& qtype = "A");
std::string make_temp_dir(const std::string& prefix);
void remove_tree(const std::string& path);
void write_file(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);

}  // namespace drpilot::testing
