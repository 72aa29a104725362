#pragma once
// How well a check loop keeps its schedule. Two measures, both "how late":
// each check's start against the moment it was due, and a heartbeat timer's
// firing against its own deadline (the loop's lag, which also stalls checks
// already in flight). A check that timed out while its loop lagged says
// nothing about the site: the reply may have been waiting, unread, while the
// deadline passed. Pure: time comes with the calls, so it is tested without
// a loop.

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

namespace drpilot::probe {

using SteadyTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

// Lateness over a recent window: the worst, the 99th percentile, how many.
struct Lateness {
  Millis max{0};
  Millis p99{0};
  std::uint64_t samples = 0;
};

struct LoadReport {
  Lateness start;  // checks starting after they were due
  Lateness loop;   // the loop's heartbeat
  std::uint64_t started = 0, completed = 0;
  std::uint64_t set_aside = 0;         // results not counted (total): the loop lagged, or local
  std::uint64_t set_aside_recent = 0;  // ... within the window
  double completed_per_second = 0;     // over the window's complete seconds
  Millis window{0};
};

// "" when the loops keep their schedule; otherwise one sentence that says the
// controller is overloaded and by how much. `control` is the control loop's
// own heartbeat lateness.
std::string overload_alert(const LoadReport& checks, const Lateness& control);

class LoadGauge {
 public:
  static constexpr Millis kWindow{10'000};
  static constexpr Millis kHeartbeat{50};

  // A check that was due at `due` started at `now`.
  void started(SteadyTime due, SteadyTime now);
  void completed(SteadyTime now);
  // The loop's heartbeat timer was armed for `due`; then it fired at `now`.
  void expect_heartbeat(SteadyTime due) { next_beat_ = due; }
  void heartbeat(SteadyTime now);
  // The worst loop lag seen since `since` (including the current heartbeat
  // being overdue at `now`).
  Millis loop_lag_since(SteadyTime since, SteadyTime now) const;
  void set_aside(SteadyTime now);

  LoadReport report(SteadyTime now) const;

 private:
  // One histogram per second of the window: bins of 2^i ms.
  static constexpr std::size_t kBins = 20;
  struct Second {
    std::int64_t epoch = -1;  // which second (steady seconds) it holds
    std::array<std::uint32_t, kBins> start{}, loop{};
    Millis start_max{0}, loop_max{0};
    std::uint32_t set_aside = 0, completed = 0;
  };
  Second& second(SteadyTime now);
  static std::size_t bin(Millis lateness);
  Lateness summarize(SteadyTime now, bool loop) const;

  std::array<Second, kWindow.count() / 1000> seconds_{};
  // Recent heartbeats (when they fired, how late), for loop_lag_since.
  struct Beat {
    SteadyTime at;
    Millis late;
  };
  std::deque<Beat> beats_;
  SteadyTime next_beat_{};          // when the next heartbeat is due
  std::int64_t first_second_ = -1;  // of the first completion
  std::uint64_t started_ = 0, completed_ = 0, set_aside_ = 0;
};

}  // namespace drpilot::probe
