// LagBook: canary samples per (group, from, to), pruned by each group's
// window, summarised as latest / p50 / max / samples / newest_written, and the
// current lag of a stalled pair.

#include "core/lag.h"

#include <gtest/gtest.h>

#include <string>

namespace drpilot::core {
namespace {

using std::chrono::milliseconds;

const TimePoint kT0 = from_ms(1'700'000'000'000);

TimePoint at(int ms) {
  return kT0 + milliseconds(ms);
}

LagSample sample(const std::string& group, const std::string& from, const std::string& to,
                 int written_ms, int seen_ms) {
  return LagSample{group, from, to, at(written_ms), at(seen_ms)};
}

const LagKey kOrders{"orders", "eu-west-1", "eu-central-1"};

TEST(LagBook, EmptyBookHasNoStats) {
  LagBook b;
  EXPECT_TRUE(b.stats().empty());
  EXPECT_TRUE(b.stats(at(0)).empty());
}

TEST(LagBook, OneSampleIsLatestMedianAndMaximum) {
  LagBook b;
  b.add(sample("orders", "eu-west-1", "eu-central-1", 1'000, 1'250));
  auto s = b.stats();
  ASSERT_EQ(s.size(), 1u);
  const LagStat& st = s.at(kOrders);
  EXPECT_EQ(st.last, milliseconds(250));
  EXPECT_EQ(st.p50, milliseconds(250));
  EXPECT_EQ(st.max, milliseconds(250));
  EXPECT_EQ(st.samples, 1);
  EXPECT_EQ(st.last_seen, at(1'250));
  EXPECT_EQ(st.newest_written, at(1'000));
}

TEST(LagBook, SummaryOverSeveralSamples) {
  LagBook b;
  // Lags 100, 900, 300, 200, 400 (ms), in the order they were seen.
  const int lags[] = {100, 900, 300, 200, 400};
  for (int i = 0; i < 5; ++i) {
    const int written = 1'000 * (i + 1);
    b.add(sample("orders", "eu-west-1", "eu-central-1", written, written + lags[i]));
  }
  const LagStat st = b.stats().at(kOrders);
  EXPECT_EQ(st.last, milliseconds(400)) << "the newest sample, not the largest";
  EXPECT_EQ(st.p50, milliseconds(300));
  EXPECT_EQ(st.max, milliseconds(900));
  EXPECT_EQ(st.samples, 5);
  EXPECT_EQ(st.newest_written, at(5'000));
  EXPECT_EQ(st.last_seen, at(5'400));
}

TEST(LagBook, PairsAndGroupsAreKeptApart) {
  LagBook b;
  b.add(sample("orders", "eu-west-1", "eu-central-1", 0, 100));
  b.add(sample("orders", "eu-central-1", "eu-west-1", 0, 7'000));
  b.add(sample("carts", "eu-west-1", "eu-central-1", 0, 3'000));
  auto s = b.stats();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s.at(kOrders).last, milliseconds(100));
  EXPECT_EQ(s.at(LagKey{"orders", "eu-central-1", "eu-west-1"}).last, milliseconds(7'000));
  EXPECT_EQ(s.at(LagKey{"carts", "eu-west-1", "eu-central-1"}).last, milliseconds(3'000));
}

TEST(LagBook, SamplesReportedOutOfOrderAreSummarisedByWhenTheyWereSeen) {
  LagBook b;
  b.add(sample("orders", "eu-west-1", "eu-central-1", 2'000, 2'500));  // newest, 500ms
  b.add(sample("orders", "eu-west-1", "eu-central-1", 1'000, 1'100));  // late report, 100ms
  const LagStat st = b.stats().at(kOrders);
  EXPECT_EQ(st.last, milliseconds(500));
  EXPECT_EQ(st.last_seen, at(2'500));
  EXPECT_EQ(st.newest_written, at(2'000));
  // Pruning drops the old one (seen at 1.1s), not the newest.
  b.prune(at(2'200), {{"orders", milliseconds(1'000)}});
  const LagStat after = b.stats().at(kOrders);
  EXPECT_EQ(after.samples, 1);
  EXPECT_EQ(after.last, milliseconds(500));
}

TEST(LagBook, PruneUsesEachGroupsWindowMeasuredFromSeenAt) {
  LagBook b;
  b.add(sample("orders", "eu-west-1", "eu-central-1", 0, 1'000));
  b.add(sample("orders", "eu-west-1", "eu-central-1", 9'000, 10'000));
  b.add(sample("carts", "eu-west-1", "eu-central-1", 0, 1'000));
  const std::map<std::string, Duration> windows{{"orders", milliseconds(5'000)},
                                                {"carts", milliseconds(60'000)}};
  // At 6s the first orders sample (seen 5s ago) is exactly at the window: kept.
  b.prune(at(6'000), windows);
  EXPECT_EQ(b.stats().at(kOrders).samples, 2);
  b.prune(at(6'001), windows);
  EXPECT_EQ(b.stats().at(kOrders).samples, 1);
  EXPECT_EQ(b.stats().at(LagKey{"carts", "eu-west-1", "eu-central-1"}).samples, 1);
  // Once every sample of a pair is out of its window the pair disappears.
  b.prune(at(15'001), windows);
  EXPECT_EQ(b.stats().count(kOrders), 0u);
  EXPECT_EQ(b.stats().count(LagKey{"carts", "eu-west-1", "eu-central-1"}), 1u);
}

TEST(LagBook, PruneForgetsGroupsNoLongerConfigured) {
  LagBook b;
  b.add(sample("orders", "eu-west-1", "eu-central-1", 0, 100));
  b.add(sample("gone", "eu-west-1", "eu-central-1", 0, 100));
  b.prune(at(200), {{"orders", milliseconds(300'000)}});
  auto s = b.stats();
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.count(kOrders), 1u);
}

TEST(LagBook, MedianOfAnEvenCountIsOneOfTheMiddleSamples) {
  LagBook b;
  const int lags[] = {100, 200, 300, 400};
  for (int i = 0; i < 4; ++i) {
    b.add(sample("orders", "eu-west-1", "eu-central-1", 1'000 * i, 1'000 * i + lags[i]));
  }
  const LagStat st = b.stats().at(kOrders);
  EXPECT_TRUE(st.p50 == milliseconds(200) || st.p50 == milliseconds(300)) << st.p50.count();
  EXPECT_EQ(st.max, milliseconds(400));
}

TEST(LagBook, CurrentLagGrowsWhileAHeartbeatIsOnItsWay) {
  LagBook b;
  b.add(sample("orders", "eu-west-1", "eu-central-1", 1'000, 1'200));
  b.wrote("orders", "eu-west-1", at(1'000));
  b.wrote("orders", "eu-west-1", at(2'000));  // never seen in eu-central-1
  EXPECT_EQ(b.stats().at(kOrders).current, milliseconds(200)) << "without now: the last sample";
  EXPECT_EQ(b.stats(at(2'100)).at(kOrders).current, milliseconds(200))
      << "100ms on its way is less than the last sample";
  EXPECT_EQ(b.stats(at(9'000)).at(kOrders).current, milliseconds(7'000));
  EXPECT_EQ(b.stats(at(9'000)).at(kOrders).last, milliseconds(200));
  // The heartbeat arrives: the stall is over.
  b.add(sample("orders", "eu-west-1", "eu-central-1", 2'000, 9'100));
  EXPECT_EQ(b.stats(at(9'200)).at(kOrders).current, milliseconds(7'100));
  EXPECT_EQ(b.stats(at(9'200)).at(kOrders).last, milliseconds(7'100));
}

TEST(LagBook, WritesInAnotherGroupOrFromAnotherRegionDoNotCount) {
  LagBook b;
  b.add(sample("orders", "eu-west-1", "eu-central-1", 1'000, 1'200));
  b.wrote("carts", "eu-west-1", at(2'000));
  b.wrote("orders", "eu-central-1", at(2'000));
  EXPECT_EQ(b.stats(at(60'000)).at(kOrders).current, milliseconds(200));
}

}  // namespace
}  // namespace drpilot::core
