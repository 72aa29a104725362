// The cluster's shared state as etcd holds it: a round trip keeps the plan
// (term and leader included), the overrides and the providers' progress;
// anything malformed is refused with a sentence, never half-decoded.

#include "cluster/shared_state.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>

namespace drpilot::cluster {
namespace {

using nlohmann::json;

SharedState sample() {
  SharedState s;
  s.plan.generation = 12;
  s.plan.term = 345;
  s.plan.leader = "bravo";
  s.plan.made_at = core::from_ms(1'700'000'000'000);
  s.plan.summary = "www.example.test/A -> nyc: ams is down";
  core::RecordPlan r;
  r.sites = {"nyc"};
  r.reason = "ams is down";
  r.change_reason = r.reason;
  r.changed_at = s.plan.made_at;
  r.last_change = core::ChangeKind::safety;
  s.plan.records["www.example.test/A"] = r;
  s.overrides.drained = {"ams"};
  s.overrides.pinned = {{"api.example.test", "nyc"}};
  s.verified = {{"embedded-dns", 12}, {"linode", 11}};
  s.config_digest = "sha256:abc";
  s.released = s.plan;  // a hook holds nothing back
  s.released.generation = 11;
  return s;
}

TEST(SharedState, RoundTrips) {
  const SharedState s = sample();
  const SharedState back = decode_shared_state(encode(s));
  EXPECT_EQ(back.plan.generation, 12u);
  EXPECT_EQ(back.plan.term, 345);
  EXPECT_EQ(back.plan.leader, "bravo");
  EXPECT_EQ(back.plan.records.at("www.example.test/A").sites, std::vector<std::string>{"nyc"});
  EXPECT_EQ(back.overrides.drained, s.overrides.drained);
  EXPECT_EQ(back.overrides.pinned, s.overrides.pinned);
  EXPECT_EQ(back.verified, s.verified);
  EXPECT_EQ(back.config_digest, "sha256:abc");
  EXPECT_EQ(back.released.generation, 11u);
  EXPECT_EQ(back.released.records.at("www.example.test/A").sites, std::vector<std::string>{"nyc"});
}

TEST(SharedState, OrderIsByTermThenGeneration) {
  SharedState a = sample(), b = sample();
  b.plan.generation = 13;
  EXPECT_TRUE(b.newer_than(a));
  EXPECT_FALSE(a.newer_than(b));
  EXPECT_FALSE(a.newer_than(a));
  // A later term wins whatever its generation.
  a.plan.term = 346;
  a.plan.generation = 1;
  EXPECT_TRUE(a.newer_than(b));
}

TEST(SharedState, MalformedStateIsRefusedWithASentence) {
  const json valid = json::parse(encode(sample()));
  struct Case {
    std::string what;
    std::function<void(json&)> damage;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"not an object", [](json& j) { j = json::array(); }, "object"},
      {"no plan", [](json& j) { j.erase("plan"); }, "plan"},
      {"no overrides", [](json& j) { j.erase("overrides"); }, "overrides"},
      {"no released", [](json& j) { j.erase("released"); }, "released"},
      {"released ahead of the plan", [](json& j) { j["released"]["generation"] = 13; },
       "released plan is newer"},
      {"no verified", [](json& j) { j.erase("verified"); }, "verified"},
      {"no digest", [](json& j) { j.erase("config_digest"); }, "config_digest"},
      {"plan as text", [](json& j) { j["plan"] = "x"; }, "plan"},
      {"negative term", [](json& j) { j["plan"]["term"] = -1; }, "term"},
      {"verified as list", [](json& j) { j["verified"] = json::array(); }, "verified"},
      {"verified negative", [](json& j) { j["verified"]["linode"] = -3; }, "linode"},
      {"digest as number", [](json& j) { j["config_digest"] = 5; }, "config_digest"},
  };
  for (const Case& c : cases) {
    json j = valid;
    c.damage(j);
    try {
      decode_shared_state(j.dump());
      ADD_FAILURE() << c.what << ": accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos)
          << c.what << ": " << e.what();
    }
  }
  // The parser would stop at a NUL byte and take what came before it.
  const std::string with_nul = encode(sample()) + std::string(1, '\0') + "{{{";
  EXPECT_THROW(decode_shared_state(with_nul), std::runtime_error);
  for (const std::string text : {"", "{", "null", "[1,2]", "\"state\""}) {
    EXPECT_THROW(decode_shared_state(text), std::runtime_error) << text;
  }
}

}  // namespace
}  // namespace drpilot::cluster
