#pragma once
// The event loop every asynchronous piece runs on. The header is free of
// Boost so that callers compile fast; only src/net/*.cpp see Asio.

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>

#include "core/time_source.h"

namespace drpilot::net {

class Loop {
 public:
  // On the machine's time.
  Loop();
  // On simulated time: net::Timer waits for `time` to be advanced (tests).
  explicit Loop(core::SimulatedTime& time);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Runs handlers on the calling thread until stop().
  void run();
  // Thread-safe: makes run() return.
  void stop();
  // Thread-safe: runs `fn` on the loop thread.
  void post(std::function<void()> fn);
  // Calls `fn` on the loop thread whenever one of the signals arrives.
  void on_signals(std::initializer_list<int> signals, std::function<void(int)> fn);

  // The time this loop's timers use; components on the loop read theirs here.
  core::TimeSource& time();
  // Runs the handlers that are ready, without waiting for more.
  void poll();
  // Simulated time only, on the thread that drives the loop: moves time
  // forward by `d`, running each timer due on the way at its own time and
  // every handler it makes ready.
  void advance(core::Duration d);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// A restartable one-shot timer. Destroying or cancelling it guarantees the
// callback will not run afterwards.
class Timer {
 public:
  explicit Timer(Loop& loop);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void start(std::chrono::milliseconds after, std::function<void()> fn);
  void cancel();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace drpilot::net
