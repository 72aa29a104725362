#pragma once
// Signals on a thread of their own. The signals are blocked in every thread
// (construct it before starting any other) and taken by this one with
// sigtimedwait, so SIGTERM is seen at once however busy the event loop is.
// After a stop signal the process has `grace` to end on its own; then, or at
// a second stop signal, it ends at once (_exit), saying so on stderr. The
// journal loses nothing by that: every committed write is on disk.
//
// Child processes must unblock the signals after fork (hooks and the lab's
// processes do).

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <initializer_list>
#include <thread>

namespace drpilot::net {

class SignalThread {
 public:
  // `on_signal` runs on the signal thread: it should post to the loop.
  // `stop_signals` are the ones that start the grace period.
  SignalThread(std::initializer_list<int> signals, std::initializer_list<int> stop_signals,
               std::function<void(int)> on_signal,
               std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
  ~SignalThread();
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

 private:
  void run();

  sigset_t signals_{};
  sigset_t stop_signals_{};
  std::function<void(int)> on_signal_;
  std::chrono::milliseconds grace_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace drpilot::net
