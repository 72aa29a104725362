#include "providers/hook_command.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "providers/hook_output.h"

namespace drpilot::providers {
namespace {

constexpr std::size_t kMaxOutput = 4096;
// After the command exited, what its leftovers still write is read for at
// most this many rounds: a background writer must not keep us here.
constexpr int kDrainRounds = 16;

using Steady = std::chrono::steady_clock;

// argv and envp built before fork(): between fork and exec only
// async-signal-safe calls are allowed in a multi-threaded process.
struct ExecArgs {
  std::vector<std::string> strings;
  std::vector<char*> argv, envp;
};

ExecArgs exec_args(const config::HookCommand& hook, const HookEnv& env, const HookPolicy& policy) {
  ExecArgs a;
  auto set = [&](const std::string& name) {
    return std::any_of(env.begin(), env.end(), [&](const auto& kv) { return kv.first == name; });
  };
  std::vector<std::string> names(std::begin(kHookBaseEnv), std::end(kHookBaseEnv));
  names.insert(names.end(), policy.pass_env.begin(), policy.pass_env.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const std::string& n : names) {
    if (set(n)) continue;
    if (const char* v = std::getenv(n.c_str())) {
      a.strings.push_back(n + "=" + v);
    } else if (n == "PATH") {
      a.strings.push_back("PATH=/usr/local/bin:/usr/bin:/bin");
    }
  }
  for (const auto& [k, v] : env) a.strings.push_back(k + "=" + v);
  const std::size_t env_count = a.strings.size();
  for (const std::string& s : hook.command) a.strings.push_back(s);
  for (std::size_t i = 0; i < env_count; ++i) a.envp.push_back(a.strings[i].data());
  a.envp.push_back(nullptr);
  for (std::size_t i = env_count; i < a.strings.size(); ++i) a.argv.push_back(a.strings[i].data());
  a.argv.push_back(nullptr);
  return a;
}

// In the child, before exec: every descriptor above stderr is closed by the
// exec, whether or not whoever opened it asked for close-on-exec (a socket
// another thread opened a moment ago, a library's file). Async-signal-safe.
void close_on_exec_above_stderr() {
  if (syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) == 0) return;
  const long max = sysconf(_SC_OPEN_MAX);  // kernels before 5.11
  for (int fd = 3; fd < (max > 0 ? max : 1024); ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int remaining_ms(Steady::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Steady::now());
  return static_cast<int>(std::max<long long>(0, left.count()));
}

}  // namespace

std::string HookResult::outcome() const {
  if (!error.empty()) return error;
  if (timed_out) return "timed out after " + core::format_duration(took) + " and was killed";
  if (exit_code < 0) return "was killed by a signal";
  return "exit " + std::to_string(exit_code);
}

HookResult run_hook(const config::HookCommand& hook, const HookEnv& env, const HookPolicy& policy) {
  HookResult r;
  r.command = hook.command;
  if (hook.command.empty()) {
    r.error = "empty command";
    return r;
  }
  ExecArgs args = exec_args(hook, env, policy);
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    r.error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return r;
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    r.error = std::string("cannot create a pipe: ") + std::strerror(errno);
    close(out[0]);
    close(out[1]);
    return r;
  }
  const auto start = Steady::now();
  const pid_t pid = fork();
  if (pid < 0) {
    r.error = std::string("cannot fork: ") + std::strerror(errno);
    for (int fd : {out[0], out[1], err[0], err[1]}) close(fd);
    return r;
  }
  if (pid == 0) {
    // Its own process group, so a timeout kills what it started too.
    setpgid(0, 0);
    // The controller takes its signals on a thread of its own and blocks
    // them everywhere else: a hook must get SIGTERM like any process.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    close_on_exec_above_stderr();
    execvpe(args.argv[0], args.argv.data(), args.envp.data());
    const int e = errno;
    [[maybe_unused]] ssize_t n = write(err[1], &e, sizeof e);
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  int exec_errno = 0;
  if (read(err[0], &exec_errno, sizeof exec_errno) == static_cast<ssize_t>(sizeof exec_errno)) {
    r.error = "cannot run " + hook.command.front() + ": " + std::strerror(exec_errno);
  }
  close(err[0]);
  fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);

  std::size_t longest_secret = 0;
  for (const std::string& s : policy.secrets) longest_secret = std::max(longest_secret, s.size());
  OutputCapture capture(kMaxOutput, longest_secret);
  const auto deadline = start + hook.timeout;
  // One read per round, so the deadline is looked at however fast the
  // command writes (`cat /dev/zero`). Until the command exits, not until the
  // pipe closes: a background process it left behind may hold the pipe open.
  char buf[16384];
  bool eof = false;
  auto read_once = [&] {
    const ssize_t n = read(out[0], buf, sizeof buf);
    if (n == 0) eof = true;
    if (n > 0) capture.append(std::string_view(buf, static_cast<std::size_t>(n)));
    return n > 0;
  };
  int status = 0;
  bool exited = false;
  while (!exited) {
    const int left = remaining_ms(deadline);
    if (left <= 0) {
      r.timed_out = true;
      break;
    }
    if (eof) {
      usleep(static_cast<useconds_t>(std::min(left, 5) * 1000));  // wait for its exit
    } else {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, std::min(left, 20)) > 0) read_once();
    }
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) exited = true;
  }
  // Whatever the hook left running goes with it: no orphans of the
  // controller's hooks, and none holding on past a timeout.
  kill(-pid, SIGKILL);
  if (r.timed_out) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  for (int i = 0; i < kDrainRounds && !eof && read_once(); ++i) {
  }
  close(out[0]);
  r.output = capture.text(policy.secrets);
  r.took = std::chrono::duration_cast<core::Duration>(Steady::now() - start);
  if (!r.timed_out && r.error.empty() && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

}  // namespace drpilot::providers
