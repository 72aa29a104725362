#include "providers/hook_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

extern char** environ;

namespace drpilot::providers {
namespace {

constexpr std::size_t kMaxOutput = 4096;

using Steady = std::chrono::steady_clock;

// argv and envp built before fork(): between fork and exec only
// async-signal-safe calls are allowed in a multi-threaded process.
struct ExecArgs {
  std::vector<std::string> strings;
  std::vector<char*> argv, envp;
};

ExecArgs exec_args(const config::HookCommand& hook, const HookEnv& env,
                   const std::vector<std::string>& hidden) {
  ExecArgs a;
  std::vector<std::string> names;
  for (const auto& [k, v] : env) names.push_back(k + "=");
  for (const std::string& h : hidden) names.push_back(h + "=");
  for (char** e = environ; e && *e; ++e) {
    const std::string var(*e);
    bool replaced = false;
    for (const std::string& n : names) replaced |= var.rfind(n, 0) == 0;
    if (!replaced) a.strings.push_back(var);
  }
  const std::size_t env_count = a.strings.size() + env.size();
  for (const auto& [k, v] : env) a.strings.push_back(k + "=" + v);
  for (const std::string& s : hook.command) a.strings.push_back(s);
  for (std::size_t i = 0; i < env_count; ++i) a.envp.push_back(a.strings[i].data());
  a.envp.push_back(nullptr);
  for (std::size_t i = env_count; i < a.strings.size(); ++i) a.argv.push_back(a.strings[i].data());
  a.argv.push_back(nullptr);
  return a;
}

}  // namespace

std::string HookResult::outcome() const {
  if (!error.empty()) return error;
  if (timed_out) return "timed out after " + core::format_duration(took) + " and was killed";
  if (exit_code < 0) return "was killed by a signal";
  return "exit " + std::to_string(exit_code);
}

HookResult run_hook(const config::HookCommand& hook, const HookEnv& env,
                    const std::vector<std::string>& hidden) {
  HookResult r;
  r.command = hook.command;
  if (hook.command.empty()) {
    r.error = "empty command";
    return r;
  }
  ExecArgs args = exec_args(hook, env, hidden);
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

  const auto deadline = start + hook.timeout;
  // Read until the command exits (not until the pipe closes: a background
  // process it left behind may hold the pipe open) or the deadline passes.
  char buf[4096];
  int status = 0;
  bool exited = false, eof = false;
  auto read_available = [&] {
    while (!eof) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 0) <= 0 || (p.revents & (POLLIN | POLLHUP)) == 0) return;
      const ssize_t n = read(out[0], buf, sizeof buf);
      if (n < 0) return;
      if (n == 0) eof = true;
      const std::size_t room = kMaxOutput - std::min(kMaxOutput, r.output.size());
      r.output.append(buf, std::min(room, static_cast<std::size_t>(n)));
    }
  };
  while (!exited) {
    if (Steady::now() >= deadline) {
      r.timed_out = true;
      break;
    }
    if (eof) {
      usleep(5000);  // output closed, process still running: wait for its exit
    } else {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 20) > 0) read_available();
    }
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) exited = true;
  }
  read_available();
  close(out[0]);
  // Whatever the hook left running goes with it: no orphans of the
  // controller's hooks, and none holding on past a timeout.
  kill(-pid, SIGKILL);
  if (r.timed_out) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  r.took = std::chrono::duration_cast<core::Duration>(Steady::now() - start);
  if (!r.timed_out && r.error.empty() && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

}  // namespace drpilot::providers
