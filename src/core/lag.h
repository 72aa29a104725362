#pragma once
// Replication lag as the canary measures it: each region's heartbeat item,
// written with the controller's clock, and the moment it is first seen in
// every other region. Samples are kept per table group and region pair over
// a window; the planner reads the summary (latest, p50, max).

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "core/time.h"

namespace drpilot::core {

struct LagSample {
  std::string group;
  std::string from, to;    // source and destination data regions
  TimePoint written_at{};  // when the heartbeat was written in `from`
  TimePoint seen_at{};     // when it was first read in `to`
  Duration lag() const { return seen_at - written_at; }
};

struct LagStat {
  Duration last{0};  // the newest sample
  // The lag as it stands: `last`, or, when a heartbeat written in `from` has
  // not reached `to` for longer than that, how long it has been on its way.
  // A stalled replication shows here (it yields no samples).
  Duration current{0};
  Duration p50{0};
  Duration max{0};
  int samples = 0;             // within the window
  TimePoint last_seen{};       // when the newest sample was taken
  TimePoint newest_written{};  // the write time of the newest heartbeat seen in `to`
};

using LagKey = std::tuple<std::string, std::string, std::string>;  // group, from, to

class LagBook {
 public:
  void add(const LagSample& s);
  // The canary wrote a heartbeat in `from` at `at`: until it is seen
  // elsewhere it counts toward the current lag there.
  void wrote(const std::string& group, const std::string& from, TimePoint at);
  // Forgets samples older than `window` before `now`, per group.
  void prune(TimePoint now, const std::map<std::string, Duration>& windows);
  // The summary of every pair with samples; `current` as of `now` (without
  // `now`, `current` is `last`).
  std::map<LagKey, LagStat> stats() const;
  std::map<LagKey, LagStat> stats(TimePoint now) const;

 private:
  using Source = std::pair<std::string, std::string>;  // group, from
  std::map<LagKey, std::deque<LagSample>> samples_;
  std::map<Source, std::deque<TimePoint>> writes_;
};

}  // namespace drpilot::core
