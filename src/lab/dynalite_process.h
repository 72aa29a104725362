#pragma once
// One dynalite (a DynamoDB-compatible server on Node.js, from npm) as a
// child process of the lab: in memory, on a free port of 127.0.0.1 that the
// kernel picks and the child reports back. It dies with the lab: the kernel
// kills it if the lab dies (PR_SET_PDEATHSIG), and stop() kills it by PID.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "lab/child_process.h"

namespace drpilot::lab {

struct DynaliteSetup {
  std::string node;         // absolute path of the node binary
  std::string package_dir;  // .../node_modules/dynalite
};

// Finds node on PATH and dynalite in `node_modules`; nullopt with an error
// that names the fix (scripts/install-deps) when either is missing.
std::optional<DynaliteSetup> find_dynalite(const std::string& node_modules, std::string& error);

class DynaliteProcess {
 public:
  explicit DynaliteProcess(std::string region) : region_(std::move(region)) {}
  ~DynaliteProcess();
  DynaliteProcess(const DynaliteProcess&) = delete;
  DynaliteProcess& operator=(const DynaliteProcess&) = delete;

  // Starts the child; does not wait for it. Throws std::runtime_error.
  void spawn(const DynaliteSetup& setup);
  // Waits until the child listens, and learns its port. Throws
  // std::runtime_error naming the region if it exits or the deadline passes.
  void wait_ready(std::chrono::steady_clock::time_point deadline);
  // Asks it to exit (SIGTERM) without waiting; stop() then reaps it.
  void terminate();
  // SIGTERM, SIGKILL after a short grace, and reaped.
  void stop();
  bool running();

  pid_t pid() const { return child_.pid(); }
  std::uint16_t port() const { return port_; }

 private:
  std::string region_;
  ChildProcess child_;
  int ready_fd_ = -1;  // the child writes its port here, then closes it
  std::uint16_t port_ = 0;
};

}  // namespace drpilot::lab
