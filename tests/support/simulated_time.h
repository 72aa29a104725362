#pragma once
// Helpers for tests on core::SimulatedTime with threads that block on it: wait
// until a worker is blocked before moving time past its deadline, and after
// moving time, until every blocked thread has looked at the new time. The
// limits are guards against a hang, never a measurement.

#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "core/time_source.h"
#include "support/process.h"

namespace drpilot::testing {

// True once at least `n` threads are blocked on `time`.
inline bool sleepers_at_least(const core::SimulatedTime& time, int n) {
  return wait_until([&] { return time.sleepers() >= n; }, std::chrono::seconds(30),
                    std::chrono::milliseconds(1));
}

// True once every thread blocked on `time` has looked at it since it last
// moved: what is still blocked saw the new time and kept waiting.
inline bool sleepers_saw_the_time(const core::SimulatedTime& time) {
  return wait_until([&] { return time.sleepers_saw_now(); }, std::chrono::seconds(30),
                    std::chrono::milliseconds(1));
}

// Moves `time` from one wake-up of a blocked thread to the next until `cond`
// holds, or until the next wake-up lies beyond `limit` of simulated time
// (false). Work between waits takes no simulated time, so the times a
// worker records are exactly the waits it chose.
inline bool pass_time_until(core::SimulatedTime& time, const std::function<bool()>& cond,
                            core::Duration limit = std::chrono::hours(1)) {
  const core::SteadyTime end = time.steady_now() + limit;
  const auto guard = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < guard) {
    if (cond()) return true;
    const std::optional<core::SteadyTime> next = time.next_wakeup();
    if (next && *next > end) return cond();
    if (next && time.sleepers_saw_now()) {
      time.advance_to(*next);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a worker is busy
    }
  }
  return cond();
}

}  // namespace drpilot::testing
