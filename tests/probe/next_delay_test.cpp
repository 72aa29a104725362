// The scheduler's timing rule on its own: which interval applies, how far
// jitter may move it, and how a slow check shortens the wait.

#include <gtest/gtest.h>

#include "probe/scheduler.h"

namespace drpilot::probe {
namespace {

using namespace std::chrono_literals;

config::CheckConfig timing(core::Duration interval, core::Duration edge, int jitter_percent) {
  config::CheckConfig c;
  c.interval = interval;
  c.edge_interval = edge;
  c.jitter_percent = jitter_percent;
  return c;
}

TEST(NextDelay, IntervalWhenSettledEdgeIntervalWhilePending) {
  const config::CheckConfig c = timing(5000ms, 1666ms, 10);
  EXPECT_EQ(Scheduler::next_delay(c, false, 0ms, 0.0), 5000ms);
  EXPECT_EQ(Scheduler::next_delay(c, true, 0ms, 0.0), 1666ms);
}

TEST(NextDelay, JitterExtremesMoveByTheConfiguredPercentage) {
  const config::CheckConfig c = timing(5000ms, 2000ms, 10);
  EXPECT_EQ(Scheduler::next_delay(c, false, 0ms, -1.0), 4500ms);
  EXPECT_EQ(Scheduler::next_delay(c, false, 0ms, 1.0), 5500ms);
  EXPECT_EQ(Scheduler::next_delay(c, true, 0ms, -1.0), 1800ms);
  EXPECT_EQ(Scheduler::next_delay(c, true, 0ms, 1.0), 2200ms);
}

TEST(NextDelay, EveryDrawStaysWithinTheJitterBounds) {
  const config::CheckConfig c = timing(1000ms, 300ms, 25);
  for (int i = -100; i <= 100; ++i) {
    const double draw = i / 100.0;
    const core::Duration settled = Scheduler::next_delay(c, false, 0ms, draw);
    EXPECT_GE(settled, 750ms) << draw;
    EXPECT_LE(settled, 1250ms) << draw;
    const core::Duration edge = Scheduler::next_delay(c, true, 0ms, draw);
    EXPECT_GE(edge, 225ms) << draw;
    EXPECT_LE(edge, 375ms) << draw;
  }
}

TEST(NextDelay, NoJitterIgnoresTheDraw) {
  const config::CheckConfig c = timing(2000ms, 500ms, 0);
  for (double draw : {-1.0, -0.3, 0.0, 0.7, 1.0}) {
    EXPECT_EQ(Scheduler::next_delay(c, false, 0ms, draw), 2000ms) << draw;
    EXPECT_EQ(Scheduler::next_delay(c, true, 0ms, draw), 500ms) << draw;
  }
}

TEST(NextDelay, SlowCheckSubtractsItsDuration) {
  const config::CheckConfig c = timing(5000ms, 1000ms, 10);
  EXPECT_EQ(Scheduler::next_delay(c, false, 300ms, 0.0), 4700ms);
  EXPECT_EQ(Scheduler::next_delay(c, true, 400ms, 0.0), 600ms);
  EXPECT_EQ(Scheduler::next_delay(c, false, 300ms, 1.0), 5200ms);
}

TEST(NextDelay, CheckSlowerThanTheIntervalIsFollowedAtOnce) {
  const config::CheckConfig c = timing(5000ms, 1000ms, 10);
  EXPECT_EQ(Scheduler::next_delay(c, false, 5000ms, 0.0), 0ms);
  EXPECT_EQ(Scheduler::next_delay(c, false, 7000ms, 0.0), 0ms);
  EXPECT_EQ(Scheduler::next_delay(c, true, 2000ms, -1.0), 0ms);
  EXPECT_EQ(Scheduler::next_delay(c, false, 1h, 1.0), 0ms);
}

TEST(NextDelay, ClockSteppingBackDuringACheckDoesNotLengthenTheWait) {
  // Durations come from the wall clock, which NTP may step backwards: the
  // check then seems to have taken negative time. The next check must still
  // come within one period, not an hour later.
  const config::CheckConfig c = timing(5000ms, 1000ms, 10);
  EXPECT_EQ(Scheduler::next_delay(c, false, -1h, 0.0), 5000ms);
  EXPECT_EQ(Scheduler::next_delay(c, true, -1ms, 1.0), 1100ms);
}

}  // namespace
}  // namespace drpilot::probe
