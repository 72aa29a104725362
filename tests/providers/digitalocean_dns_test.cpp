// The DigitalOcean DNS provider against the fake DigitalOcean API: in-sync
// detection, minimal changes (a failover is one PUT), multivalue answers,
// paging, and how the API's refusals become failures.

#include <gtest/gtest.h>

#include "providers/digitalocean_dns.h"
#include "providers/digitalocean_fixture.h"

namespace drpilot::testing::digitalocean {
namespace {

using core::RecordType;
using nlohmann::json;
using providers::Changes;
using providers::Failure;

json a(std::int64_t id, std::string name, std::string data, int ttl = 30, std::string type = "A") {
  return {{"id", id}, {"type", type}, {"name", name}, {"data", data}, {"ttl", ttl}};
}

json zone(std::vector<json> records) {
  return {{"domains", {{{"name", "example.com"}, {"records", records}}}}};
}

// The records of the fake's zone named `name` with `type`, by id.
std::vector<json> records_of(const FakeDigitalOcean& fake, const std::string& name,
                             const std::string& type = "A") {
  std::vector<json> out;
  const json state = fake.state();
  for (const json& r : state["domains"][0]["records"]) {
    if (r["name"] == name && r["type"] == type) out.push_back(r);
  }
  return out;
}

std::multiset<std::string> datas(const std::vector<json>& records) {
  std::multiset<std::string> out;
  for (const json& r : records) out.insert(r["data"].get<std::string>());
  return out;
}

std::unique_ptr<providers::Provider> provider(const FakeDigitalOcean& fake,
                                              std::vector<config::ProviderRecord> records = {}) {
  return providers::make_digitalocean_dns(dns_config(fake.endpoint(), std::move(records)),
                                          std::string(kToken));
}

// diff, apply and diff again, as the reconciler does; returns the steps applied.
std::vector<std::string> converge(providers::Provider& p, const providers::Target& t) {
  auto d = p.diff(t);
  EXPECT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  if (!std::holds_alternative<Changes>(d)) return {};
  const Changes& changes = std::get<Changes>(d);
  auto failure = p.apply(t, changes);
  EXPECT_FALSE(failure) << failure->reason;
  auto again = p.diff(t);
  EXPECT_TRUE(std::holds_alternative<Changes>(again) && std::get<Changes>(again).empty())
      << "not verified after apply: " << describe(again);
  return changes.steps;
}

TEST(DigitalOceanDns, KindAndWhere) {
  auto p = providers::make_digitalocean_dns(dns_config(""), "t");
  EXPECT_EQ(p->kind(), "digitalocean_dns");
  EXPECT_EQ(p->name(), "do-dns");
  // An empty endpoint means DigitalOcean itself.
  EXPECT_NE(p->where().find("https://api.digitalocean.com/v2"), std::string::npos) << p->where();
  EXPECT_NE(p->where().find("example.com"), std::string::npos) << p->where();
}

TEST(DigitalOceanDns, InSyncWhenRecordsMatch) {
  FakeDigitalOcean fake(zone({a(10, "www", "192.0.2.1"), a(11, "mail", "192.0.2.99"),
                              a(12, "www", "v=spf1 -all", 300, "TXT")}));
  auto p = provider(fake);
  auto d = p->diff(target({record("www.example.com", RecordType::A, {"nyc"}, {"192.0.2.1"})}));
  ASSERT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  EXPECT_TRUE(std::get<Changes>(d).empty()) << describe(d);

  // Only the wanted name and type were listed, by the fully qualified name.
  const auto log = fake.requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(count(log, "GET", "/v2/domains/example.com/records?"), 1);
  const std::string path = log[0]["path"];
  EXPECT_NE(path.find("name=www.example.com"), std::string::npos) << path;
  EXPECT_NE(path.find("type=A"), std::string::npos) << path;
}

TEST(DigitalOceanDns, FailoverIsOnePutVerifiedByDiffAndState) {
  FakeDigitalOcean fake(zone({a(10, "www", "192.0.2.1"), a(11, "mail", "192.0.2.99")}));
  auto p = provider(fake);
  const auto t = target({record("www.example.com", RecordType::A, {"ams"}, {"192.0.2.2"})});

  auto d = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  ASSERT_EQ(std::get<Changes>(d).steps.size(), 1u) << describe(d);
  EXPECT_EQ(std::get<Changes>(d).steps[0],
            "update www.example.com A (DigitalOcean record 10): 192.0.2.1 -> 192.0.2.2, ttl 30");
  // diff() changed nothing.
  EXPECT_EQ(records_of(fake, "www").at(0)["data"], "192.0.2.1");

  fake.clear_requests();
  ASSERT_FALSE(p->apply(t, std::get<Changes>(d)));
  auto log = fake.requests();
  EXPECT_EQ(count(log, "PUT", "/v2/domains/example.com/records/10"), 1);
  EXPECT_EQ(count(log, "POST"), 0);
  EXPECT_EQ(count(log, "DELETE"), 0);

  auto again = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Changes>(again)) << describe(again);
  EXPECT_TRUE(std::get<Changes>(again).empty()) << describe(again);

  // Same record, new address; other records untouched.
  const auto www = records_of(fake, "www");
  ASSERT_EQ(www.size(), 1u);
  EXPECT_EQ(www.at(0)["id"], 10);
  EXPECT_EQ(www.at(0)["data"], "192.0.2.2");
  EXPECT_EQ(www.at(0)["ttl"], 30);
  EXPECT_EQ(records_of(fake, "mail").at(0)["data"], "192.0.2.99");
}

TEST(DigitalOceanDns, MultivalueGrowsWithPostsAndShrinksWithDeletes) {
  FakeDigitalOcean fake(zone({a(10, "www", "192.0.2.1")}));
  auto p = provider(fake);

  auto steps = converge(*p, target({record("www.example.com", RecordType::A, {"nyc", "ams", "sgp"},
                                           {"192.0.2.1", "192.0.2.2", "192.0.2.3"})}));
  EXPECT_EQ(steps, (std::vector<std::string>{"create www.example.com A 192.0.2.2, ttl 30",
                                             "create www.example.com A 192.0.2.3, ttl 30"}));
  auto grown = records_of(fake, "www");
  EXPECT_EQ(datas(grown), (std::multiset<std::string>{"192.0.2.1", "192.0.2.2", "192.0.2.3"}));
  // New records get new, increasing ids.
  ASSERT_EQ(grown.size(), 3u);
  EXPECT_LT(grown[0]["id"].get<int>(), grown[1]["id"].get<int>());
  EXPECT_LT(grown[1]["id"].get<int>(), grown[2]["id"].get<int>());
  EXPECT_EQ(count(fake.requests(), "PUT"), 0);

  fake.clear_requests();
  steps = converge(*p, target({record("www.example.com", RecordType::A, {"ams"}, {"192.0.2.2"})}));
  EXPECT_EQ(steps.size(), 2u);
  EXPECT_EQ(count(fake.requests(), "DELETE"), 2);
  EXPECT_EQ(count(fake.requests(), "PUT"), 0);
  EXPECT_EQ(datas(records_of(fake, "www")), (std::multiset<std::string>{"192.0.2.2"}));
}

TEST(DigitalOceanDns, ReusesMismatchedRecordsBeforeCreatingAndDeletesSurplus) {
  FakeDigitalOcean fake(zone({a(10, "www", "198.51.100.1"), a(11, "www", "198.51.100.2"),
                              a(12, "www", "192.0.2.3", 300)}));
  auto p = provider(fake);
  auto steps = converge(*p, target({record("www.example.com", RecordType::A, {"a", "b", "c", "d"},
                                           {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"})}));
  // 12 keeps its address and only changes TTL; 10 and 11 are reused; one is new.
  EXPECT_EQ(
      steps,
      (std::vector<std::string>{
          "update www.example.com A (DigitalOcean record 12): 192.0.2.3, ttl 300 -> 30",
          "update www.example.com A (DigitalOcean record 10): 198.51.100.1 -> 192.0.2.1, ttl 30",
          "update www.example.com A (DigitalOcean record 11): 198.51.100.2 -> 192.0.2.2, ttl 30",
          "create www.example.com A 192.0.2.4, ttl 30"}));

  // Fewer addresses than records: the matching one stays, the rest go.
  fake.clear_requests();
  steps = converge(*p, target({record("www.example.com", RecordType::A, {"c"}, {"192.0.2.3"})}));
  EXPECT_EQ(steps.size(), 3u);
  EXPECT_EQ(count(fake.requests(), "DELETE"), 3);
  const auto www = records_of(fake, "www");
  ASSERT_EQ(www.size(), 1u);
  EXPECT_EQ(www.at(0)["id"], 12);
}

TEST(DigitalOceanDns, PagesThroughLongListings) {
  // 250 records of one name: two pages of 200; in sync only if both are read.
  std::vector<json> records;
  std::vector<std::string> addresses;
  for (int i = 0; i < 250; ++i) {
    const std::string ip = "10.0." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1);
    records.push_back(a(100 + i, "www", ip));
    addresses.push_back(ip);
  }
  FakeDigitalOcean fake(zone(records));
  auto p = provider(fake);
  auto d = p->diff(target({record("www.example.com", RecordType::A, {"many"}, addresses)}));
  ASSERT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  EXPECT_TRUE(std::get<Changes>(d).empty()) << describe(d);
  const auto log = fake.requests();
  EXPECT_EQ(count(log, "GET", "&page=1"), 1);
  EXPECT_EQ(count(log, "GET", "&page=2"), 1);
  EXPECT_EQ(count(log, "GET"), 2);
  EXPECT_EQ(count(log, "GET", "per_page=200"), 2);
}

TEST(DigitalOceanDns, NameWithoutTypeCoversEveryTypeAndComparesAddressesCanonically) {
  FakeDigitalOcean fake(
      zone({a(10, "www", "192.0.2.1"), a(11, "www", "2001:db8:0:0:0:0:0:1", 30, "AAAA")}));
  auto p = provider(fake, {{"www.example.com", std::nullopt, 0}});
  const auto t = target({record("www.example.com", RecordType::A, {"nyc"}, {"192.0.2.1"}),
                         record("www.example.com", RecordType::AAAA, {"nyc"}, {"2001:DB8::1"}),
                         record("api.example.com", RecordType::A, {"nyc"}, {"192.0.2.50"})});
  auto d = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  // Same addresses written differently are in sync; api is not configured here.
  EXPECT_TRUE(std::get<Changes>(d).empty()) << describe(d);

  auto failover = target({record("www.example.com", RecordType::A, {"ams"}, {"192.0.2.2"}),
                          record("www.example.com", RecordType::AAAA, {"ams"}, {"2001:db8::2"})});
  auto steps = converge(*p, failover);
  EXPECT_EQ(steps.size(), 2u);
  EXPECT_EQ(records_of(fake, "www", "AAAA").at(0)["data"], "2001:db8::2");
  EXPECT_TRUE(records_of(fake, "api").empty());
}

TEST(DigitalOceanDns, WithoutRecordsPublishesEveryPlanRecordInsideTheDomain) {
  FakeDigitalOcean fake(zone({}));
  auto p = provider(fake);
  auto steps =
      converge(*p, target({record("example.com", RecordType::A, {"nyc"}, {"192.0.2.1"}, 60),
                           record("www.example.com", RecordType::A, {"nyc"}, {"192.0.2.1"}),
                           record("www.example.org", RecordType::A, {"nyc"}, {"192.0.2.1"}),
                           record("notexample.com", RecordType::A, {"nyc"}, {"192.0.2.1"})}));
  EXPECT_EQ(steps.size(), 2u);
  // The apex is "@" at DigitalOcean.
  const auto apex = records_of(fake, "@");
  ASSERT_EQ(apex.size(), 1u);
  EXPECT_EQ(apex.at(0)["ttl"], 60);
  EXPECT_EQ(records_of(fake, "www").size(), 1u);
  EXPECT_EQ(fake.state()["domains"][0]["records"].size(), 2u);
}

TEST(DigitalOceanDns, ShortTtlIsPermanentBeforeAnyRequest) {
  FakeDigitalOcean fake(zone({a(10, "www", "192.0.2.1")}));
  auto p = provider(fake);
  auto d = p->diff(target({record("www.example.com", RecordType::A, {"nyc"}, {"192.0.2.1"}, 10)}));
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  EXPECT_TRUE(std::get<Failure>(d).permanent);
  EXPECT_NE(std::get<Failure>(d).reason.find("30"), std::string::npos);
  EXPECT_TRUE(fake.requests().empty());
}

TEST(DigitalOceanDns, ConfiguredRecordMissingFromThePlanIsPermanent) {
  FakeDigitalOcean fake(zone({}));
  auto p = provider(fake, {{"shop.example.com", RecordType::A, 0}});
  auto d = p->diff(target({record("www.example.com", RecordType::A, {"nyc"}, {"192.0.2.1"})}));
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  EXPECT_TRUE(std::get<Failure>(d).permanent);
  EXPECT_NE(std::get<Failure>(d).reason.find("shop.example.com"), std::string::npos);
}

TEST(DigitalOceanDns, UnknownDomainIsPermanent) {
  FakeDigitalOcean fake(json{{"domains", {{{"name", "example.net"}}}}});
  auto p = provider(fake);
  auto d = p->diff(target({record("www.example.com", RecordType::A, {"nyc"}, {"192.0.2.1"})}));
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  const Failure& f = std::get<Failure>(d);
  EXPECT_TRUE(f.permanent);
  EXPECT_NE(f.reason.find("not_found"), std::string::npos) << f.reason;
  EXPECT_NE(f.reason.find("example.com"), std::string::npos) << f.reason;
}

TEST(DigitalOceanDns, WrongTokenIsPermanentAndNeverNamesTheToken) {
  FakeDigitalOcean fake(zone({a(10, "www", "192.0.2.1")}));
  const std::string wrong = "dop_v1_wrong_token_that_must_not_leak_42";
  auto p = providers::make_digitalocean_dns(dns_config(fake.endpoint()), wrong);
  auto d = p->diff(target({record("www.example.com", RecordType::A, {"nyc"}, {"192.0.2.2"})}));
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  const Failure& f = std::get<Failure>(d);
  EXPECT_TRUE(f.permanent);
  EXPECT_NE(f.reason.find("401"), std::string::npos) << f.reason;
  EXPECT_EQ(f.reason.find(wrong), std::string::npos) << f.reason;
  EXPECT_EQ(f.reason.find(std::string(kToken)), std::string::npos) << f.reason;
}

TEST(DigitalOceanDns, TooManyRequestsCarriesRetryAfter) {
  FakeDigitalOcean fake(zone({a(10, "www", "192.0.2.1")}));
  auto p = provider(fake);
  fake.fault({{"mode", "status"}, {"status", 429}, {"retry_after", 1}, {"count", 1}});
  const auto t = target({record("www.example.com", RecordType::A, {"nyc"}, {"192.0.2.1"})});
  auto d = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  const Failure& f = std::get<Failure>(d);
  EXPECT_FALSE(f.permanent);
  ASSERT_TRUE(f.retry_after.has_value()) << f.reason;
  EXPECT_EQ(*f.retry_after, core::Duration{1'000});
  EXPECT_NE(f.reason.find("too_many_requests"), std::string::npos) << f.reason;
  // The next attempt waits as asked and then succeeds.
  auto again = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Changes>(again)) << describe(again);
}

TEST(DigitalOceanDns, ServerErrorIsTransient) {
  FakeDigitalOcean fake(zone({a(10, "www", "192.0.2.1")}));
  auto p = provider(fake);
  fake.fault({{"mode", "status"}, {"status", 500}, {"count", 1}});
  auto d = p->diff(target({record("www.example.com", RecordType::A, {"nyc"}, {"192.0.2.1"})}));
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  EXPECT_FALSE(std::get<Failure>(d).permanent);
  EXPECT_NE(std::get<Failure>(d).reason.find("500"), std::string::npos);
}

TEST(DigitalOceanDns, RefusedRecordIsPermanentAndDropsNothing) {
  FakeDigitalOcean fake(zone({a(10, "www", "192.0.2.1")}));
  auto p = provider(fake);
  const auto t = target({record("www.example.com", RecordType::A, {"ams"}, {"192.0.2.2"})});
  auto d = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  fake.fault({{"mode", "status"}, {"status", 422}, {"methods", {"PUT"}}});
  auto f = p->apply(t, std::get<Changes>(d));
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->permanent);
  EXPECT_NE(f->reason.find("unprocessable_entity"), std::string::npos) << f->reason;
  EXPECT_EQ(records_of(fake, "www").at(0)["data"], "192.0.2.1");
}

TEST(DigitalOceanDns, ApplyRefusesChangesItDidNotList) {
  FakeDigitalOcean fake(zone({}));
  auto p = provider(fake);
  Changes foreign;
  foreign.steps = {"something"};
  foreign.detail = 42;
  auto f = p->apply(target({}), foreign);
  ASSERT_TRUE(f);
  EXPECT_TRUE(fake.requests().empty());
}

}  // namespace
}  // namespace drpilot::testing::digitalocean
