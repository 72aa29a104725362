#pragma once
// Runs an event loop on the test's own thread until a condition holds or a
// time limit passes, polling the condition on the loop every `step`: for
// tests whose results arrive as callbacks on that loop. Header-only: tests
// that use it link drpilot_net.

#include <chrono>
#include <functional>

#include "net/loop.h"

namespace drpilot::testing {

// True when `cond` held before `limit` passed.
inline bool run_loop_until(net::Loop& loop, const std::function<bool()>& cond,
                           std::chrono::milliseconds limit = std::chrono::seconds(10),
                           std::chrono::milliseconds step = std::chrono::milliseconds(2)) {
  net::Timer poll(loop);
  net::Timer guard(loop);
  bool met = false;
  std::function<void()> check = [&] {
    if (cond()) {
      met = true;
      loop.stop();
      return;
    }
    poll.start(step, check);
  };
  poll.start(std::chrono::milliseconds(0), check);
  guard.start(limit, [&] { loop.stop(); });
  loop.run();
  return met;
}

}  // namespace drpilot::testing
