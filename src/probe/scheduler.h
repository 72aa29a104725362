#pragma once
// Runs every target's check on its own jittered timer: `interval` normally,
// `edge_interval` while a state change is pending, never two checks of one
// target at once, first runs spread over the first interval.

#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/model.h"
#include "probe/check.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::probe {

class Scheduler {
 public:
  using Sink = std::function<void(core::Observation)>;
  using Pending = std::function<bool(const std::string& target)>;
  using Runner =
      std::function<void(net::Loop&, const ProbeTarget&, std::function<void(CheckOutcome)>)>;

  Scheduler(net::Loop& loop, const core::Clock& clock, std::string vantage, Sink sink,
            Pending pending, std::uint64_t seed, Runner runner = run_check);
  ~Scheduler();

  // Replaces the set of targets. Targets that remain keep their rhythm; results
  // of checks belonging to a replaced set are discarded.
  void set_targets(const std::vector<ProbeTarget>& targets);
  void stop();

  // The delay before the next check, given how long the last one took.
  static core::Duration next_delay(const config::CheckConfig& c, bool pending, core::Duration took,
                                   double jitter_draw);

 private:
  struct Entry;
  void arm(const std::shared_ptr<Entry>& e, core::Duration delay);
  void fire(const std::shared_ptr<Entry>& e);

  net::Loop& loop_;
  const core::Clock& clock_;
  std::string vantage_;
  Sink sink_;
  Pending pending_;
  Runner runner_;
  std::mt19937_64 rng_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
};

}  // namespace drpilot::probe
