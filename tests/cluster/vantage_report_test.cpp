// A follower's report of what it saw: encoded and decoded whole, each
// observation taken once by the leader however often it reads the report,
// and bounded on the follower while etcd does not take it.

#include "cluster/vantage_report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace drpilot::cluster {
namespace {

using nlohmann::json;

core::Observation seen(const std::string& target, bool ok, std::int64_t at_ms,
                       const std::string& vantage = "bravo") {
  core::Observation o;
  o.target = target;
  o.vantage = vantage;
  o.ok = ok;
  o.detail = ok ? "status 200" : "status 503";
  o.latency = core::Duration{12};
  o.at = core::from_ms(at_ms);
  return o;
}

TEST(VantageReport, RoundTripsAndTakesTheMembersNameAsTheVantage) {
  core::Observation odd = seen("ams/db", false, 1'700'000'000'300);
  odd.inconclusive = true;
  odd.detail = "AWS refused the credentials";
  const std::string text = encode_vantage_report(
      {"sha256:abc",
       {seen("ams/web", true, 1'700'000'000'100), seen("nyc/web", false, 1'700'000'000'200), odd}});
  // Whatever the report claims, the vantage is the member whose key it is.
  const VantageReport report = decode_vantage_report(text, "charlie");
  EXPECT_EQ(report.config_digest, "sha256:abc");
  const auto& back = report.observations;
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].vantage, "charlie");
  EXPECT_EQ(back[0].target, "ams/web");
  EXPECT_TRUE(back[0].ok);
  EXPECT_EQ(back[0].latency, core::Duration{12});
  EXPECT_EQ(back[1].detail, "status 503");
  EXPECT_EQ(back[1].at, core::from_ms(1'700'000'000'200));
  EXPECT_TRUE(back[2].inconclusive);
}

TEST(VantageReport, MalformedReportsAreRefusedWhole) {
  const json valid = json::parse(
      encode_vantage_report({"sha256:abc", {seen("ams/web", true, 1'700'000'000'100)}}));
  const std::vector<std::pair<std::string, std::function<void(json&)>>> damage = {
      {"not an object", [](json& j) { j = 3; }},
      {"no list", [](json& j) { j.erase("observations"); }},
      {"no digest", [](json& j) { j.erase("config_digest"); }},
      {"digest as number", [](json& j) { j["config_digest"] = 1; }},
      {"list as text", [](json& j) { j["observations"] = "x"; }},
      {"entry as number", [](json& j) { j["observations"][0] = 1; }},
      {"no target", [](json& j) { j["observations"][0].erase("target"); }},
      {"ok as text", [](json& j) { j["observations"][0]["ok"] = "yes"; }},
      {"negative latency", [](json& j) { j["observations"][0]["latency_ms"] = -1; }},
      {"no time", [](json& j) { j["observations"][0].erase("at_ms"); }},
      {"time zero", [](json& j) { j["observations"][0]["at_ms"] = 0; }},
      {"ok and inconclusive", [](json& j) { j["observations"][0]["inconclusive"] = true; }},
  };
  for (const auto& [what, apply] : damage) {
    json j = valid;
    apply(j);
    EXPECT_THROW(decode_vantage_report(j.dump(), "bravo"), std::runtime_error) << what;
  }
  EXPECT_THROW(decode_vantage_report("{", "bravo"), std::runtime_error);
  EXPECT_THROW(decode_vantage_report("", "bravo"), std::runtime_error);
}

TEST(VantageInbox, EachObservationCountsOnceInTheOrderItWasMade) {
  VantageInbox inbox;
  auto first = inbox.take({seen("ams/web", false, 200), seen("ams/web", false, 100)});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].at, core::from_ms(100));
  EXPECT_EQ(first[1].at, core::from_ms(200));
  // The same report read again, and a newer one with an overlap.
  EXPECT_TRUE(inbox.take({seen("ams/web", false, 100), seen("ams/web", false, 200)}).empty());
  auto next = inbox.take({seen("ams/web", false, 200), seen("ams/web", true, 300)});
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].at, core::from_ms(300));
  // Per member and target.
  EXPECT_EQ(inbox.take({seen("ams/web", true, 250, "charlie"), seen("nyc/web", true, 50)}).size(),
            2u);
  inbox.forget("bravo");
  EXPECT_EQ(inbox.take({seen("ams/web", false, 200)}).size(), 1u);
}

TEST(VantageInbox, AMemberWhoseClockSteppedBackIsHeardAtOnce) {
  VantageInbox inbox;
  EXPECT_EQ(inbox.take({seen("ams/web", true, 5'000)}, "bravo", core::from_ms(5'100)).size(), 1u);
  // Its clock is set back 30 s (NTP stepped it, or it restarted on a wrong
  // clock): its next report is sent "before" the last one.
  auto after = inbox.take({seen("ams/web", false, 2'000)}, "bravo", core::from_ms(2'050));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_FALSE(after[0].ok);
  // Reports in order, as before: nothing is taken twice.
  EXPECT_TRUE(inbox.take({seen("ams/web", false, 2'000)}, "bravo", core::from_ms(2'300)).empty());
}

TEST(VantageOutbox, KeepsTheNewestOfEachTargetWhileEtcdDoesNotTakeThem) {
  VantageOutbox out(3);
  for (int i = 1; i <= 5; ++i) out.add(seen("ams/web", i % 2 == 0, i));
  out.add(seen("nyc/web", true, 9));
  std::vector<core::Observation> taken = out.take();
  EXPECT_TRUE(out.empty());
  ASSERT_EQ(taken.size(), 4u);
  EXPECT_EQ(taken[0].at, core::from_ms(3));  // the two oldest of ams/web went
  // The write failed; meanwhile ams/web was seen again: the bound still holds.
  out.add(seen("ams/web", true, 6));
  out.restore(std::move(taken));
  taken = out.take();
  ASSERT_EQ(taken.size(), 4u);
  EXPECT_EQ(taken[0].at, core::from_ms(4));
  EXPECT_EQ(taken[2].at, core::from_ms(6));
  EXPECT_EQ(taken[3].target, "nyc/web");
}

}  // namespace
}  // namespace drpilot::cluster
