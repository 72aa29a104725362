#include "lab/dynalite_process.h"

#include "lab/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

namespace drpilot::lab {
namespace {

namespace fs = std::filesystem;

// Run with `node -e`: dynalite in memory on 127.0.0.1 only (its own command
// line listens on every interface), the chosen port written to fd 3.
constexpr const char* kScript = R"js(
const fs = require('fs');
const server = require(process.argv[1])({});
server.listen(0, '127.0.0.1', () => {
  fs.writeSync(3, server.address().port + '\n');
  fs.closeSync(3);
});
process.on('SIGTERM', () => process.exit(0));
)js";

}  // namespace

std::optional<DynaliteSetup> find_dynalite(const std::string& node_modules, std::string& error) {
  DynaliteSetup s;
  auto node = find_on_path("node");
  if (!node) node = find_on_path("nodejs");
  if (!node) {
    error =
        "the lab's data regions run dynalite on Node.js, and `node` is not on PATH; "
        "run scripts/install-deps";
    return std::nullopt;
  }
  s.node = *node;
  s.package_dir = node_modules + "/dynalite";
  std::error_code ec;
  if (!fs::exists(s.package_dir + "/index.js", ec)) {
    error = "dynalite is not installed in " + node_modules +
            "; run scripts/install-deps (or point DRPILOT_NODE_MODULES at a node_modules "
            "directory that has it)";
    return std::nullopt;
  }
  return s;
}

DynaliteProcess::~DynaliteProcess() {
  stop();
}

void DynaliteProcess::spawn(const DynaliteSetup& setup) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error("data region " + region_ + ": pipe failed: " + strerror(errno));
  }
  ChildOptions o;
  o.argv = {setup.node, "-e", kScript, setup.package_dir};
  o.pass_fd = fds[1];  // its port is written there
  try {
    child_.spawn(o);
  } catch (const std::exception& e) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error("data region " + region_ + ": " + e.what());
  }
  ::close(fds[1]);
  ready_fd_ = fds[0];
}

void DynaliteProcess::wait_ready(std::chrono::steady_clock::time_point deadline) {
  std::string got;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw std::runtime_error("data region " + region_ +
                               ": dynalite did not start listening in time");
    }
    pollfd p{ready_fd_, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[64];
    ssize_t r = ::read(ready_fd_, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r > 0) {
      got.append(buf, static_cast<size_t>(r));
      if (got.find('\n') == std::string::npos) continue;
    }
    break;  // a line, or the end: the child closed it (done or gone)
  }
  ::close(ready_fd_);
  ready_fd_ = -1;
  unsigned port = 0;
  auto [p, ec] = std::from_chars(got.data(), got.data() + got.size(), port);
  if (ec != std::errc() || port == 0 || port > 65535 || p == got.data() || *p != '\n') {
    // The pipe closes a moment before the child can be reaped: give it that
    // moment, so that the message says how it ended.
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (running() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::string why = "did not report its port";
    if (!running()) why = child_.exit_text();
    throw std::runtime_error("data region " + region_ + ": dynalite " + why +
                             " (its messages are above)");
  }
  port_ = static_cast<std::uint16_t>(port);
}

bool DynaliteProcess::running() {
  return child_.running();
}

void DynaliteProcess::terminate() {
  child_.signal(SIGTERM);
}

void DynaliteProcess::stop() {
  if (ready_fd_ >= 0) {
    ::close(ready_fd_);
    ready_fd_ = -1;
  }
  child_.stop();
}

}  // namespace drpilot::lab
