#pragma once
// Time as the core sees it: wall-clock milliseconds, always read through an
// injected Clock so that every decision can be replayed deterministically.

#include <chrono>
#include <cstdint>
#include <string>

namespace drpilot::core {

using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Duration>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// The real wall clock. Wall time (not steady time) because timers such as the
// failback hold-down must survive a restart through the journal.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

// A clock that only moves when told to; for tests and simulations.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{Duration{1'700'000'000'000}}) : now_(start) {}
  TimePoint now() const override { return now_; }
  void advance(Duration d) { now_ += d; }
  void set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_;
};

inline std::int64_t to_ms(TimePoint t) {
  return t.time_since_epoch().count();
}
inline TimePoint from_ms(std::int64_t ms) {
  return TimePoint{Duration{ms}};
}

// "250ms", "10s", "1.5s", "2m", "1h30m": short and exact enough for reasons.
std::string format_duration(Duration d);
// ISO 8601 UTC with milliseconds: 2026-11-22T08:53:44.123Z
std::string format_time(TimePoint t);

}  // namespace drpilot::core
