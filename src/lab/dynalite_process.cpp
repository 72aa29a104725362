#include "lab/dynalite_process.h"

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

std::optional<std::string> find_on_path(const char* name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) {
      return fs::absolute(candidate).string();
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by ") + strsignal(WTERMSIG(status));
  return "stopped";
}

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
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<std::string> args = {setup.node, "-e", kScript, setup.package_dir};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error("data region " + region_ + ": fork failed: " + strerror(errno));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the lab is already gone
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (fds[1] == 3) {
      ::fcntl(3, F_SETFD, 0);
    } else if (::dup2(fds[1], 3) < 0) {
      ::_exit(127);
    }
    ::dup2(2, 1);  // its messages go to the lab's log
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    // The lab's sockets must not live on in the child: a refused port would
    // otherwise stay open.
    ::close_range(4, ~0U, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  ready_fd_ = fds[0];
  pid_ = pid;
  reaped_ = false;
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
    if (!running()) why = describe_exit(status_);
    throw std::runtime_error("data region " + region_ + ": dynalite " + why +
                             " (its messages are above)");
  }
  port_ = static_cast<std::uint16_t>(port);
}

bool DynaliteProcess::running() {
  if (pid_ <= 0 || reaped_) return false;
  if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

void DynaliteProcess::terminate() {
  if (running()) ::kill(pid_, SIGTERM);
}

void DynaliteProcess::stop() {
  if (ready_fd_ >= 0) {
    ::close(ready_fd_);
    ready_fd_ = -1;
  }
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (running()) {
    ::kill(pid_, SIGKILL);
    if (::waitpid(pid_, &status_, 0) == pid_) reaped_ = true;
  }
}

}  // namespace drpilot::lab
