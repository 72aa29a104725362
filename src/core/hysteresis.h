#pragma once
// One vantage's running opinion of one target: consecutive-result counting.

#include "core/model.h"

namespace drpilot::core {

class HysteresisCounter {
 public:
  explicit HysteresisCounter(Hysteresis h) : h_(h) {}

  // Feeds one result; returns true when the state changed.
  bool feed(bool ok);
  // An inconclusive result: the vantage could not look, so what it saw
  // before says nothing about now. The state becomes unknown with no streak;
  // `rise` successes or `fall` failures decide again. Returns true when the
  // state changed.
  bool forget();
  // Feeds an observation's result: forget() when inconclusive, else feed().
  bool observe(const Observation& o) { return o.inconclusive ? forget() : feed(o.ok); }
  // Seeds the state (from the journal) with no streak in progress.
  void restore(Health state);

  Health state() const { return state_; }
  // A transition has started but not finished: the scheduler probes faster.
  bool pending() const;
  int ok_streak() const { return ok_streak_; }
  int fail_streak() const { return fail_streak_; }
  const Hysteresis& params() const { return h_; }
  void set_params(Hysteresis h) { h_ = h; }

 private:
  Hysteresis h_;
  Health state_ = Health::unknown;
  int ok_streak_ = 0;
  int fail_streak_ = 0;
};

}  // namespace drpilot::core
