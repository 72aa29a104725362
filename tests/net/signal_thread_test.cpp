// The signal thread in child processes (it changes the signal mask of the
// process that uses it): a stop signal reaches the handler at once, a
// process that does not stop within the grace ends anyway, and a second stop
// signal ends it at once.

#include "net/signal_thread.h"

#include <poll.h>
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

// A child process and a pipe it writes one byte to at each step it has
// reached (its signal thread is up, its handler ran), so the parent sends
// the next signal only then, never after a guessed pause.
struct Child {
  pid_t pid = -1;
  int steps = -1;  // the read end
};

// Forks a child running `body(step)`; `step()` tells the parent one more step
// is done.
template <class F>
Child child(F body) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    ::close(fds[0]);
    const int w = fds[1];
    body([w] { (void)!::write(w, "s", 1); });
    _exit(0);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// Waits (bounded, so a broken child fails the test instead of hanging it)
// for the child's next step.
bool next_step(const Child& c) {
  pollfd p{c.steps, POLLIN, 0};
  char byte;
  return ::poll(&p, 1, 10000) == 1 && ::read(c.steps, &byte, 1) == 1;
}

// Waits up to `limit` for the child; its exit status, or -1 if still running
// (then it is killed).
int wait_for(const Child& c, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  int result = -1;
  while (Clock::now() < end) {
    int status = 0;
    if (waitpid(c.pid, &status, WNOHANG) == c.pid) {
      result = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  if (result == -1) {
    kill(c.pid, SIGKILL);
    waitpid(c.pid, nullptr, 0);
  }
  ::close(c.steps);
  return result;
}

TEST(SignalThread, AStopSignalReachesTheHandlerAndAStoppingProcessExitsNormally) {
  const Child c = child([](auto step) {
    std::atomic<bool> stop{false};
    SignalThread signals(
        {SIGHUP}, {SIGTERM}, [&](int sig) { stop = sig == SIGTERM; }, 5s);
    step();
    while (!stop) std::this_thread::sleep_for(1ms);
    _exit(7);
  });
  ASSERT_TRUE(next_step(c));
  kill(c.pid, SIGTERM);
  EXPECT_EQ(wait_for(c, 3s), 7);
}

// The grace is a real-time promise: it is measured on the real clock, with a
// bound several times what the child needs.
TEST(SignalThread, AStuckProcessEndsWhenTheGraceIsOver) {
  const Child c = child([](auto step) {
    SignalThread signals(
        {}, {SIGTERM}, [](int) {}, 300ms);
    step();
    for (;;) std::this_thread::sleep_for(1s);  // never stops by itself
  });
  ASSERT_TRUE(next_step(c));
  const auto sent = Clock::now();
  kill(c.pid, SIGTERM);
  EXPECT_EQ(wait_for(c, 5s), 1);
  EXPECT_GE(Clock::now() - sent, 300ms);
}

TEST(SignalThread, ASecondStopSignalEndsTheProcessAtOnce) {
  const Child c = child([](auto step) {
    SignalThread signals(
        {}, {SIGINT, SIGTERM}, [&](int) { step(); }, 60s);
    step();
    for (;;) std::this_thread::sleep_for(1s);
  });
  ASSERT_TRUE(next_step(c));
  kill(c.pid, SIGINT);
  ASSERT_TRUE(next_step(c));  // the first stop signal was handled
  kill(c.pid, SIGTERM);
  EXPECT_EQ(wait_for(c, 5s), 1) << "the 60 s grace was waited out";
}

TEST(SignalThread, OtherSignalsOnlyCallTheHandler) {
  const Child c = child([](auto step) {
    std::atomic<int> hups{0};
    std::atomic<bool> stop{false};
    SignalThread signals(
        {SIGHUP}, {SIGTERM},
        [&](int sig) {
          if (sig == SIGHUP) {
            ++hups;
            step();
          }
          if (sig == SIGTERM) stop = true;
        },
        5s);
    step();
    while (!stop) std::this_thread::sleep_for(1ms);
    _exit(hups.load() >= 1 ? 0 : 3);
  });
  ASSERT_TRUE(next_step(c));
  kill(c.pid, SIGHUP);
  ASSERT_TRUE(next_step(c));
  kill(c.pid, SIGTERM);
  EXPECT_EQ(wait_for(c, 3s), 0);
}

}  // namespace
}  // namespace drpilot::net
