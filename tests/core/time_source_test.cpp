// Simulated time: both clocks move together and only when told; timers fire
// in order, each at its own time; threads blocked on it wake when time
// passes their deadline and not before. Real time only for what needs no
// measuring (a deadline already past, a stop flag).

#include "core/time_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/simulated_time.h"

namespace drpilot::core {
namespace {

using namespace std::chrono_literals;
using drpilot::testing::sleepers_at_least;
using drpilot::testing::sleepers_saw_the_time;
using drpilot::testing::wait_until;

TEST(SimulatedTime, BothClocksMoveTogetherAndOnlyWhenTold) {
  SimulatedTime time(from_ms(1'800'000'000'000));
  const SteadyTime steady = time.steady_now();
  EXPECT_EQ(time.now(), from_ms(1'800'000'000'000));
  EXPECT_NE(steady, SteadyTime{}) << "the epoch stays free to mean 'not set'";
  std::this_thread::yield();
  EXPECT_EQ(time.steady_now(), steady);
  time.advance(1500ms);
  EXPECT_EQ(time.now(), from_ms(1'800'000'001'500));
  EXPECT_EQ(time.steady_now() - steady, 1500ms);
  time.advance_to(steady);  // never back
  EXPECT_EQ(time.steady_now() - steady, 1500ms);
}

TEST(SimulatedTime, TimersFireInOrderEachAtItsOwnTime) {
  SimulatedTime time;
  const SteadyTime t0 = time.steady_now();
  std::vector<std::string> fired;
  auto record = [&](std::string name) {
    return
        [&, name] { fired.push_back(name + "@" + std::to_string((time.steady_now() - t0) / 1ms)); };
  };
  time.add_timer(t0 + 300ms, record("c"));
  time.add_timer(t0 + 100ms, record("a"));
  time.add_timer(t0 + 100ms, record("b"));  // same time: in the order added
  const auto dropped = time.add_timer(t0 + 200ms, record("dropped"));
  time.add_timer(t0 + 900ms, record("later"));
  time.cancel_timer(dropped);
  // A timer that starts another one due before the end of the move.
  time.add_timer(t0 + 150ms, [&] { time.add_timer(time.steady_now() + 100ms, record("chained")); });

  time.advance(500ms);
  EXPECT_EQ(fired, (std::vector<std::string>{"a@100", "b@100", "chained@250", "c@300"}));
  EXPECT_EQ(time.steady_now() - t0, 500ms);
  ASSERT_TRUE(time.next_timer().has_value());
  EXPECT_EQ(*time.next_timer(), t0 + 900ms);
  time.cancel_timer(dropped);  // again, and long gone: nothing happens
}

TEST(SimulatedTime, AWaitEndsWhenTimeReachesItsDeadlineAndNotBefore) {
  SimulatedTime time;
  std::mutex mutex;
  std::condition_variable cv;
  std::atomic<bool> returned{false};
  bool result = true;
  const SteadyTime until = time.steady_now() + 5min;
  std::thread waiter([&] {
    std::unique_lock lock(mutex);
    result = time.wait_until(lock, cv, until, [] { return false; });
    returned = true;
  });
  ASSERT_TRUE(sleepers_at_least(time, 1));
  time.advance(5min - 1ms);
  ASSERT_TRUE(sleepers_saw_the_time(time));
  EXPECT_FALSE(returned.load()) << "woke 1 ms early";
  time.advance(1ms);
  ASSERT_TRUE(wait_until([&] { return returned.load(); }, 30s, 1ms));
  waiter.join();
  EXPECT_FALSE(result) << "the deadline passed; the condition never held";
  EXPECT_EQ(time.sleepers(), 0);
}

TEST(SimulatedTime, AWaitEndsAtOnceWhenItsConditionIsNotified) {
  SimulatedTime time;
  std::mutex mutex;
  std::condition_variable cv;
  bool ready = false;
  std::atomic<bool> result{false};
  std::thread waiter([&] {
    std::unique_lock lock(mutex);
    result = time.wait_until(lock, cv, time.steady_now() + 1h, [&] { return ready; });
  });
  ASSERT_TRUE(sleepers_at_least(time, 1));
  {
    std::lock_guard lock(mutex);
    ready = true;
  }
  cv.notify_all();
  waiter.join();  // without any move of time
  EXPECT_TRUE(result.load());
}

TEST(SimulatedTime, ASleepEndsAtItsTimeOrWhenStopped) {
  SimulatedTime time;
  std::atomic<bool> stop{false};
  std::atomic<int> outcome{-1};
  std::thread sleeper([&] { outcome = time.sleep_until(time.steady_now() + 10s, &stop); });
  ASSERT_TRUE(sleepers_at_least(time, 1));
  time.advance(9s);
  ASSERT_TRUE(sleepers_saw_the_time(time));
  EXPECT_EQ(outcome.load(), -1);
  stop = true;
  sleeper.join();
  EXPECT_EQ(outcome.load(), 0) << "stopped, not slept out";

  std::thread sleeper2([&] { outcome = time.sleep_until(time.steady_now() + 10s, nullptr); });
  ASSERT_TRUE(sleepers_at_least(time, 1));
  time.advance(10s);
  sleeper2.join();
  EXPECT_EQ(outcome.load(), 1);
}

TEST(RealTime, ADeadlineAlreadyPastDoesNotBlockAndAStopFlagEndsASleep) {
  TimeSource& time = real_time();
  EXPECT_TRUE(time.sleep_until(time.steady_now() - 1s, nullptr));
  std::atomic<bool> stop{true};
  EXPECT_FALSE(time.sleep_until(time.steady_now() + 1h, &stop));
  std::mutex mutex;
  std::condition_variable cv;
  std::unique_lock lock(mutex);
  EXPECT_TRUE(time.wait_until(lock, cv, time.steady_now() + 1h, [] { return true; }));
  EXPECT_FALSE(time.wait_until(lock, cv, time.steady_now() - 1s, [] { return false; }));
}

}  // namespace
}  // namespace drpilot::core
