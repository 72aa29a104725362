#include "core/hysteresis.h"

namespace drpilot::core {

bool HysteresisCounter::feed(bool ok) {
  if (ok) {
    ++ok_streak_;
    fail_streak_ = 0;
    if (state_ != Health::up && ok_streak_ >= h_.rise) {
      state_ = Health::up;
      return true;
    }
  } else {
    ++fail_streak_;
    ok_streak_ = 0;
    if (state_ != Health::down && fail_streak_ >= h_.fall) {
      state_ = Health::down;
      return true;
    }
  }
  return false;
}

bool HysteresisCounter::forget() {
  const bool changed = state_ != Health::unknown;
  state_ = Health::unknown;
  ok_streak_ = 0;
  fail_streak_ = 0;
  return changed;
}

void HysteresisCounter::restore(Health state) {
  state_ = state;
  ok_streak_ = 0;
  fail_streak_ = 0;
}

bool HysteresisCounter::pending() const {
  switch (state_) {
    case Health::up:
      return fail_streak_ > 0;
    case Health::down:
      return ok_streak_ > 0;
    case Health::unknown:
      return true;  // no verdict yet: gather evidence quickly
  }
  return false;
}

}  // namespace drpilot::core
