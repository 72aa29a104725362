#include "lab/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace drpilot::lab {

namespace fs = std::filesystem;

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

ChildProcess::~ChildProcess() {
  stop();
}

void ChildProcess::spawn(const ChildOptions& o) {
  if (o.argv.empty()) throw std::runtime_error("no command to start");
  int log = -1;
  if (!o.log_path.empty()) {
    log = ::open(o.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0) {
      throw std::runtime_error("cannot open " + o.log_path + ": " + strerror(errno));
    }
  }
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<std::string> args = o.argv;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    if (log >= 0) ::close(log);
    throw std::runtime_error("cannot start " + o.argv[0] + ": fork failed: " + strerror(errno));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, o.death_signal);
    if (::getppid() != parent) ::_exit(127);  // the parent is already gone
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (o.pass_fd >= 0) {
      if (o.pass_fd == 3) {
        ::fcntl(3, F_SETFD, 0);
      } else if (::dup2(o.pass_fd, 3) < 0) {
        ::_exit(127);
      }
    }
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    } else {
      ::dup2(2, 1);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    // The parent's sockets must not live on in the child: a port it closes
    // would otherwise stay open.
    ::close_range(o.pass_fd >= 0 ? 4 : 3, ~0U, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (log >= 0) ::close(log);
  pid_ = pid;
  reaped_ = false;
}

bool ChildProcess::running() {
  if (pid_ <= 0 || reaped_) return false;
  if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

std::string ChildProcess::exit_text() {
  if (pid_ <= 0 || running()) return "";
  return describe_exit(status_);
}

void ChildProcess::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

void ChildProcess::stop(std::chrono::milliseconds grace) {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (running()) {
    ::kill(pid_, SIGKILL);
    if (::waitpid(pid_, &status_, 0) == pid_) reaped_ = true;
  }
}

}  // namespace drpilot::lab
