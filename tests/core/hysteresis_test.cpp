// HysteresisCounter: one vantage's consecutive-result counting (HAProxy-style
// rise/fall), including the `pending` signal the scheduler uses to probe faster.

#include "core/hysteresis.h"

#include <gtest/gtest.h>

#include <vector>

namespace drpilot::core {
namespace {

// Feeds a sequence and returns what feed() reported for each result.
std::vector<bool> feed_all(HysteresisCounter& c, const std::vector<bool>& results) {
  std::vector<bool> changed;
  for (bool ok : results) changed.push_back(c.feed(ok));
  return changed;
}

TEST(Hysteresis, StartsUnknownAndPending) {
  HysteresisCounter c({.rise = 2, .fall = 3});
  EXPECT_EQ(c.state(), Health::unknown);
  EXPECT_TRUE(c.pending());
  EXPECT_EQ(c.ok_streak(), 0);
  EXPECT_EQ(c.fail_streak(), 0);
  EXPECT_EQ(c.params().rise, 2);
  EXPECT_EQ(c.params().fall, 3);
}

TEST(Hysteresis, RisesFromUnknownAfterRiseSuccesses) {
  HysteresisCounter c({.rise = 2, .fall = 3});
  EXPECT_FALSE(c.feed(true));
  EXPECT_EQ(c.state(), Health::unknown);
  EXPECT_TRUE(c.pending());
  EXPECT_TRUE(c.feed(true));
  EXPECT_EQ(c.state(), Health::up);
  EXPECT_FALSE(c.pending());
  EXPECT_EQ(c.ok_streak(), 2);
}

TEST(Hysteresis, FallsFromUnknownAfterFallFailures) {
  HysteresisCounter c({.rise = 2, .fall = 3});
  EXPECT_EQ(feed_all(c, {false, false, false}), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(c.state(), Health::down);
  EXPECT_FALSE(c.pending());
  EXPECT_EQ(c.fail_streak(), 3);
}

TEST(Hysteresis, FallsFromUpOnlyOnTheFallthFailure) {
  HysteresisCounter c({.rise = 2, .fall = 3});
  feed_all(c, {true, true});
  ASSERT_EQ(c.state(), Health::up);
  EXPECT_FALSE(c.feed(false));
  EXPECT_EQ(c.state(), Health::up);
  EXPECT_TRUE(c.pending());
  EXPECT_FALSE(c.feed(false));
  EXPECT_EQ(c.state(), Health::up);
  EXPECT_TRUE(c.pending());
  EXPECT_TRUE(c.feed(false));
  EXPECT_EQ(c.state(), Health::down);
  EXPECT_FALSE(c.pending());
}

TEST(Hysteresis, RisesFromDownOnlyOnTheRisethSuccess) {
  HysteresisCounter c({.rise = 3, .fall = 1});
  c.feed(false);
  ASSERT_EQ(c.state(), Health::down);
  EXPECT_FALSE(c.feed(true));
  EXPECT_TRUE(c.pending());
  EXPECT_FALSE(c.feed(true));
  EXPECT_TRUE(c.pending());
  EXPECT_TRUE(c.feed(true));
  EXPECT_EQ(c.state(), Health::up);
  EXPECT_FALSE(c.pending());
}

TEST(Hysteresis, ASuccessResetsTheFailureStreak) {
  HysteresisCounter c({.rise = 1, .fall = 3});
  c.feed(true);
  ASSERT_EQ(c.state(), Health::up);
  feed_all(c, {false, false, true, false, false, true, false, false});
  EXPECT_EQ(c.state(), Health::up);
  EXPECT_EQ(c.fail_streak(), 2);
  EXPECT_EQ(c.ok_streak(), 0);
  EXPECT_TRUE(c.pending());
  c.feed(true);
  EXPECT_FALSE(c.pending());
}

TEST(Hysteresis, AFailureResetsTheSuccessStreak) {
  HysteresisCounter c({.rise = 3, .fall = 1});
  c.feed(false);
  ASSERT_EQ(c.state(), Health::down);
  feed_all(c, {true, true, false, true, true, false});
  EXPECT_EQ(c.state(), Health::down);
  EXPECT_EQ(c.fail_streak(), 1);
  EXPECT_FALSE(c.pending());
}

TEST(Hysteresis, RiseAndFallOfOneFollowEveryResult) {
  HysteresisCounter c({.rise = 1, .fall = 1});
  EXPECT_TRUE(c.feed(true));
  EXPECT_EQ(c.state(), Health::up);
  EXPECT_TRUE(c.feed(false));
  EXPECT_EQ(c.state(), Health::down);
  EXPECT_TRUE(c.feed(true));
  EXPECT_EQ(c.state(), Health::up);
  EXPECT_FALSE(c.feed(true));
  EXPECT_EQ(c.state(), Health::up);
  EXPECT_FALSE(c.pending());
  EXPECT_TRUE(c.feed(false));
  EXPECT_FALSE(c.feed(false));
  EXPECT_EQ(c.state(), Health::down);
  EXPECT_FALSE(c.pending());
}

TEST(Hysteresis, FallOfOneFromUnknown) {
  HysteresisCounter c({.rise = 5, .fall = 1});
  EXPECT_TRUE(c.feed(false));
  EXPECT_EQ(c.state(), Health::down);
}

TEST(Hysteresis, AlternatingResultsNeverLeaveUnknown) {
  HysteresisCounter c({.rise = 2, .fall = 2});
  for (int i = 0; i < 50; ++i) {
    EXPECT_FALSE(c.feed(i % 2 == 0));
    EXPECT_EQ(c.state(), Health::unknown);
    EXPECT_TRUE(c.pending());
  }
}

TEST(Hysteresis, AlternatingResultsKeepUpAndStayPendingOnFailures) {
  HysteresisCounter c({.rise = 2, .fall = 2});
  feed_all(c, {true, true});
  ASSERT_EQ(c.state(), Health::up);
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(c.feed(false));
    EXPECT_EQ(c.state(), Health::up);
    EXPECT_TRUE(c.pending());
    EXPECT_FALSE(c.feed(true));
    EXPECT_EQ(c.state(), Health::up);
    EXPECT_FALSE(c.pending());
  }
}

TEST(Hysteresis, AlternatingResultsKeepDown) {
  HysteresisCounter c({.rise = 2, .fall = 2});
  feed_all(c, {false, false});
  ASSERT_EQ(c.state(), Health::down);
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(c.feed(true));
    EXPECT_TRUE(c.pending());
    EXPECT_FALSE(c.feed(false));
    EXPECT_FALSE(c.pending());
    EXPECT_EQ(c.state(), Health::down);
  }
}

TEST(Hysteresis, StreaksKeepCountingPastTheThreshold) {
  HysteresisCounter c({.rise = 2, .fall = 3});
  std::vector<bool> changed = feed_all(c, {true, true, true, true, true});
  EXPECT_EQ(changed, (std::vector<bool>{false, true, false, false, false}));
  EXPECT_EQ(c.ok_streak(), 5);
  EXPECT_EQ(c.fail_streak(), 0);
}

TEST(Hysteresis, FeedReportsEachTransitionExactlyOnce) {
  HysteresisCounter c({.rise = 2, .fall = 2});
  std::vector<bool> changed =
      feed_all(c, {true, true, true, false, false, false, true, false, true, true});
  EXPECT_EQ(changed,
            (std::vector<bool>{false, true, false, false, true, false, false, false, false, true}));
  EXPECT_EQ(c.state(), Health::up);
}

TEST(Hysteresis, RestoreSeedsStateWithoutAStreak) {
  HysteresisCounter c({.rise = 2, .fall = 3});
  feed_all(c, {false, false});
  c.restore(Health::up);
  EXPECT_EQ(c.state(), Health::up);
  EXPECT_EQ(c.ok_streak(), 0);
  EXPECT_EQ(c.fail_streak(), 0);
  EXPECT_FALSE(c.pending());
  // The two failures before the restore do not count towards `fall`.
  EXPECT_FALSE(c.feed(false));
  EXPECT_FALSE(c.feed(false));
  EXPECT_EQ(c.state(), Health::up);
  EXPECT_TRUE(c.feed(false));
  EXPECT_EQ(c.state(), Health::down);
}

TEST(Hysteresis, RestoreDownNeedsRiseSuccessesToComeUp) {
  HysteresisCounter c({.rise = 2, .fall = 3});
  c.restore(Health::down);
  EXPECT_FALSE(c.pending());
  EXPECT_FALSE(c.feed(true));
  EXPECT_EQ(c.state(), Health::down);
  EXPECT_TRUE(c.pending());
  EXPECT_TRUE(c.feed(true));
  EXPECT_EQ(c.state(), Health::up);
}

TEST(Hysteresis, RestoreUnknownIsPending) {
  HysteresisCounter c({.rise = 2, .fall = 3});
  feed_all(c, {true, true});
  c.restore(Health::unknown);
  EXPECT_EQ(c.state(), Health::unknown);
  EXPECT_TRUE(c.pending());
}

TEST(Hysteresis, NewParamsApplyToTheStreakInProgress) {
  HysteresisCounter c({.rise = 2, .fall = 3});
  feed_all(c, {true, true, false, false});
  ASSERT_EQ(c.state(), Health::up);
  c.set_params({.rise = 2, .fall = 2});
  EXPECT_EQ(c.params().fall, 2);
  EXPECT_TRUE(c.feed(false));  // the streak is now 3, past the new fall of 2
  EXPECT_EQ(c.state(), Health::down);
}

// An inconclusive result (the vantage could not look) is neither a success
// nor a failure: what was seen before says nothing about now.
TEST(Hysteresis, AnInconclusiveResultForgetsTheStateAndTheStreaks) {
  HysteresisCounter c({.rise = 2, .fall = 2});
  feed_all(c, {true, true});
  ASSERT_EQ(c.state(), Health::up);
  c.feed(false);
  EXPECT_TRUE(c.forget());
  EXPECT_EQ(c.state(), Health::unknown);
  EXPECT_EQ(c.ok_streak(), 0);
  EXPECT_EQ(c.fail_streak(), 0);
  EXPECT_TRUE(c.pending());
  EXPECT_FALSE(c.forget());  // already unknown
  // Any number of them never makes it down.
  for (int i = 0; i < 10; ++i) c.forget();
  EXPECT_EQ(c.state(), Health::unknown);
  // A failure after the gap starts a new streak: `fall` of them decide.
  EXPECT_FALSE(c.feed(false));
  EXPECT_TRUE(c.feed(false));
  EXPECT_EQ(c.state(), Health::down);

  Observation o;
  o.ok = false;
  o.inconclusive = true;
  EXPECT_TRUE(c.observe(o));
  EXPECT_EQ(c.state(), Health::unknown);
  o.inconclusive = false;
  c.observe(o);
  EXPECT_EQ(c.fail_streak(), 1);
}

}  // namespace
}  // namespace drpilot::core
