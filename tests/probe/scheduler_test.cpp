// The scheduler on a loop on simulated time with an injected runner, so each
// test decides what a check answers and when it completes, and times are
// exact: a check due in 600 ms starts 600 ms later, however busy the machine.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/time_source.h"
#include "net/loop.h"
#include "probe/scheduler.h"
#include "support/check_settings.h"

namespace drpilot::probe {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr std::uint64_t kSeed = 20240611;

// Moves the loop's simulated time a millisecond at a time until `cond`
// holds; false when `limit` of simulated time passed first.
bool run_until(net::Loop& loop, const std::function<bool()>& cond,
               std::chrono::milliseconds limit = 10s) {
  loop.poll();
  for (std::chrono::milliseconds waited{0}; !cond(); waited += 1ms) {
    if (waited >= limit) return false;
    loop.advance(1ms);
  }
  return true;
}

void run_for(net::Loop& loop, std::chrono::milliseconds d) {
  loop.advance(d);
}

// The edge interval defaults to the interval: a new target is pending (it
// has no verdict yet), and most tests are not about the edge interval.
ProbeTarget probe_target(const std::string& name, core::Duration interval,
                         core::Duration edge_interval = 0ms, int jitter_percent = 0) {
  if (edge_interval == 0ms) edge_interval = interval;
  ProbeTarget t;
  t.target = name;
  t.site = name.substr(0, name.find('/'));
  t.address = "127.0.0.1";
  test::settings(t).name = name.substr(name.find('/') + 1);
  test::settings(t).interval = interval;
  test::settings(t).edge_interval = edge_interval;
  test::settings(t).jitter_percent = jitter_percent;
  return t;
}

// One started check: what was asked, when, and how to finish it.
struct Call {
  ProbeTarget target;
  Steady::time_point at;
  std::function<void(CheckOutcome)> done;
};

// Holds every check in flight until the test completes it.
struct HeldRunner {
  std::vector<Call> calls;

  Scheduler::Runner runner() {
    return [this](net::Loop& loop, const ProbeTarget& t, std::function<void(CheckOutcome)> done) {
      calls.push_back({t, loop.time().steady_now(), std::move(done)});
    };
  }
  std::vector<Call*> of(const std::string& target) {
    std::vector<Call*> out;
    for (Call& c : calls) {
      if (c.target.target == target) out.push_back(&c);
    }
    return out;
  }
};

// Answers every check on the next loop turn with `outcome`.
Scheduler::Runner answering(std::vector<Call>& log, CheckOutcome outcome) {
  return [&log, outcome](net::Loop& loop, const ProbeTarget& t,
                         std::function<void(CheckOutcome)> done) {
    log.push_back({t, loop.time().steady_now(), {}});
    loop.post([done = std::move(done), outcome] { done(outcome); });
  };
}

std::size_t count_for(const std::vector<core::Observation>& seen, const std::string& target) {
  return std::count_if(seen.begin(), seen.end(),
                       [&](const core::Observation& o) { return o.target == target; });
}

struct SchedulerTest : ::testing::Test {
  core::SimulatedTime time;
  net::Loop loop{time};
  // The wall clock observations are stamped with, apart from the loop's
  // time so that a test can step it back as NTP may.
  core::FakeClock clock;
  std::vector<core::Observation> seen;
  Scheduler::Sink sink() {
    return [this](core::Observation o) { seen.push_back(std::move(o)); };
  }
};

TEST_F(SchedulerTest, ObservationsCarryTheFactsOfTheCheck) {
  std::vector<Call> calls;
  Scheduler s(loop, clock, "vantage-a", sink(), kSeed,
              answering(calls, {false, 37ms, "status 503"}));
  s.set_targets({probe_target("ams/web", 50ms)});
  ASSERT_TRUE(run_until(loop, [&] { return !seen.empty(); }));
  const core::Observation& o = seen.front();
  EXPECT_EQ(o.target, "ams/web");
  EXPECT_EQ(o.vantage, "vantage-a");
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.latency, 37ms);
  EXPECT_EQ(o.detail, "status 503");
  EXPECT_EQ(o.at, clock.now());
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.front().target.address, "127.0.0.1");
  EXPECT_EQ(calls.front().target.check->name, "web");
}

TEST_F(SchedulerTest, EveryTargetIsCheckedRepeatedly) {
  std::vector<Call> calls;
  Scheduler s(loop, clock, "controller", sink(), kSeed, answering(calls, {true, 1ms, "connected"}));
  const std::vector<std::string> names{"ams/web", "ams/db", "fra/web", "fra/db", "nyc/web"};
  std::vector<ProbeTarget> targets;
  for (const std::string& n : names) targets.push_back(probe_target(n, 30ms, 30ms, 10));
  s.set_targets(targets);
  ASSERT_TRUE(run_until(loop, [&] {
    return std::all_of(names.begin(), names.end(),
                       [&](const std::string& n) { return count_for(seen, n) >= 3; });
  }));
  for (const core::Observation& o : seen) EXPECT_TRUE(o.ok);
}

TEST_F(SchedulerTest, FirstRunsSpreadOverTheFirstInterval) {
  HeldRunner held;  // never completes: each target runs exactly once
  Scheduler s(loop, clock, "controller", sink(), kSeed, held.runner());
  std::vector<ProbeTarget> targets;
  for (int i = 0; i < 12; ++i)
    targets.push_back(probe_target("s" + std::to_string(i) + "/web", 600ms));
  const Steady::time_point start = time.steady_now();
  s.set_targets(targets);
  ASSERT_TRUE(run_until(loop, [&] { return held.calls.size() == targets.size(); }));
  Steady::duration first = Steady::duration::max();
  Steady::duration last = Steady::duration::zero();
  for (const Call& c : held.calls) {
    first = std::min(first, c.at - start);
    last = std::max(last, c.at - start);
  }
  // All within the first interval (a due time is rounded up by at most a
  // twentieth of the delay), and not bunched together: twelve uniform draws
  // over 600 ms span far more than 150 ms.
  EXPECT_LT(last, 600ms + 600ms / 20);
  EXPECT_GE(last - first, 150ms);
  run_for(loop, 100ms);
  EXPECT_EQ(held.calls.size(), targets.size()) << "a check in flight was started again";
}

TEST_F(SchedulerTest, ChecksOfOneTargetNeverOverlap) {
  // Each check takes 80 ms against a 10 ms interval: the next must wait.
  std::vector<Steady::time_point> starts;
  std::vector<std::unique_ptr<net::Timer>> finishing;
  int in_flight = 0;
  int most_in_flight = 0;
  Scheduler::Runner slow = [&](net::Loop& l, const ProbeTarget&,
                               std::function<void(CheckOutcome)> done) {
    starts.push_back(l.time().steady_now());
    most_in_flight = std::max(most_in_flight, ++in_flight);
    finishing.push_back(std::make_unique<net::Timer>(l));
    finishing.back()->start(80ms, [&in_flight, done = std::move(done)] {
      --in_flight;
      done({true, 80ms, "status 200"});
    });
  };
  Scheduler s(loop, clock, "controller", sink(), kSeed, slow);
  s.set_targets({probe_target("ams/web", 10ms, 10ms)});
  ASSERT_TRUE(run_until(loop, [&] { return seen.size() >= 4; }));
  EXPECT_EQ(most_in_flight, 1);
  for (std::size_t i = 1; i < starts.size(); ++i) {
    EXPECT_GE(starts[i] - starts[i - 1], 80ms)
        << "check " << i << " started before " << i - 1 << " finished";
  }
}

TEST_F(SchedulerTest, WallClockSteppingBackDoesNotStallATarget) {
  HeldRunner held;
  Scheduler s(loop, clock, "controller", sink(), kSeed, held.runner());
  s.set_targets({probe_target("ams/web", 50ms)});
  ASSERT_TRUE(run_until(loop, [&] { return held.calls.size() == 1; }));
  clock.advance(-1h);  // e.g. an NTP step while the check was in flight
  held.calls[0].done({true, 1ms, "status 200"});
  EXPECT_TRUE(run_until(
      loop, [&] { return held.calls.size() == 2; }, 5s))
      << "the next check was pushed back by the clock step";
}

TEST_F(SchedulerTest, EdgeIntervalAppliesWhilePending) {
  // Unknown, then failing towards down: pending for the first five results
  // (fall 5), settled once down.
  std::vector<Call> calls;
  Scheduler s(loop, clock, "controller", sink(), kSeed,
              answering(calls, {false, 1ms, "connect refused"}));
  ProbeTarget t = probe_target("ams/web", 600ms, 20ms);
  test::settings(t).hysteresis = {.rise = 2, .fall = 5};
  s.set_targets({t});
  ASSERT_TRUE(run_until(loop, [&] { return calls.size() >= 7; }));
  // Start to start, rounded up to a slot of a twentieth of the interval.
  for (std::size_t i = 1; i < 5; ++i) {
    EXPECT_GE(calls[i].at - calls[i - 1].at, 20ms) << "gap " << i;
    EXPECT_LE(calls[i].at - calls[i - 1].at, 21ms) << "gap " << i << " used the long interval";
  }
  for (std::size_t i = 5; i < 7; ++i) {
    EXPECT_GE(calls[i].at - calls[i - 1].at, 600ms) << "settled target kept the edge interval";
    EXPECT_LE(calls[i].at - calls[i - 1].at, 630ms) << "gap " << i;
  }
}

TEST_F(SchedulerTest, ATimeoutWhileTheLoopStalledIsSetAsideNotReported) {
  // The check times out, but the loop was blocked for 300 ms while it was in
  // flight (time moves on while a handler runs): the result says nothing
  // about the target.
  std::vector<Call> calls;
  Scheduler::Runner stalled = [&](net::Loop& l, const ProbeTarget&,
                                  std::function<void(CheckOutcome)> done) {
    calls.push_back({});
    l.post([this, done = std::move(done), n = calls.size()] {
      if (n == 1) time.advance(300ms);  // the loop stalls
      done({false, 300ms, "timeout after 300ms (waiting for the response)", net::Failure::timeout});
    });
  };
  Scheduler s(loop, clock, "controller", sink(), kSeed, stalled);
  ProbeTarget t = probe_target("ams/web", 50ms);
  test::settings(t).timeout = 300ms;
  s.set_targets({t});
  ASSERT_TRUE(run_until(loop, [&] { return seen.size() >= 1; }));
  EXPECT_GE(calls.size(), 2u);
  EXPECT_EQ(s.load().set_aside, 1u);
  EXPECT_GE(s.load().loop.max, 300ms - LoadGauge::kHeartbeat);
}

TEST(SchedulerSetAside, OnlyFailuresThatMayBeOursAreSetAside) {
  config::CheckConfig c;
  c.timeout = 1000ms;
  using F = net::Failure;
  EXPECT_FALSE(Scheduler::set_aside({true, 1ms, "status 200"}, c, 5s));
  EXPECT_FALSE(Scheduler::set_aside({false, 1ms, "status 503", F::remote}, c, 5s));
  EXPECT_FALSE(Scheduler::set_aside({false, 1ms, "connect refused", F::remote}, c, 5s));
  EXPECT_TRUE(Scheduler::set_aside({false, 1ms, "too many open files", F::local}, c, 0ms));
  // A timeout counts unless the loop lagged by more than a tenth of it (100 ms here).
  EXPECT_FALSE(Scheduler::set_aside({false, 1s, "timeout", F::timeout}, c, 100ms));
  EXPECT_TRUE(Scheduler::set_aside({false, 1s, "timeout", F::timeout}, c, 101ms));
  // ... and at least 25 ms.
  c.timeout = 100ms;
  EXPECT_FALSE(Scheduler::set_aside({false, 100ms, "timeout", F::timeout}, c, 25ms));
  EXPECT_TRUE(Scheduler::set_aside({false, 100ms, "timeout", F::timeout}, c, 26ms));
}

TEST_F(SchedulerTest, SetTargetsKeepsRemainingTargetsAndDropsRemovedResults) {
  HeldRunner held;
  Scheduler s(loop, clock, "controller", sink(), kSeed, held.runner());
  const ProbeTarget a = probe_target("ams/web", 100ms);
  const ProbeTarget b = probe_target("fra/web", 100ms);
  const ProbeTarget c = probe_target("nyc/web", 100ms);
  s.set_targets({a, b});
  ASSERT_TRUE(run_until(loop, [&] { return held.calls.size() == 2; }));

  s.set_targets({a, c});
  ASSERT_TRUE(run_until(loop, [&] { return held.of(c.target).size() == 1; }));
  run_for(loop, 250ms);
  EXPECT_EQ(held.of(a.target).size(), 1u) << "a remaining target was restarted";

  held.of(b.target).front()->done({true, 1ms, "status 200"});
  EXPECT_EQ(count_for(seen, b.target), 0u) << "a removed target's result was kept";
  held.of(a.target).front()->done({true, 1ms, "status 200"});
  EXPECT_EQ(count_for(seen, a.target), 1u);

  // The kept target carries on with its rhythm; the removed one never runs again.
  ASSERT_TRUE(run_until(loop, [&] { return held.of(a.target).size() == 2; }));
  run_for(loop, 250ms);
  EXPECT_EQ(held.of(b.target).size(), 1u);
}

TEST_F(SchedulerTest, ReplacedTargetDropsTheOldResultAndChecksTheNewAddress) {
  HeldRunner held;
  Scheduler s(loop, clock, "controller", sink(), kSeed, held.runner());
  ProbeTarget a = probe_target("ams/web", 100ms);
  s.set_targets({a});
  ASSERT_TRUE(run_until(loop, [&] { return held.calls.size() == 1; }));

  a.address = "127.0.0.2";
  s.set_targets({a});
  ASSERT_TRUE(run_until(loop, [&] { return held.calls.size() == 2; }));
  EXPECT_EQ(held.calls[1].target.address, "127.0.0.2");

  held.calls[0].done({true, 1ms, "from the old address"});
  EXPECT_TRUE(seen.empty());
  held.calls[1].done({true, 1ms, "from the new address"});
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].detail, "from the new address");
}

TEST_F(SchedulerTest, ChangedCheckSettingsReplaceTheTarget) {
  // A reload that changes only the path (or port, interval, ...) must not count
  // the result of a check that was made with the old settings.
  HeldRunner held;
  Scheduler s(loop, clock, "controller", sink(), kSeed, held.runner());
  ProbeTarget a = probe_target("ams/web", 100ms);
  s.set_targets({a});
  ASSERT_TRUE(run_until(loop, [&] { return held.calls.size() == 1; }));

  test::settings(a).path = "/ready";
  s.set_targets({a});
  ASSERT_TRUE(run_until(loop, [&] { return held.calls.size() == 2; }));
  EXPECT_EQ(held.calls[1].target.check->path, "/ready");

  held.calls[0].done({false, 1ms, "status 404 from the old path"});
  EXPECT_TRUE(seen.empty());
  held.calls[1].done({true, 1ms, "status 200"});
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].ok);
}

TEST_F(SchedulerTest, StopHaltsEverything) {
  std::vector<Call> calls;
  Scheduler s(loop, clock, "controller", sink(), kSeed, answering(calls, {true, 1ms, "connected"}));
  s.set_targets({probe_target("ams/web", 20ms, 20ms), probe_target("fra/web", 20ms, 20ms)});
  ASSERT_TRUE(run_until(loop, [&] { return seen.size() >= 4; }));
  s.stop();
  // Answers already posted to the loop are dropped too.
  const std::size_t calls_at_stop = calls.size();
  const std::size_t seen_at_stop = seen.size();
  run_for(loop, 300ms);
  EXPECT_EQ(calls.size(), calls_at_stop);
  EXPECT_EQ(seen.size(), seen_at_stop);
}

TEST_F(SchedulerTest, ResultArrivingAfterStopIsDropped) {
  HeldRunner held;
  Scheduler s(loop, clock, "controller", sink(), kSeed, held.runner());
  s.set_targets({probe_target("ams/web", 50ms)});
  ASSERT_TRUE(run_until(loop, [&] { return held.calls.size() == 1; }));
  s.stop();
  held.calls[0].done({true, 1ms, "status 200"});
  EXPECT_TRUE(seen.empty());
  run_for(loop, 200ms);
  EXPECT_EQ(held.calls.size(), 1u);
}

TEST_F(SchedulerTest, ResultArrivingAfterDestructionIsHarmless) {
  HeldRunner held;
  {
    Scheduler s(loop, clock, "controller", sink(), kSeed, held.runner());
    s.set_targets({probe_target("ams/web", 50ms)});
    ASSERT_TRUE(run_until(loop, [&] { return held.calls.size() == 1; }));
  }
  held.calls[0].done({true, 1ms, "status 200"});
  EXPECT_TRUE(seen.empty());
}

TEST_F(SchedulerTest, SinkMayStopTheScheduler) {
  std::vector<Call> calls;
  std::unique_ptr<Scheduler> s;
  s = std::make_unique<Scheduler>(
      loop, clock, "controller",
      [&](core::Observation o) {
        seen.push_back(std::move(o));
        s->stop();
      },
      kSeed, answering(calls, {true, 1ms, "connected"}));
  s->set_targets({probe_target("ams/web", 20ms, 20ms)});
  ASSERT_TRUE(run_until(loop, [&] { return !seen.empty(); }));
  run_for(loop, 200ms);
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(calls.size(), 1u);
}

}  // namespace
}  // namespace drpilot::probe
