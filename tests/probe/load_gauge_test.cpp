// The load gauge on made-up times: lateness of check starts and of the
// loop's heartbeat over a sliding window, and the loop lag a check in
// flight lived through.

#include "probe/load_gauge.h"

#include <gtest/gtest.h>

namespace drpilot::probe {
namespace {

using namespace std::chrono_literals;

const SteadyTime t0 = SteadyTime{} + 1000h;

TEST(LoadGauge, NothingMeasuredReportsZero) {
  LoadGauge g;
  LoadReport r = g.report(t0);
  EXPECT_EQ(r.start.samples, 0u);
  EXPECT_EQ(r.start.max, 0ms);
  EXPECT_EQ(r.loop.p99, 0ms);
  EXPECT_EQ(r.window, LoadGauge::kWindow);
}

TEST(LoadGauge, StartLatenessHasItsWorstAndItsNinetyNinthPercentile) {
  LoadGauge g;
  // 990 checks on time (within a millisecond), ten 40 ms late, one 900 ms late.
  for (int i = 0; i < 990; ++i) g.started(t0, t0);
  for (int i = 0; i < 10; ++i) g.started(t0, t0 + 40ms);
  g.started(t0, t0 + 900ms);
  LoadReport r = g.report(t0 + 900ms);
  EXPECT_EQ(r.start.samples, 1001u);
  EXPECT_EQ(r.start.max, 900ms);
  // The 99th percentile falls in the 32..63 ms bin: reported as its upper edge.
  EXPECT_EQ(r.start.p99, 63ms);
  EXPECT_EQ(r.started, 1001u);
}

TEST(LoadGauge, AStartBeforeItsDueTimeIsNotLate) {
  LoadGauge g;
  g.started(t0 + 5ms, t0);
  EXPECT_EQ(g.report(t0).start.max, 0ms);
}

TEST(LoadGauge, OldSecondsLeaveTheWindow) {
  LoadGauge g;
  g.started(t0, t0 + 500ms);
  g.set_aside(t0);
  EXPECT_EQ(g.report(t0 + 9s).start.max, 500ms);
  EXPECT_EQ(g.report(t0 + 9s).set_aside_recent, 1u);
  LoadReport later = g.report(t0 + 11s);
  EXPECT_EQ(later.start.max, 0ms);
  EXPECT_EQ(later.start.samples, 0u);
  EXPECT_EQ(later.set_aside_recent, 0u);
  EXPECT_EQ(later.set_aside, 1u) << "the total stays";
}

TEST(LoadGauge, LoopLagSinceAStartCountsOnlyLaterHeartbeats) {
  LoadGauge g;
  g.expect_heartbeat(t0);
  g.heartbeat(t0 + 300ms);  // a 300 ms stall, before the check
  g.expect_heartbeat(t0 + 350ms);
  g.heartbeat(t0 + 352ms);
  const SteadyTime check_start = t0 + 360ms;
  g.expect_heartbeat(t0 + 402ms);
  g.heartbeat(t0 + 405ms);
  EXPECT_EQ(g.loop_lag_since(check_start, t0 + 410ms), 3ms);
  EXPECT_EQ(g.loop_lag_since(t0, t0 + 410ms), 300ms);
  EXPECT_EQ(g.report(t0 + 410ms).loop.max, 300ms);
}

TEST(LoadGauge, AnOverdueHeartbeatIsLagAlready) {
  // The loop is stuck right now: the heartbeat due 200 ms ago has not fired.
  LoadGauge g;
  g.expect_heartbeat(t0 + 50ms);
  EXPECT_EQ(g.loop_lag_since(t0, t0 + 250ms), 200ms);
  EXPECT_EQ(g.loop_lag_since(t0, t0 + 40ms), 0ms);
}

}  // namespace
}  // namespace drpilot::probe
