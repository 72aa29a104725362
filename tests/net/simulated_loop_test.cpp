// net::Timer on a loop that runs on simulated time: a timer fires only when
// the test moves time past it, on the loop's thread, in order; cancelling,
// restarting or destroying it means its callback never runs.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/time_source.h"
#include "net/loop.h"

namespace drpilot::net {
namespace {

using namespace std::chrono_literals;

struct SimulatedLoop : ::testing::Test {
  core::SimulatedTime time;
  Loop loop{time};
  const core::SteadyTime t0 = time.steady_now();
  std::vector<std::string> fired;
  std::function<void()> record(std::string name) {
    return [this, name] {
      EXPECT_EQ(std::this_thread::get_id(), test_thread);
      fired.push_back(name + "@" + std::to_string((time.steady_now() - t0) / 1ms));
    };
  }
  const std::thread::id test_thread = std::this_thread::get_id();
};

TEST_F(SimulatedLoop, ATimerFiresOnlyWhenTimeIsMovedPastIt) {
  Timer t(loop);
  t.start(250ms, record("t"));
  loop.poll();
  loop.advance(249ms);
  EXPECT_TRUE(fired.empty());
  loop.advance(1ms);
  EXPECT_EQ(fired, std::vector<std::string>{"t@250"});
  EXPECT_EQ(&loop.time(), &time);
}

TEST_F(SimulatedLoop, APeriodicTimerRunsOncePerPeriodInOneLongMove) {
  Timer t(loop);
  int n = 0;
  std::function<void()> tick = [&] {
    ++n;
    t.start(100ms, tick);
  };
  t.start(100ms, tick);
  loop.advance(1s);
  EXPECT_EQ(n, 10);
}

TEST_F(SimulatedLoop, CancelledRestartedAndDestroyedTimersNeverFire) {
  Timer cancelled(loop);
  Timer restarted(loop);
  auto destroyed = std::make_unique<Timer>(loop);
  cancelled.start(10ms, record("cancelled"));
  restarted.start(10ms, record("restarted-old"));
  destroyed->start(10ms, record("destroyed"));
  cancelled.cancel();
  restarted.start(30ms, record("restarted"));
  destroyed.reset();
  loop.advance(100ms);
  EXPECT_EQ(fired, std::vector<std::string>{"restarted@30"});
}

TEST_F(SimulatedLoop, ATimerCancelledAfterItFiredButBeforeItsCallbackRanStaysSilent) {
  Timer t(loop);
  t.start(10ms, record("t"));
  time.advance(10ms);  // fired: its callback is queued on the loop
  t.cancel();
  loop.poll();
  EXPECT_TRUE(fired.empty());
}

TEST_F(SimulatedLoop, PostedWorkRunsInPollWithoutAnyMoveOfTime) {
  bool ran = false;
  loop.post([&] { ran = true; });
  loop.poll();
  EXPECT_TRUE(ran);
  EXPECT_EQ(time.steady_now(), t0);
}

TEST(RealLoop, RunsOnTheMachinesTime) {
  Loop loop;
  EXPECT_EQ(&loop.time(), &core::real_time());
  Timer t(loop);
  bool fired = false;
  t.start(0ms, [&] {
    fired = true;
    loop.stop();
  });
  loop.run();
  EXPECT_TRUE(fired);
}

}  // namespace
}  // namespace drpilot::net
