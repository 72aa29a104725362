#include "net/signal_thread.h"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace drpilot::net {

SignalThread::SignalThread(std::initializer_list<int> signals,
                           std::initializer_list<int> stop_signals,
                           std::function<void(int)> on_signal, std::chrono::milliseconds grace)
    : on_signal_(std::move(on_signal)), grace_(grace) {
  sigemptyset(&signals_);
  sigemptyset(&stop_signals_);
  for (int s : signals) sigaddset(&signals_, s);
  for (int s : stop_signals) {
    sigaddset(&signals_, s);
    sigaddset(&stop_signals_, s);
  }
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  thread_ = std::thread([this] { run(); });
}

SignalThread::~SignalThread() {
  done_ = true;
  thread_.join();
}

void SignalThread::run() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point deadline = Clock::time_point::max();
  while (!done_) {
    // Wakes at least every 250 ms to see done_ and the deadline.
    timespec wait{0, 250'000'000};
    siginfo_t info;
    const int sig = sigtimedwait(&signals_, &info, &wait);
    if (done_) return;
    if (Clock::now() >= deadline) {
      std::fprintf(stderr, "drpilot: did not stop within %lld ms of the signal; exiting now\n",
                   static_cast<long long>(grace_.count()));
      std::fflush(stderr);
      _exit(1);
    }
    if (sig < 0) continue;  // timeout or EINTR
    const bool stop = sigismember(&stop_signals_, sig) == 1;
    if (stop && deadline != Clock::time_point::max()) {
      std::fprintf(stderr, "drpilot: second %s; exiting now\n", strsignal(sig));
      std::fflush(stderr);
      _exit(1);
    }
    if (stop) deadline = Clock::now() + grace_;
    on_signal_(sig);
  }
}

}  // namespace drpilot::net
