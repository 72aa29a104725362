// The check pool on real threads: checks run on loops of their own, so a
// control loop that is busy delays no check; their results reach the control
// loop in batches, on its thread.

#include "probe/check_pool.h"
#include "support/check_settings.h"
#include "support/run_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

namespace drpilot::probe {
namespace {

using namespace std::chrono_literals;

ProbeTarget target(const std::string& name, core::Duration interval) {
  ProbeTarget t;
  t.target = name;
  t.site = name.substr(0, name.find('/'));
  t.address = "127.0.0.1";
  test::settings(t).interval = interval;
  test::settings(t).edge_interval = interval;
  test::settings(t).jitter_percent = 0;
  return t;
}

// Every check succeeds at once, on the loop it was started on.
Scheduler::Runner instant() {
  return [](net::Loop& loop, const ProbeTarget&, std::function<void(CheckOutcome)> done) {
    loop.post([done = std::move(done)] { done({true, 1ms, "ok"}); });
  };
}

struct Received {
  std::vector<std::vector<core::Observation>> batches;
  std::set<std::thread::id> threads;
  std::size_t total() const {
    std::size_t n = 0;
    for (const auto& b : batches) n += b.size();
    return n;
  }
};

// Runs the control loop until `done` holds or 10 s pass.
bool run_until(net::Loop& loop, const std::function<bool()>& done) {
  return testing::run_loop_until(loop, done, 10s, 5ms);
}

TEST(CheckPool, ResultsArriveOnTheControlThreadFromEveryTarget) {
  net::Loop control;
  core::FakeClock clock;
  Received got;
  CheckPool pool(
      control, clock, "controller",
      [&](std::vector<core::Observation> b) {
        got.threads.insert(std::this_thread::get_id());
        got.batches.push_back(std::move(b));
      },
      7, 2, instant());
  EXPECT_EQ(pool.threads(), 2);
  std::vector<ProbeTarget> targets;
  for (int i = 0; i < 40; ++i) targets.push_back(target("s" + std::to_string(i) + "/web", 20ms));
  pool.set_targets(targets);
  std::map<std::string, int> per_target;
  ASSERT_TRUE(run_until(control, [&] {
    per_target.clear();
    for (const auto& b : got.batches)
      for (const auto& o : b) per_target[o.target]++;
    if (per_target.size() < targets.size()) return false;
    for (const auto& [t, n] : per_target)
      if (n < 3) return false;
    return true;
  }));
  EXPECT_EQ(got.threads, std::set<std::thread::id>{std::this_thread::get_id()});
  for (const auto& b : got.batches)
    for (const auto& o : b) EXPECT_EQ(o.vantage, "controller");
  PoolLoad load = pool.load();
  EXPECT_EQ(load.targets, 40u);
  EXPECT_DOUBLE_EQ(load.due_per_second, 40 * 50.0);
  pool.stop();
}

TEST(CheckPool, ABusyControlLoopDelaysNoCheckAndGetsOneBatch) {
  net::Loop control;
  core::SystemClock clock;
  Received got;
  CheckPool pool(
      control, clock, "controller",
      [&](std::vector<core::Observation> b) { got.batches.push_back(std::move(b)); }, 7, 1,
      instant());
  pool.set_targets({target("ams/web", 20ms), target("fra/web", 20ms)});
  ASSERT_TRUE(run_until(control, [&] { return got.total() >= 2; }));
  got.batches.clear();
  // The control loop is busy for 500 ms (a huge plan, a slow disk).
  const core::TimePoint busy_from = clock.now();
  control.post([] { std::this_thread::sleep_for(500ms); });
  ASSERT_TRUE(run_until(control, [&] { return !got.batches.empty(); }));
  // The checks went on meanwhile: the first batch after the pause holds the
  // results of about 25 rounds per target, stamped when they were made.
  const std::vector<core::Observation>& first = got.batches.front();
  EXPECT_GE(first.size(), 20u) << "checks waited for the control loop";
  core::TimePoint earliest = first.front().at, latest = first.front().at;
  for (const auto& o : first) {
    earliest = std::min(earliest, o.at);
    latest = std::max(latest, o.at);
  }
  EXPECT_LT(earliest - busy_from, 200ms);
  EXPECT_GE(latest - earliest, 250ms);
}

TEST(CheckPool, NothingArrivesAfterStop) {
  net::Loop control;
  core::FakeClock clock;
  Received got;
  auto pool = std::make_unique<CheckPool>(
      control, clock, "controller",
      [&](std::vector<core::Observation> b) { got.batches.push_back(std::move(b)); }, 7, 2,
      instant());
  pool->set_targets({target("ams/web", 5ms)});
  ASSERT_TRUE(run_until(control, [&] { return got.total() >= 1; }));
  // Results may be waiting for the control loop right now: stop drops them.
  std::this_thread::sleep_for(50ms);
  pool->stop();
  const std::size_t at_stop = got.total();
  pool.reset();
  net::Timer t(control);
  t.start(100ms, [&] { control.stop(); });
  control.run();
  EXPECT_EQ(got.total(), at_stop);
}

TEST(CheckPool, StopRightAfterConstructionReturns) {
  net::Loop control;
  core::FakeClock clock;
  for (int i = 0; i < 20; ++i) {
    CheckPool pool(
        control, clock, "controller", [](std::vector<core::Observation>) {}, 7, 3, instant());
    pool.stop();
  }
  SUCCEED();
}

}  // namespace
}  // namespace drpilot::probe
