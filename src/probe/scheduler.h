#pragma once
// Runs every target's check on its own jittered timer: `interval` normally,
// `edge_interval` while a state change is pending (by its own rise/fall
// counter of the results it produced), never two checks of one target at
// once, first runs spread over the first interval. It watches its own
// timekeeping (probe/load_gauge.h): a failure that may be its loop's fault
// rather than the target's -- a timeout while the loop lagged, a local
// resource exhausted -- is set aside, never reported as an observation.
//
// One timer serves every target: due times are rounded up to a slot of a few
// milliseconds, so checks that fall due together start in one wakeup of the
// loop. At thousands of checks per second this is most of the difference
// between a context switch per check and one per batch.

#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "core/model.h"
#include "net/loop.h"
#include "probe/check.h"
#include "probe/load_gauge.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::probe {

class Scheduler {
 public:
  using Sink = std::function<void(core::Observation)>;
  using Runner =
      std::function<void(net::Loop&, const ProbeTarget&, std::function<void(CheckOutcome)>)>;

  Scheduler(net::Loop& loop, const core::Clock& clock, std::string vantage, Sink sink,
            std::uint64_t seed, Runner runner = run_check);
  ~Scheduler();

  // Replaces the set of targets. Targets that remain keep their rhythm; results
  // of checks belonging to a replaced set are discarded.
  void set_targets(const std::vector<ProbeTarget>& targets);
  void stop();
  // How well this scheduler keeps its schedule (on its loop's thread).
  LoadReport load() const;
  // Runs on every heartbeat (LoadGauge::kHeartbeat), on the loop's thread:
  // for whoever wants the load without a timer of its own.
  void on_heartbeat(std::function<void()> fn) { on_beat_ = std::move(fn); }
  // Whether a failed outcome of `check`, which started at `started`, may be
  // the loop's fault rather than the target's (see the file comment).
  static bool set_aside(const CheckOutcome& out, const config::CheckConfig& check, Millis loop_lag);

  // The delay before the next check, given how long the last one took.
  static core::Duration next_delay(const config::CheckConfig& c, bool pending, core::Duration took,
                                   double jitter_draw);

  // Due times are rounded up to a multiple of a slot: a twentieth of the
  // interval (half of what a 10 % jitter spreads), from 1 to 50 ms, on a grid
  // that every slot size shares.
  static Millis slot_for(core::Duration interval);

 private:
  struct Entry;
  struct Due {
    SteadyTime at;
    std::uint64_t seq;  // the entry's arming it belongs to: older ones are stale
    std::shared_ptr<Entry> entry;
    bool operator>(const Due& o) const { return at > o.at; }
  };
  void arm(const std::shared_ptr<Entry>& e, core::Duration delay);
  void wake_for(SteadyTime at);
  void run_due();
  void fire(const std::shared_ptr<Entry>& e);
  void beat();

  net::Loop& loop_;
  const core::Clock& clock_;
  std::string vantage_;
  Sink sink_;
  Runner runner_;
  std::mt19937_64 rng_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  net::Timer timer_;
  SteadyTime timer_at_{};  // what timer_ is armed for ({}: not armed)
  LoadGauge gauge_;
  net::Timer heartbeat_;
  std::function<void()> on_beat_;
  bool stopped_ = false;
};

}  // namespace drpilot::probe
