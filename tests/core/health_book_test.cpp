// HealthBook: per target x vantage hysteresis, a verdict by quorum over the
// vantages whose last observation is within `freshness`, and restore().

#include "core/health_book.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace drpilot::core {
namespace {

using std::chrono::milliseconds;

const TimePoint T0 = from_ms(1'700'000'000'000);
constexpr Duration kFresh{5'000};
constexpr Hysteresis kH{.rise = 2, .fall = 3};

Observation obs(const std::string& target, const std::string& vantage, bool ok, TimePoint at,
                std::string detail = "") {
  Observation o;
  o.target = target;
  o.vantage = vantage;
  o.ok = ok;
  o.at = at;
  o.latency = milliseconds(ok ? 12 : 200);
  o.detail = detail.empty() ? (ok ? "status 200" : "timeout after 200ms") : std::move(detail);
  return o;
}

// Feeds `n` identical results from one vantage, one second apart from `start`;
// returns the time of the last one.
TimePoint feed(HealthBook& book, const std::string& target, const std::string& vantage, bool ok,
               int n, TimePoint start) {
  TimePoint t = start;
  for (int i = 0; i < n; ++i) {
    t = start + milliseconds(1'000 * i);
    book.observe(obs(target, vantage, ok, t));
  }
  return t;
}

TEST(HealthBook, UndeclaredTargetsAreIgnored) {
  HealthBook book(kFresh);
  EXPECT_FALSE(book.has_target("ams/web"));
  EXPECT_EQ(book.observe(obs("ams/web", "controller", false, T0)), std::nullopt);
  EXPECT_FALSE(book.has_target("ams/web"));
  EXPECT_TRUE(book.targets().empty());
  EXPECT_EQ(book.verdict("ams/web").state, Health::unknown);
  EXPECT_EQ(book.verdict("ams/web").reason, "not a known target");
  EXPECT_FALSE(book.pending("ams/web", "controller"));
}

TEST(HealthBook, DeclaredTargetStartsUnknown) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  EXPECT_TRUE(book.has_target("ams/web"));
  EXPECT_EQ(book.verdict("ams/web").state, Health::unknown);
  EXPECT_TRUE(book.pending("ams/web", "controller"));  // no evidence yet
  EXPECT_TRUE(book.refresh(T0).empty());
  EXPECT_EQ(book.verdict("ams/web").reason, "no observation yet");
}

TEST(HealthBook, RisesAfterRiseSuccessesAndReportsTheChange) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  EXPECT_EQ(book.observe(obs("ams/web", "controller", true, T0)), std::nullopt);
  EXPECT_EQ(book.verdict("ams/web").state, Health::unknown);
  EXPECT_TRUE(book.pending("ams/web", "controller"));

  const TimePoint t1 = T0 + milliseconds(1'000);
  auto change = book.observe(obs("ams/web", "controller", true, t1));
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->subject, "ams/web");
  EXPECT_EQ(change->before.state, Health::unknown);
  EXPECT_EQ(change->after.state, Health::up);
  EXPECT_EQ(change->after.since, t1);
  EXPECT_FALSE(change->after.reason.empty());
  EXPECT_EQ(book.verdict("ams/web").state, Health::up);
  EXPECT_EQ(book.verdict("ams/web").since, t1);
  EXPECT_EQ(book.verdict("ams/web").latency, milliseconds(12));
  EXPECT_FALSE(book.pending("ams/web", "controller"));
}

TEST(HealthBook, FallsOnTheFallthFailureWithTheDetailInTheReason) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  TimePoint t = feed(book, "ams/web", "controller", true, 2, T0);
  ASSERT_EQ(book.verdict("ams/web").state, Health::up);
  for (int i = 1; i <= 2; ++i) {
    EXPECT_EQ(book.observe(
                  obs("ams/web", "controller", false, t + milliseconds(1'000 * i), "status 503")),
              std::nullopt);
    EXPECT_EQ(book.verdict("ams/web").state, Health::up);
    EXPECT_TRUE(book.pending("ams/web", "controller"));
  }
  const TimePoint t3 = t + milliseconds(3'000);
  auto change = book.observe(obs("ams/web", "controller", false, t3, "status 503"));
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->before.state, Health::up);
  EXPECT_EQ(change->after.state, Health::down);
  EXPECT_EQ(book.verdict("ams/web").since, t3);
  EXPECT_NE(book.verdict("ams/web").reason.find("status 503"), std::string::npos)
      << book.verdict("ams/web").reason;
  EXPECT_NE(book.verdict("ams/web").reason.find("3 consecutive failures"), std::string::npos)
      << book.verdict("ams/web").reason;
}

TEST(HealthBook, SinceChangesOnlyWhenTheStateChanges) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  TimePoint t = feed(book, "ams/web", "controller", true, 2, T0);
  const TimePoint up_since = book.verdict("ams/web").since;
  EXPECT_EQ(up_since, t);
  // More successes, a failure streak short of `fall`, refreshes: no new `since`.
  t = feed(book, "ams/web", "controller", true, 10, t + milliseconds(1'000));
  t = feed(book, "ams/web", "controller", false, 2, t + milliseconds(1'000));
  book.observe(obs("ams/web", "controller", true, t + milliseconds(1'000)));
  EXPECT_TRUE(book.refresh(t + milliseconds(2'000)).empty());
  EXPECT_EQ(book.verdict("ams/web").state, Health::up);
  EXPECT_EQ(book.verdict("ams/web").since, up_since);
}

TEST(HealthBook, RiseAndFallOfOne) {
  HealthBook book(kFresh);
  book.add_target("ams/web", {.rise = 1, .fall = 1});
  EXPECT_TRUE(book.observe(obs("ams/web", "controller", true, T0)).has_value());
  EXPECT_EQ(book.verdict("ams/web").state, Health::up);
  EXPECT_TRUE(book.observe(obs("ams/web", "controller", false, T0 + milliseconds(1))).has_value());
  EXPECT_EQ(book.verdict("ams/web").state, Health::down);
  EXPECT_EQ(book.verdict("ams/web").since, T0 + milliseconds(1));
}

TEST(HealthBook, AlternatingResultsKeepTheVerdictUnknown) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(book.observe(obs("ams/web", "controller", i % 2 == 0, T0 + milliseconds(500 * i))),
              std::nullopt);
  }
  EXPECT_EQ(book.verdict("ams/web").state, Health::unknown);
}

TEST(HealthBook, OneOfThreeVantagesDownIsNotDown) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  for (const char* v : {"controller", "agent-1", "agent-2"}) feed(book, "ams/web", v, true, 2, T0);
  ASSERT_EQ(book.verdict("ams/web").state, Health::up);
  feed(book, "ams/web", "agent-1", false, 5, T0 + milliseconds(2'000));
  EXPECT_EQ(book.verdict("ams/web").state, Health::up);
  EXPECT_NE(book.verdict("ams/web").reason.find("not a majority"), std::string::npos)
      << book.verdict("ams/web").reason;
}

TEST(HealthBook, TwoOfThreeVantagesDownIsDown) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  for (const char* v : {"controller", "agent-1", "agent-2"}) feed(book, "ams/web", v, true, 2, T0);
  feed(book, "ams/web", "agent-1", false, 3, T0 + milliseconds(2'000));
  EXPECT_EQ(book.verdict("ams/web").state, Health::up);
  // agent-2's second failure: it is not down yet (fall = 3).
  feed(book, "ams/web", "agent-2", false, 2, T0 + milliseconds(2'000));
  EXPECT_EQ(book.verdict("ams/web").state, Health::up);
  auto change = book.observe(obs("ams/web", "agent-2", false, T0 + milliseconds(4'000)));
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->after.state, Health::down);
  EXPECT_EQ(change->after.since, T0 + milliseconds(4'000));
  EXPECT_NE(change->after.reason.find("2 of 3 vantages"), std::string::npos)
      << change->after.reason;
}

TEST(HealthBook, ASitesOwnAgentIsHeardButDoesNotDecide) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH, "ams");
  book.add_target("eu-west-1/table", kH);  // a data region's: nobody is inside it
  book.set_vantage_sites({{"ams-agent", "ams"}, {"nyc-agent", "nyc"}});
  // Every outside path to ams is gone; inside, it works.
  for (const char* v : {"controller", "nyc-agent"}) feed(book, "ams/web", v, false, 3, T0);
  feed(book, "ams/web", "ams-agent", true, 3, T0);
  EXPECT_EQ(book.verdict("ams/web").state, Health::down);
  EXPECT_EQ(book.verdict("ams/web").reason,
            "2 of 2 external vantages see it down: controller: timeout after 200ms; nyc-agent: "
            "timeout after 200ms; its own agent sees it up");
  // For a data region, an agent is one more vantage like any other.
  feed(book, "eu-west-1/table", "controller", false, 3, T0);
  feed(book, "eu-west-1/table", "ams-agent", true, 3, T0);
  EXPECT_EQ(book.verdict("eu-west-1/table").state, Health::up);
}

TEST(HealthBook, OneExternalVantageOfTwoIsNoMajorityWhateverTheSiteSeesInside) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH, "ams");
  book.set_vantage_sites({{"ams-agent", "ams"}, {"nyc-agent", "nyc"}});
  feed(book, "ams/web", "controller", false, 3, T0);
  feed(book, "ams/web", "nyc-agent", true, 3, T0);
  feed(book, "ams/web", "ams-agent", true, 3, T0);
  EXPECT_EQ(book.verdict("ams/web").state, Health::up);
  EXPECT_NE(book.verdict("ams/web").reason.find("only 1 of 2 external vantages sees it down"),
            std::string::npos)
      << book.verdict("ams/web").reason;
}

TEST(HealthBook, StaleVantagesStopVoting) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  // agent-1 and agent-2 see it down at T0..T0+2s, the controller keeps seeing it up.
  feed(book, "ams/web", "agent-1", false, 3, T0);
  feed(book, "ams/web", "agent-2", false, 3, T0);
  feed(book, "ams/web", "controller", true, 2, T0);
  EXPECT_EQ(book.verdict("ams/web").state, Health::down);

  // The agents go quiet; the controller keeps reporting. Exactly `freshness`
  // after their last report the agents still vote...
  const TimePoint agents_last = T0 + milliseconds(2'000);
  book.observe(obs("ams/web", "controller", true, agents_last + kFresh));
  EXPECT_EQ(book.verdict("ams/web").state, Health::down);
  // ...one millisecond later they do not: only the controller's "up" counts.
  auto change =
      book.observe(obs("ams/web", "controller", true, agents_last + kFresh + milliseconds(1)));
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->after.state, Health::up);
  EXPECT_EQ(change->after.since, agents_last + kFresh + milliseconds(1));
}

TEST(HealthBook, EveryVantageStaleMakesTheVerdictUnknownOnRefresh) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  book.add_target("fra/web", kH);
  TimePoint last = feed(book, "ams/web", "controller", true, 2, T0);
  feed(book, "fra/web", "controller", true, 2, T0);
  ASSERT_EQ(book.verdict("ams/web").state, Health::up);

  EXPECT_TRUE(book.refresh(last + kFresh).empty());
  EXPECT_EQ(book.verdict("ams/web").state, Health::up);

  const TimePoint stale_at = last + kFresh + milliseconds(1);
  std::vector<VerdictChange> changes = book.refresh(stale_at);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].subject, "ams/web");
  EXPECT_EQ(changes[1].subject, "fra/web");
  EXPECT_EQ(changes[0].before.state, Health::up);
  EXPECT_EQ(changes[0].after.state, Health::unknown);
  EXPECT_EQ(book.verdict("ams/web").since, stale_at);
  EXPECT_EQ(book.verdict("ams/web").reason, "no vantage has reported recently");
  // Refreshing again changes nothing.
  EXPECT_TRUE(book.refresh(stale_at + milliseconds(10'000)).empty());
  EXPECT_EQ(book.verdict("ams/web").since, stale_at);
}

TEST(HealthBook, AReturningVantageVotesAgain) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  TimePoint last = feed(book, "ams/web", "controller", true, 2, T0);
  book.refresh(last + milliseconds(60'000));
  ASSERT_EQ(book.verdict("ams/web").state, Health::unknown);
  const TimePoint back = last + milliseconds(61'000);
  auto change = book.observe(obs("ams/web", "controller", true, back));
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->after.state, Health::up);
  EXPECT_EQ(book.verdict("ams/web").since, back);
}

TEST(HealthBook, TargetsAreIndependent) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  book.add_target("fra/web", kH);
  feed(book, "ams/web", "controller", false, 3, T0);
  feed(book, "fra/web", "controller", true, 2, T0);
  EXPECT_EQ(book.verdict("ams/web").state, Health::down);
  EXPECT_EQ(book.verdict("fra/web").state, Health::up);
  EXPECT_EQ(book.targets().size(), 2u);
  EXPECT_EQ(book.targets().at("ams/web").vantages.size(), 1u);
}

TEST(HealthBook, AddTargetAgainKeepsEvidenceAndUpdatesHysteresis) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  TimePoint t = feed(book, "ams/web", "controller", true, 2, T0);
  t = feed(book, "ams/web", "controller", false, 1, t + milliseconds(1'000));
  book.add_target("ams/web", {.rise = 2, .fall = 2});
  EXPECT_EQ(book.verdict("ams/web").state, Health::up);
  EXPECT_EQ(book.targets().at("ams/web").hysteresis.fall, 2);
  // The failure streak of 1 survives; one more reaches the new fall of 2.
  auto change = book.observe(obs("ams/web", "controller", false, t + milliseconds(1'000)));
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->after.state, Health::down);
}

TEST(HealthBook, RemoveTargetForgetsIt) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  feed(book, "ams/web", "controller", true, 2, T0);
  book.remove_target("ams/web");
  EXPECT_FALSE(book.has_target("ams/web"));
  EXPECT_EQ(book.verdict("ams/web").state, Health::unknown);
  EXPECT_EQ(book.observe(obs("ams/web", "controller", true, T0)), std::nullopt);
  // Declared again, it starts from nothing.
  book.add_target("ams/web", kH);
  EXPECT_EQ(book.verdict("ams/web").state, Health::unknown);
  EXPECT_EQ(book.observe(obs("ams/web", "controller", true, T0)), std::nullopt);
}

TEST(HealthBook, PendingFollowsTheVantageCounter) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  TimePoint t = feed(book, "ams/web", "controller", true, 2, T0);
  EXPECT_FALSE(book.pending("ams/web", "controller"));
  EXPECT_TRUE(book.pending("ams/web", "agent-1"));  // never reported
  book.observe(obs("ams/web", "controller", false, t + milliseconds(1'000)));
  EXPECT_TRUE(book.pending("ams/web", "controller"));
}

TEST(HealthBook, RestoreSeedsAVerdictAsFreshEvidence) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  const TimePoint down_since = T0 - milliseconds(3'600'000);
  const Verdict journal{Health::down, down_since, "status 503 (3 consecutive failures)",
                        milliseconds(0)};
  book.restore("ams/web", "controller", journal, T0);
  EXPECT_EQ(book.verdict("ams/web").state, Health::down);
  EXPECT_EQ(book.verdict("ams/web").since, down_since);
  EXPECT_FALSE(book.pending("ams/web", "controller"));

  // Fresh until `freshness` after the restore: refresh does not change it.
  EXPECT_TRUE(book.refresh(T0 + kFresh).empty());
  EXPECT_EQ(book.verdict("ams/web").state, Health::down);
  EXPECT_EQ(book.verdict("ams/web").since, down_since);

  // One success is not enough to come back up (rise = 2): no flip on restart.
  EXPECT_EQ(book.observe(obs("ams/web", "controller", true, T0 + milliseconds(1'000))),
            std::nullopt);
  EXPECT_EQ(book.verdict("ams/web").state, Health::down);
  EXPECT_EQ(book.verdict("ams/web").since, down_since);
  auto change = book.observe(obs("ams/web", "controller", true, T0 + milliseconds(2'000)));
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->after.state, Health::up);
  EXPECT_EQ(change->after.since, T0 + milliseconds(2'000));
}

TEST(HealthBook, RestoredEvidenceGoesStaleLikeAnyOther) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  book.restore("ams/web", "controller", {Health::up, T0 - milliseconds(600'000), "ok", {}}, T0);
  EXPECT_EQ(book.verdict("ams/web").state, Health::up);
  std::vector<VerdictChange> changes = book.refresh(T0 + kFresh + milliseconds(1));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].after.state, Health::unknown);
}

TEST(HealthBook, RestoredUpNeedsFallFailuresToGoDown) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  book.restore("ams/web", "controller", {Health::up, T0 - milliseconds(600'000), "ok", {}}, T0);
  feed(book, "ams/web", "controller", false, 2, T0 + milliseconds(1'000));
  EXPECT_EQ(book.verdict("ams/web").state, Health::up);
  EXPECT_EQ(book.verdict("ams/web").since, T0 - milliseconds(600'000));
  feed(book, "ams/web", "controller", false, 1, T0 + milliseconds(3'000));
  EXPECT_EQ(book.verdict("ams/web").state, Health::down);
}

TEST(HealthBook, RestoreOfAnUndeclaredTargetIsIgnored) {
  HealthBook book(kFresh);
  book.restore("ams/web", "controller", {Health::up, T0, "ok", {}}, T0);
  EXPECT_FALSE(book.has_target("ams/web"));
  EXPECT_EQ(book.verdict("ams/web").state, Health::unknown);
}

TEST(HealthBook, FreshnessCanBeChanged) {
  HealthBook book(kFresh);
  book.add_target("ams/web", kH);
  TimePoint last = feed(book, "ams/web", "controller", true, 2, T0);
  book.set_freshness(milliseconds(60'000));
  EXPECT_EQ(book.freshness(), milliseconds(60'000));
  EXPECT_TRUE(book.refresh(last + milliseconds(30'000)).empty());
  EXPECT_EQ(book.verdict("ams/web").state, Health::up);
}

Observation inconclusive(const std::string& target, const std::string& vantage, TimePoint at) {
  Observation o = obs(target, vantage, false, at,
                      "DynamoDB eu-west-1 refused the credentials from profile shop in "
                      "/root/.aws/credentials: ExpiredTokenException");
  o.inconclusive = true;
  return o;
}

TEST(HealthBook, InconclusiveObservationsMakeAnUpTargetUnknownNeverDown) {
  HealthBook book(kFresh);
  book.add_target("eu-west-1/orders", kH);
  TimePoint t = feed(book, "eu-west-1/orders", "controller", true, 2, T0);
  ASSERT_EQ(book.verdict("eu-west-1/orders").state, Health::up);
  std::optional<VerdictChange> c;
  for (int i = 1; i <= 10; ++i) {
    auto change = book.observe(inconclusive("eu-west-1/orders", "controller", t + kFresh / 10 * i));
    if (change) {
      EXPECT_FALSE(c) << "one change only";
      c = change;
    }
  }
  ASSERT_TRUE(c);
  EXPECT_EQ(c->before.state, Health::up);
  EXPECT_EQ(c->after.state, Health::unknown);
  const Verdict& v = book.verdict("eu-west-1/orders");
  EXPECT_EQ(v.state, Health::unknown);
  EXPECT_EQ(v.reason,
            "cannot be judged: DynamoDB eu-west-1 refused the credentials from profile shop in "
            "/root/.aws/credentials: ExpiredTokenException (from controller)");
  const VantageState& vs = book.state("eu-west-1/orders")->vantages.at("controller");
  EXPECT_TRUE(vs.last_inconclusive);
  EXPECT_FALSE(vs.last_ok);
}

TEST(HealthBook, AfterInconclusiveResultsRiseOrFallDecidesAgain) {
  HealthBook book(kFresh);
  book.add_target("t", kH);
  TimePoint t = feed(book, "t", "controller", false, 3, T0);
  ASSERT_EQ(book.verdict("t").state, Health::down);
  book.observe(inconclusive("t", "controller", t + milliseconds(1'000)));
  EXPECT_EQ(book.verdict("t").state, Health::unknown);  // it cannot tell either way
  // The credentials work again: two successes (rise) make it up.
  book.observe(obs("t", "controller", true, t + milliseconds(2'000)));
  EXPECT_EQ(book.verdict("t").state, Health::unknown);
  EXPECT_EQ(book.verdict("t").reason, "waiting for enough consecutive results");
  book.observe(obs("t", "controller", true, t + milliseconds(3'000)));
  EXPECT_EQ(book.verdict("t").state, Health::up);
}

TEST(HealthBook, AVantageThatCannotJudgeLeavesTheVerdictToTheOthers) {
  HealthBook book(kFresh);
  book.add_target("t", kH);
  TimePoint t = feed(book, "t", "agent-ams", false, 3, T0);
  feed(book, "t", "controller", true, 2, T0);
  ASSERT_EQ(book.verdict("t").state, Health::up);  // 1 of 2 down: no majority
  book.observe(inconclusive("t", "controller", t));
  EXPECT_EQ(book.verdict("t").state, Health::down) << book.verdict("t").reason;
}

}  // namespace
}  // namespace drpilot::core
