// The lab's replication order and timing, step by step on a made-up clock:
// the delay, the order per source → destination, pause and resume, regions
// that are down, and what happens after a failed delivery.

#include "lab/replicator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace drpilot::lab {
namespace {

using namespace std::chrono_literals;
using Time = Replicator::Time;
using Outcome = Replicator::Outcome;

const Time t0 = Time{} + 1000s;

Change put(const std::string& id) {
  return {"PutItem", R"({"TableName":"t","Item":{"pk":{"S":")" + id + R"("}}})"};
}

std::vector<std::string> bodies(const std::vector<Replicator::Delivery>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(d.source + ">" + d.destination + ":" + d.change.body);
  return out;
}

// Delivers everything that may go at `now`, repeatedly, and returns the
// bodies in the order they went to `destination`.
std::vector<std::string> drain(Replicator& r, Time now, const std::string& destination) {
  std::vector<std::string> got;
  for (;;) {
    auto ds = r.start(now);
    if (ds.empty()) return got;
    for (const auto& d : ds) {
      if (d.destination == destination) got.push_back(d.change.body);
      r.finish(d, Outcome::delivered);
    }
  }
}

TEST(Replicator, AWriteGoesToEveryOtherRegionAfterTheDelay) {
  Replicator r({"a", "b", "c"}, 300ms);
  r.record("a", t0, put("1"));
  EXPECT_TRUE(r.start(t0).empty());
  EXPECT_TRUE(r.start(t0 + 299ms).empty());
  ASSERT_EQ(r.next_wake(), t0 + 300ms);
  auto ds = r.start(t0 + 300ms);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].source, "a");
  EXPECT_EQ(ds[1].source, "a");
  EXPECT_NE(ds[0].destination, ds[1].destination);
  for (const auto& d : ds) {
    EXPECT_NE(d.destination, "a");
    EXPECT_EQ(d.change, put("1"));
    EXPECT_EQ(d.written, t0);
    EXPECT_EQ(d.attempt, 0);
  }
  EXPECT_EQ(r.queued("a"), 1u);
  for (const auto& d : ds) r.finish(d, Outcome::delivered);
  EXPECT_EQ(r.queued("a"), 0u);
  EXPECT_EQ(r.queued("a", "b"), 0u);
  EXPECT_FALSE(r.next_wake());
  EXPECT_TRUE(r.start(t0 + 1h).empty());
}

TEST(Replicator, ZeroDelayGoesAtOnce) {
  Replicator r({"a", "b"}, 0ms);
  r.record("b", t0, put("1"));
  EXPECT_EQ(bodies(r.start(t0)), std::vector<std::string>{"b>a:" + put("1").body});
}

TEST(Replicator, OneWriteAtATimePerPairInTheOrderWritten) {
  Replicator r({"a", "b"}, 100ms);
  r.record("a", t0, put("1"));
  r.record("a", t0 + 10ms, put("2"));
  r.record("a", t0 + 20ms, put("3"));
  EXPECT_EQ(r.queued("a", "b"), 3u);
  auto first = r.start(t0 + 1s);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].change, put("1"));
  // Until the first is finished, the pair has nothing more to give.
  EXPECT_TRUE(r.start(t0 + 1s).empty());
  EXPECT_FALSE(r.next_wake());
  r.finish(first[0], Outcome::delivered);
  EXPECT_EQ(drain(r, t0 + 1s, "b"), (std::vector<std::string>{put("2").body, put("3").body}));
}

TEST(Replicator, EachWriteWaitsForItsOwnDelay) {
  Replicator r({"a", "b"}, 100ms);
  r.record("a", t0, put("1"));
  r.record("a", t0 + 50ms, put("2"));
  auto ds = r.start(t0 + 100ms);
  ASSERT_EQ(ds.size(), 1u);
  r.finish(ds[0], Outcome::delivered);
  EXPECT_EQ(r.next_wake(), t0 + 150ms);
  EXPECT_TRUE(r.start(t0 + 149ms).empty());
  EXPECT_EQ(r.start(t0 + 150ms).size(), 1u);
}

TEST(Replicator, PairsDoNotWaitForEachOther) {
  Replicator r({"a", "b", "c"}, 100ms);
  r.record("a", t0, put("1"));
  r.record("a", t0, put("2"));
  r.record("b", t0, put("x"));
  auto ds = r.start(t0 + 100ms);
  // a>b, a>c, b>a, b>c: four pairs, one each.
  EXPECT_EQ(ds.size(), 4u);
  // a>b stays busy; the others go on.
  for (const auto& d : ds) {
    if (!(d.source == "a" && d.destination == "b")) r.finish(d, Outcome::delivered);
  }
  auto next = r.start(t0 + 100ms);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].source, "a");
  EXPECT_EQ(next[0].destination, "c");
  EXPECT_EQ(next[0].change, put("2"));
}

TEST(Replicator, APausedSourceQueuesAndResumeReleasesInOrder) {
  Replicator r({"a", "b"}, 100ms);
  r.pause("a");
  EXPECT_TRUE(r.paused("a"));
  EXPECT_FALSE(r.paused("b"));
  for (int i = 0; i < 5; ++i)
    r.record("a", t0 + std::chrono::milliseconds(i), put(std::to_string(i)));
  r.record("b", t0, put("from-b"));
  // b's writes still go; a's wait however long.
  EXPECT_EQ(bodies(r.start(t0 + 10s)), std::vector<std::string>{"b>a:" + put("from-b").body});
  EXPECT_EQ(r.queued("a"), 5u);
  EXPECT_EQ(r.queued("a", "b"), 5u);
  EXPECT_EQ(r.queued("b"), 1u);  // under way, not yet finished
  r.resume("a");
  EXPECT_FALSE(r.paused("a"));
  // The delay has long passed: everything goes now, in the order written.
  std::vector<std::string> want;
  for (int i = 0; i < 5; ++i) want.push_back(put(std::to_string(i)).body);
  EXPECT_EQ(drain(r, t0 + 10s, "b"), want);
  EXPECT_EQ(r.queued("a"), 0u);
}

TEST(Replicator, ResumeBeforeTheDelayStillWaitsForIt) {
  Replicator r({"a", "b"}, 300ms);
  r.pause("a");
  r.record("a", t0, put("1"));
  EXPECT_FALSE(r.next_wake());
  r.resume("a");
  EXPECT_EQ(r.next_wake(), t0 + 300ms);
  EXPECT_TRUE(r.start(t0 + 100ms).empty());
  EXPECT_EQ(r.start(t0 + 300ms).size(), 1u);
}

TEST(Replicator, PauseDoesNotRecallAWriteUnderWay) {
  Replicator r({"a", "b"}, 0ms);
  r.record("a", t0, put("1"));
  r.record("a", t0, put("2"));
  auto ds = r.start(t0);
  ASSERT_EQ(ds.size(), 1u);
  r.pause("a");
  r.finish(ds[0], Outcome::delivered);
  EXPECT_TRUE(r.start(t0 + 1s).empty());
  EXPECT_EQ(r.queued("a"), 1u);
}

TEST(Replicator, AHeldDestinationTakesNothingUntilReleased) {
  Replicator r({"a", "b", "c"}, 100ms);
  r.hold("b");
  EXPECT_TRUE(r.held("b"));
  r.record("a", t0, put("1"));
  r.record("a", t0, put("2"));
  r.record("b", t0, put("from-b"));
  // a → c goes on; b's own writes still go out; nothing goes into b.
  std::vector<std::string> went;
  for (const auto& d : r.start(t0 + 1s)) {
    went.push_back(d.source + ">" + d.destination);
    r.finish(d, Outcome::delivered);
  }
  std::sort(went.begin(), went.end());
  EXPECT_EQ(went, (std::vector<std::string>{"a>c", "b>a", "b>c"}));
  EXPECT_EQ(r.queued("a", "b"), 2u);
  r.release("b");
  EXPECT_FALSE(r.held("b"));
  EXPECT_EQ(drain(r, t0 + 1s, "b"), (std::vector<std::string>{put("1").body, put("2").body}));
}

TEST(Replicator, ARetryIsTheSameWriteNotBeforeTheTimeGiven) {
  Replicator r({"a", "b"}, 100ms);
  r.record("a", t0, put("1"));
  r.record("a", t0, put("2"));
  auto ds = r.start(t0 + 100ms);
  ASSERT_EQ(ds.size(), 1u);
  r.finish(ds[0], Outcome::retry, t0 + 500ms);
  EXPECT_EQ(r.next_wake(), t0 + 500ms);
  EXPECT_TRUE(r.start(t0 + 499ms).empty());
  auto again = r.start(t0 + 500ms);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].change, put("1"));
  EXPECT_EQ(again[0].id, ds[0].id);
  EXPECT_EQ(again[0].attempt, 1);
  r.finish(again[0], Outcome::retry, t0 + 600ms);
  again = r.start(t0 + 600ms);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 2);
  r.finish(again[0], Outcome::delivered);
  // The next write starts afresh.
  auto next = r.start(t0 + 600ms);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].change, put("2"));
  EXPECT_EQ(next[0].attempt, 0);
}

TEST(Replicator, ADroppedWriteLeavesTheQueueAndTheNextGoes) {
  Replicator r({"a", "b"}, 0ms);
  r.record("a", t0, put("1"));
  r.record("a", t0, put("2"));
  auto ds = r.start(t0);
  r.finish(ds.at(0), Outcome::retry, t0 + 10ms);
  ds = r.start(t0 + 10ms);
  r.finish(ds.at(0), Outcome::dropped);
  EXPECT_EQ(r.queued("a", "b"), 1u);
  ds = r.start(t0 + 10ms);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].change, put("2"));
  EXPECT_EQ(ds[0].attempt, 0);
}

TEST(Replicator, AStaleFinishIsIgnored) {
  Replicator r({"a", "b"}, 0ms);
  r.record("a", t0, put("1"));
  auto ds = r.start(t0);
  ASSERT_EQ(ds.size(), 1u);
  Replicator::Delivery stale = ds[0];
  stale.id += 100;
  r.finish(stale, Outcome::delivered);
  EXPECT_EQ(r.queued("a", "b"), 1u);
  Replicator::Delivery unknown = ds[0];
  unknown.destination = "z";
  r.finish(unknown, Outcome::delivered);
  EXPECT_EQ(r.queued("a", "b"), 1u);
  r.finish(ds[0], Outcome::delivered);
  EXPECT_EQ(r.queued("a", "b"), 0u);
  // Finishing it twice does not take the next one's place.
  r.record("a", t0, put("2"));
  r.finish(ds[0], Outcome::delivered);
  EXPECT_EQ(r.queued("a", "b"), 1u);
}

TEST(Replicator, AReservedPlaceHoldsTheOrderUntilFilled) {
  Replicator r({"a", "b"}, 100ms);
  const auto ticket = r.reserve("a", t0);
  r.record("a", t0 + 1ms, put("after"));
  EXPECT_EQ(r.queued("a", "b"), 2u);
  // The later write may not overtake the one whose image is being read.
  EXPECT_TRUE(r.start(t0 + 1s).empty());
  EXPECT_FALSE(r.next_wake());
  r.fill(ticket, put("image"));
  EXPECT_EQ(r.next_wake(), t0 + 100ms);
  EXPECT_EQ(drain(r, t0 + 1s, "b"),
            (std::vector<std::string>{put("image").body, put("after").body}));
}

TEST(Replicator, AReservedPlaceGivenUpIsSkipped) {
  Replicator r({"a", "b", "c"}, 0ms);
  const auto ticket = r.reserve("a", t0);
  r.record("a", t0, put("after"));
  r.fill(ticket, std::nullopt);
  EXPECT_EQ(r.queued("a", "b"), 1u);
  EXPECT_EQ(drain(r, t0, "c"), std::vector<std::string>{put("after").body});
  // Filling twice, or an unknown ticket, changes nothing.
  r.fill(ticket, put("late"));
  r.fill(12345, put("unknown"));
  EXPECT_EQ(r.queued("a"), 0u);
  EXPECT_TRUE(r.start(t0 + 1s).empty());
}

TEST(Replicator, AReservedPlaceInTheMiddleIsSkippedWhenGivenUp) {
  Replicator r({"a", "b"}, 0ms);
  r.record("a", t0, put("1"));
  const auto ticket = r.reserve("a", t0);
  r.record("a", t0, put("3"));
  auto ds = r.start(t0);
  ASSERT_EQ(ds.size(), 1u);
  r.fill(ticket, std::nullopt);
  r.finish(ds[0], Outcome::delivered);
  EXPECT_EQ(drain(r, t0, "b"), std::vector<std::string>{put("3").body});
}

TEST(Replicator, UnknownRegionsAreHarmless) {
  Replicator r({"a", "b"}, 0ms);
  r.record("z", t0, put("1"));
  EXPECT_EQ(r.queued("z"), 0u);
  EXPECT_EQ(r.queued("a", "z"), 0u);
  EXPECT_TRUE(r.start(t0).empty());
  EXPECT_EQ(r.regions(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.delay(), 0ms);
}

}  // namespace
}  // namespace drpilot::lab
