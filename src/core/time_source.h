#pragma once
// Where code that waits gets its time: the wall clock (it is a core::Clock),
// a monotonic clock for intervals, and blocking waits measured by it. The
// product uses real_time(); tests use SimulatedTime, where time moves only
// when the test moves it, so that a retry five minutes away costs nothing to
// test and "not before 300 ms" is checked exactly instead of racing the
// machine's scheduler (the idea of Envoy's simulated time system).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "core/time.h"

namespace drpilot::core {

using SteadyTime = std::chrono::steady_clock::time_point;

class TimeSource : public Clock {
 public:
  // Monotonic: for intervals and deadlines, never for what is journaled.
  virtual SteadyTime steady_now() const = 0;
  // With `lock` held on the mutex that guards what `ready` reads: waits on
  // `cv` until ready() holds or this source's steady time reaches `until`.
  // Returns ready(). Whoever makes ready() true notifies `cv` as usual.
  virtual bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          SteadyTime until, const std::function<bool()>& ready) = 0;
  // Blocks the calling thread until `until`, or until `*stop` (when given)
  // becomes true, which nobody signals: it is looked at every few
  // milliseconds. False when stopped.
  virtual bool sleep_until(SteadyTime until, const std::atomic<bool>* stop) = 0;
};

// The machine's clocks. One instance serves the whole process.
class RealTime final : public TimeSource {
 public:
  TimePoint now() const override;
  SteadyTime steady_now() const override;
  bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, SteadyTime until,
                  const std::function<bool()>& ready) override;
  bool sleep_until(SteadyTime until, const std::atomic<bool>* stop) override;
};
TimeSource& real_time();

// Time that moves only in advance_to()/advance(). Both clocks move together.
// Timers registered here fire on the thread that advances, in the order of
// their times (then of registration); net::Loop uses them for net::Timer when
// it runs on simulated time. Threads blocked in wait_until/sleep_until see
// the new time within a millisecond of real time (they poll it: simpler and
// safer than notifying condition variables whose mutexes are held by others).
class SimulatedTime final : public TimeSource {
 public:
  explicit SimulatedTime(TimePoint wall_start = from_ms(1'700'000'000'000));
  SimulatedTime(const SimulatedTime&) = delete;
  SimulatedTime& operator=(const SimulatedTime&) = delete;

  TimePoint now() const override;
  SteadyTime steady_now() const override;
  bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, SteadyTime until,
                  const std::function<bool()>& ready) override;
  bool sleep_until(SteadyTime until, const std::atomic<bool>* stop) override;

  // Moves time to `t` (never back), firing on the way every timer due by
  // then: each at its own time, with the clocks showing that time.
  void advance_to(SteadyTime t);
  void advance(Duration d) { advance_to(steady_now() + d); }

  using TimerId = std::uint64_t;
  TimerId add_timer(SteadyTime at, std::function<void()> fire);
  void cancel_timer(TimerId id);
  std::optional<SteadyTime> next_timer() const;

  // Threads blocked in wait_until/sleep_until right now: a test waits for a
  // worker to be waiting before it moves time past the worker's deadline.
  int sleepers() const;
  // True when every blocked thread has looked at the time since it was last
  // moved: what is still blocked then saw the new time and kept waiting, so a
  // test's "still waiting" is a fact, not a guess after a pause.
  bool sleepers_saw_now() const;
  // The earliest time a blocked thread waits for (a sleep, or a wait whose
  // condition does not hold yet): where a test moves time to wake it.
  std::optional<SteadyTime> next_wakeup() const;

 private:
  mutable std::mutex mutex_;
  SteadyTime::duration elapsed_{0};  // guarded by mutex_
  TimePoint wall_start_;
  // Keyed by (time, id): equal times fire in the order they were added.
  std::map<std::pair<SteadyTime, TimerId>, std::function<void()>> timers_;  // guarded
  std::map<TimerId, SteadyTime> timer_at_;                                  // guarded
  TimerId next_id_ = 1;                                                     // guarded
  // Each blocked thread, by a number of its own: what it waits for and the
  // move of time it saw last.
  using SleeperId = std::uint64_t;
  struct Sleeper {
    SteadyTime until;
    std::uint64_t seen = 0;
  };
  SleeperId enter(SteadyTime until);
  SteadyTime look(SleeperId id);
  void leave(SleeperId id);
  std::uint64_t moves_ = 0;                // guarded: bumped by every move of time
  std::map<SleeperId, Sleeper> sleepers_;  // guarded
  SleeperId next_sleeper_ = 1;             // guarded
};

}  // namespace drpilot::core
