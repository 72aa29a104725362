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
  // Forgets samples older than `window` before `now`, per group.
  void prune(TimePoint now, const std::map<std::string, Duration>& windows);
  // The summary of every pair with samples.
  std::map<LagKey, LagStat> stats() const;

 private:
  std::map<LagKey, std::deque<LagSample>> samples_;
};

}  // namespace drpilot::core
