// The signal thread in child processes (it changes the signal mask of the
// process that uses it): a stop signal reaches the handler at once, a
// process that does not stop within the grace ends anyway, and a second stop
// signal ends it at once.

#include "net/signal_thread.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace drpilot::net {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Forks a child running `body`; returns its pid.
template <class F>
pid_t child(F body) {
  const pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(0);
  }
  return pid;
}

// Waits up to `limit` for `pid`; its exit status, or -1 if still running
// (then it is killed).
int wait_for(pid_t pid, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    std::this_thread::sleep_for(5ms);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

TEST(SignalThread, AStopSignalReachesTheHandlerAndAStoppingProcessExitsNormally) {
  const pid_t pid = child([] {
    std::atomic<bool> stop{false};
    SignalThread signals(
        {SIGHUP}, {SIGTERM}, [&](int sig) { stop = sig == SIGTERM; }, 5s);
    while (!stop) std::this_thread::sleep_for(1ms);
    _exit(7);
  });
  std::this_thread::sleep_for(100ms);  // the child's signal thread is up
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_for(pid, 3s), 7);
}

TEST(SignalThread, AStuckProcessEndsWhenTheGraceIsOver) {
  const pid_t pid = child([] {
    SignalThread signals(
        {}, {SIGTERM}, [](int) {}, 300ms);
    for (;;) std::this_thread::sleep_for(1s);  // never stops by itself
  });
  std::this_thread::sleep_for(100ms);
  const auto sent = Clock::now();
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_for(pid, 5s), 1);
  EXPECT_GE(Clock::now() - sent, 300ms);
}

TEST(SignalThread, ASecondStopSignalEndsTheProcessAtOnce) {
  const pid_t pid = child([] {
    SignalThread signals(
        {}, {SIGINT, SIGTERM}, [](int) {}, 60s);
    for (;;) std::this_thread::sleep_for(1s);
  });
  std::this_thread::sleep_for(100ms);
  kill(pid, SIGINT);
  std::this_thread::sleep_for(50ms);
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_for(pid, 5s), 1) << "the 60 s grace was waited out";
}

TEST(SignalThread, OtherSignalsOnlyCallTheHandler) {
  const pid_t pid = child([] {
    std::atomic<int> hups{0};
    std::atomic<bool> stop{false};
    SignalThread signals(
        {SIGHUP}, {SIGTERM},
        [&](int sig) {
          if (sig == SIGHUP) ++hups;
          if (sig == SIGTERM) stop = true;
        },
        5s);
    while (!stop) std::this_thread::sleep_for(1ms);
    _exit(hups.load() >= 1 ? 0 : 3);
  });
  std::this_thread::sleep_for(100ms);
  kill(pid, SIGHUP);
  std::this_thread::sleep_for(100ms);
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_for(pid, 3s), 0);
}

}  // namespace
}  // namespace drpilot::net
