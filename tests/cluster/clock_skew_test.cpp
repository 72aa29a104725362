// Members' clocks seen from the leader: a report's observations moved to the
// leader's clock, the offset estimated from the freshest reading, and a
// warning only beyond the bound.

#include "cluster/clock_skew.h"

#include <gtest/gtest.h>

#include "cluster/vantage_report.h"

namespace drpilot::cluster {
namespace {

using core::Duration;

core::TimePoint at(std::int64_t ms) {
  return core::from_ms(1'700'000'000'000 + ms);
}

core::Observation seen(std::int64_t at_ms) {
  core::Observation o;
  o.vantage = "bravo";
  o.target = "ams/web";
  o.ok = true;
  o.at = at(at_ms);
  return o;
}

TEST(ClockSkew, ObservationsKeepTheirAgeCountedFromReceipt) {
  // bravo's clock runs 5 s ahead: it stamps 5'000 what the leader calls 0.
  std::vector<core::Observation> obs = {seen(5'000 - 800), seen(5'000 - 100)};
  to_receiver_clock(obs, at(5'000), at(200));
  EXPECT_EQ(obs[0].at, at(200 - 800));
  EXPECT_EQ(obs[1].at, at(200 - 100));
}

TEST(ClockSkew, AnObservationStampedAfterItsReportCountsAsJustMade) {
  std::vector<core::Observation> obs = {seen(9'000)};
  to_receiver_clock(obs, at(1'000), at(1'050));
  EXPECT_EQ(obs[0].at, at(1'050));
}

TEST(ClockSkew, AHostileStampCannotOverflowTheAge) {
  std::vector<core::Observation> obs = {seen(0)};
  to_receiver_clock(obs, core::TimePoint{Duration{std::numeric_limits<std::int64_t>::max()}},
                    at(0));
  EXPECT_EQ(obs[0].at, at(0) - Duration{24LL * 3'600'000});
}

TEST(ClockSkew, TheOffsetIsTheFreshestReadingOfTheWindow) {
  ClockSkew skew(3);
  EXPECT_FALSE(skew.offset("bravo").has_value());
  // True offset +2'000; each report read 10..300 ms after it was written.
  skew.add("bravo", at(2'000), at(10));
  skew.add("bravo", at(3'000), at(1'300));
  skew.add("bravo", at(4'000), at(2'150));
  EXPECT_EQ(skew.offset("bravo"), Duration{1'990});
  // The window moves on: the best reading has gone.
  skew.add("bravo", at(5'000), at(3'200));
  EXPECT_EQ(skew.offset("bravo"), Duration{1'850});
  skew.forget("bravo");
  EXPECT_FALSE(skew.offset("bravo").has_value());
}

TEST(ClockSkew, OnlyMembersBeyondTheBoundAreWarnedAbout) {
  ClockSkew skew;
  skew.add("bravo", at(4'200), at(0));     // 4.2 s ahead
  skew.add("charlie", at(-3'000), at(0));  // 3 s behind
  skew.add("delta", at(900), at(0));       // within 1 s
  const std::vector<std::string> w = skew.beyond(Duration{1'000}, "alpha");
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0], "bravo's clock is 4.2 s ahead of alpha's");
  EXPECT_EQ(w[1], "charlie's clock is 3.0 s behind alpha's");
  EXPECT_TRUE(skew.beyond(Duration{5'000}, "alpha").empty());
}

TEST(ClockSkew, AReportCarriesItsSendingTimeAndOldReportsHaveNone) {
  VantageReport r{"sha256:abc", {seen(0)}, at(25)};
  EXPECT_EQ(decode_vantage_report(encode_vantage_report(r), "bravo").sent_at, at(25));
  r.sent_at = {};
  EXPECT_EQ(decode_vantage_report(encode_vantage_report(r), "bravo").sent_at, core::TimePoint{});
  EXPECT_THROW(
      decode_vantage_report(R"({"config_digest":"x","observations":[],"sent_at_ms":-4})", "bravo"),
      std::runtime_error);
  EXPECT_THROW(decode_vantage_report(
                   R"({"config_digest":"x","observations":[],"sent_at_ms":"soon"})", "bravo"),
               std::runtime_error);
}

}  // namespace
}  // namespace drpilot::cluster
