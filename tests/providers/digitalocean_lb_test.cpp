// The DigitalOcean load balancer provider against the fake DigitalOcean API:
// membership follows the record's answer through the droplet endpoints only
// (never a PUT of the whole load balancer), droplets of unknown sites stay,
// and the load balancers it cannot manage fail permanently with the fix.

#include <gtest/gtest.h>

#include "providers/digitalocean_fixture.h"
#include "providers/digitalocean_lb.h"

namespace drpilot::testing::digitalocean {
namespace {

using core::RecordType;
using nlohmann::json;
using providers::Changes;
using providers::Failure;

json lb_state(std::vector<std::int64_t> attached, std::string tag = "") {
  return {{"load_balancers",
           {{{"id", std::string(kLbId)},
             {"name", "web"},
             {"region", {{"slug", "nyc3"}}},
             {"forwarding_rules",
              {{{"entry_protocol", "http"},
                {"entry_port", 80},
                {"target_protocol", "http"},
                {"target_port", 80}}}},
             {"droplet_ids", attached},
             {"tag", tag}}}},
          {"droplets", {111, 112, 211, 212, 311, 999}}};
}

const std::vector<config::LbMember> kMembers = {
    {"nyc", {111, 112}}, {"ams", {211, 212}}, {"sgp", {311}}};

std::set<std::int64_t> attached(const FakeDigitalOcean& fake) {
  const json lbs = fake.state()["load_balancers"];
  return lbs[0]["droplet_ids"].get<std::set<std::int64_t>>();
}

providers::Target answer(std::vector<std::string> sites, RecordType type = RecordType::A) {
  return target({record("www.example.com", type, std::move(sites), {"192.0.2.1"})});
}

std::unique_ptr<providers::Provider> provider(const FakeDigitalOcean& fake,
                                              std::vector<config::LbMember> members = kMembers) {
  return providers::make_digitalocean_lb(lb_config(fake.endpoint(), std::move(members)),
                                         std::string(kToken));
}

TEST(DigitalOceanLb, KindAndWhere) {
  auto p = providers::make_digitalocean_lb(lb_config("", kMembers), "t");
  EXPECT_EQ(p->kind(), "digitalocean_lb");
  EXPECT_NE(p->where().find(std::string(kLbId)), std::string::npos) << p->where();
  EXPECT_NE(p->where().find("https://api.digitalocean.com/v2"), std::string::npos) << p->where();
}

TEST(DigitalOceanLb, InSyncWhenTheAnswersDropletsAreAttached) {
  FakeDigitalOcean fake(lb_state({111, 112}));
  auto p = provider(fake);
  auto d = p->diff(answer({"nyc"}));
  ASSERT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  EXPECT_TRUE(std::get<Changes>(d).empty()) << describe(d);
  EXPECT_EQ(count(fake.requests(), "GET", "/v2/load_balancers/" + std::string(kLbId)), 1);
}

TEST(DigitalOceanLb, FailoverAddsThenRemovesDropletsAndNeverPuts) {
  FakeDigitalOcean fake(lb_state({111, 112, 999}));
  auto p = provider(fake);
  const auto t = answer({"ams"});
  auto d = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  const std::string lb(kLbId);
  EXPECT_EQ(
      std::get<Changes>(d).steps,
      (std::vector<std::string>{"add droplets 211, 212 (site ams) to load balancer " + lb,
                                "remove droplets 111, 112 (site nyc) from load balancer " + lb}));
  EXPECT_EQ(attached(fake), (std::set<std::int64_t>{111, 112, 999}));  // diff changed nothing

  fake.clear_requests();
  ASSERT_FALSE(p->apply(t, std::get<Changes>(d)));
  auto log = fake.requests();
  ASSERT_EQ(log.size(), 2u);
  // Additions first, so the load balancer never runs empty.
  EXPECT_EQ(log[0]["method"], "POST");
  EXPECT_EQ(log[0]["path"], "/v2/load_balancers/" + lb + "/droplets");
  EXPECT_EQ(json::parse(log[0]["body"].get<std::string>()), json({{"droplet_ids", {211, 212}}}));
  EXPECT_EQ(log[1]["method"], "DELETE");
  EXPECT_EQ(json::parse(log[1]["body"].get<std::string>()), json({{"droplet_ids", {111, 112}}}));

  auto again = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Changes>(again)) << describe(again);
  EXPECT_TRUE(std::get<Changes>(again).empty()) << describe(again);
  // 999 belongs to no configured site: someone else's, left alone.
  EXPECT_EQ(attached(fake), (std::set<std::int64_t>{211, 212, 999}));
  // The load balancer's other settings survived: nothing replaced it.
  const json lbj = fake.state()["load_balancers"][0];
  EXPECT_EQ(lbj["name"], "web");
  EXPECT_EQ(lbj["forwarding_rules"].size(), 1u);
  EXPECT_EQ(count(fake.requests(), "PUT"), 0);
}

TEST(DigitalOceanLb, MultivalueAnswerAttachesEverySite) {
  FakeDigitalOcean fake(lb_state({111}));
  auto p = provider(fake);
  const auto t = answer({"sgp", "nyc"});
  auto d = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  ASSERT_FALSE(p->apply(t, std::get<Changes>(d)));
  EXPECT_EQ(attached(fake), (std::set<std::int64_t>{111, 112, 311}));
  auto log = fake.requests();
  EXPECT_EQ(count(log, "POST"), 1);
  EXPECT_EQ(count(log, "DELETE"), 0);
  EXPECT_EQ(count(log, "PUT"), 0);
}

TEST(DigitalOceanLb, UsesTheAaaaRecordWhenThereIsNoARecord) {
  FakeDigitalOcean fake(lb_state({111, 112}));
  auto p = provider(fake);
  auto d = p->diff(answer({"ams"}, RecordType::AAAA));
  ASSERT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  EXPECT_EQ(std::get<Changes>(d).steps.size(), 2u) << describe(d);
}

TEST(DigitalOceanLb, MissingRecordIsPermanent) {
  FakeDigitalOcean fake(lb_state({111}));
  auto p = provider(fake);
  auto d = p->diff(target({record("api.example.com", RecordType::A, {"nyc"}, {"192.0.2.1"})}));
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  EXPECT_TRUE(std::get<Failure>(d).permanent);
  EXPECT_NE(std::get<Failure>(d).reason.find("www.example.com"), std::string::npos);
  EXPECT_TRUE(fake.requests().empty());
}

TEST(DigitalOceanLb, RefusesToEmptyTheLoadBalancer) {
  FakeDigitalOcean fake(lb_state({111, 112}));
  auto p = provider(fake, {{"nyc", {111, 112}}});
  auto d = p->diff(answer({"ams"}));  // ams has no droplets configured
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  EXPECT_TRUE(std::get<Failure>(d).permanent);
  EXPECT_EQ(attached(fake), (std::set<std::int64_t>{111, 112}));
}

TEST(DigitalOceanLb, TagBasedLoadBalancerIsPermanent) {
  FakeDigitalOcean fake(lb_state({111, 112}, "prod:web"));
  auto p = provider(fake);
  auto d = p->diff(answer({"ams"}));
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  const Failure& f = std::get<Failure>(d);
  EXPECT_TRUE(f.permanent);
  EXPECT_NE(f.reason.find("prod:web"), std::string::npos) << f.reason;
  EXPECT_NE(f.reason.find("droplet ids"), std::string::npos) << f.reason;
  EXPECT_EQ(count(fake.requests(), "POST"), 0);
}

TEST(DigitalOceanLb, UnknownLoadBalancerIsPermanentAndNamesTheId) {
  FakeDigitalOcean fake(json{{"load_balancers", json::array()}});
  auto p = provider(fake);
  auto d = p->diff(answer({"nyc"}));
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  const Failure& f = std::get<Failure>(d);
  EXPECT_TRUE(f.permanent);
  EXPECT_NE(f.reason.find(std::string(kLbId)), std::string::npos) << f.reason;
  EXPECT_NE(f.reason.find("load_balancer_id"), std::string::npos) << f.reason;
}

TEST(DigitalOceanLb, DropletThatDoesNotExistIsPermanent) {
  FakeDigitalOcean fake(lb_state({111, 112}));
  auto p = provider(fake, {{"nyc", {111, 112}}, {"ams", {211, 4242}}});
  const auto t = answer({"ams"});
  auto d = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  auto f = p->apply(t, std::get<Changes>(d));
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->permanent);
  EXPECT_NE(f->reason.find("4242"), std::string::npos) << f->reason;
  // Nothing was removed after the failed addition.
  EXPECT_EQ(attached(fake), (std::set<std::int64_t>{111, 112}));
}

TEST(DigitalOceanLb, WrongTokenIsPermanentAndNeverNamesTheToken) {
  FakeDigitalOcean fake(lb_state({111}));
  const std::string wrong = "dop_v1_another_wrong_token_for_lb_77";
  auto p = providers::make_digitalocean_lb(lb_config(fake.endpoint(), kMembers), wrong);
  auto d = p->diff(answer({"nyc"}));
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  EXPECT_TRUE(std::get<Failure>(d).permanent);
  EXPECT_EQ(std::get<Failure>(d).reason.find(wrong), std::string::npos);
}

TEST(DigitalOceanLb, ServerErrorDuringApplyIsTransient) {
  FakeDigitalOcean fake(lb_state({111, 112}));
  auto p = provider(fake);
  const auto t = answer({"ams"});
  auto d = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  fake.fault({{"mode", "status"}, {"status", 503}, {"methods", {"DELETE"}}, {"count", 1}});
  auto f = p->apply(t, std::get<Changes>(d));
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->permanent);
  // Half done is still serving; the next attempt finishes the job.
  EXPECT_EQ(attached(fake), (std::set<std::int64_t>{111, 112, 211, 212}));
  auto rest = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Changes>(rest)) << describe(rest);
  EXPECT_EQ(std::get<Changes>(rest).steps.size(), 1u) << describe(rest);
  ASSERT_FALSE(p->apply(t, std::get<Changes>(rest)));
  EXPECT_EQ(attached(fake), (std::set<std::int64_t>{211, 212}));
}

}  // namespace
}  // namespace drpilot::testing::digitalocean
