// The fake DigitalOcean API itself: it has to refuse what DigitalOcean
// refuses, in DigitalOcean's error shape, page as DigitalOcean pages and
// rate-limit as DigitalOcean does, or the provider tests prove nothing.

#include <gtest/gtest.h>

#include <thread>

#include "providers/digitalocean_fixture.h"

namespace drpilot::testing::digitalocean {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kRecords = "/v2/domains/example.com/records";

json zone_with(int n) {
  json records = json::array();
  for (int i = 0; i < n; ++i) {
    records.push_back({{"type", "A"},
                       {"name", "www"},
                       {"data", "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250)},
                       {"ttl", 30}});
  }
  return {{"domains", {{{"name", "example.com"}, {"records", records}}}},
          {"load_balancers",
           {{{"id", std::string(kLbId)},
             {"name", "web"},
             {"region", {{"slug", "nyc3"}}},
             {"forwarding_rules", {{{"entry_port", 80}}}},
             {"sticky_sessions", {{"type", "cookies"}}},
             {"droplet_ids", {111}}},
            {{"id", "tagged"}, {"droplet_ids", {111}}, {"tag", "prod:web"}}}},
          {"droplets", {111, 112}}};
}

json body_of(const net::ClientResult& r) {
  return json::parse(r.body, nullptr, false);
}

void expect_error(const net::ClientResult& r, int status, const std::string& id) {
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, status) << r.body;
  const json b = body_of(r);
  EXPECT_EQ(b.value("id", ""), id) << r.body;
  EXPECT_TRUE(b.contains("message") && b["message"].is_string()) << r.body;
  EXPECT_TRUE(b.contains("request_id")) << r.body;
}

TEST(DigitalOceanFake, RefusesInvalidRecordsWithDigitalOceansErrorShape) {
  FakeDigitalOcean fake(zone_with(0));
  const std::vector<json> bad = {
      {{"name", "www"}, {"data", "192.0.2.1"}},                                // no type
      {{"type", "A"}, {"data", "192.0.2.1"}},                                  // no name
      {{"type", "A"}, {"name", "www"}},                                        // no data
      {{"type", "A"}, {"name", "www"}, {"data", "2001:db8::1"}},               // not IPv4
      {{"type", "AAAA"}, {"name", "www"}, {"data", "192.0.2.1"}},              // not IPv6
      {{"type", "A"}, {"name", "www"}, {"data", "192.0.2.1"}, {"ttl", 29}},    // ttl < 30
      {{"type", "A"}, {"name", "www"}, {"data", "192.0.2.1"}, {"ttl", "30"}},  // ttl type
      {{"type", "BOGUS"}, {"name", "www"}, {"data", "x"}},                     // type
  };
  for (const json& b : bad) {
    SCOPED_TRACE(b.dump());
    expect_error(fake.api("POST", kRecords, b.dump()), 422, "unprocessable_entity");
  }
  expect_error(fake.api("POST", kRecords, "{not json"), 400, "bad_request");
  EXPECT_TRUE(fake.state()["domains"][0]["records"].empty());
}

TEST(DigitalOceanFake, CreatesWithIncreasingIdsAndUpdatesOnlyGivenAttributes) {
  FakeDigitalOcean fake(zone_with(0));
  auto r1 = fake.api("POST", kRecords, R"({"type":"A","name":"www","data":"192.0.2.1"})");
  auto r2 = fake.api("POST", kRecords, R"({"type":"A","name":"www","data":"192.0.2.2","ttl":30})");
  ASSERT_EQ(r1.status, 201) << r1.body;
  ASSERT_EQ(r2.status, 201) << r2.body;
  const json a = body_of(r1)["domain_record"], b = body_of(r2)["domain_record"];
  EXPECT_LT(a["id"].get<std::int64_t>(), b["id"].get<std::int64_t>());
  EXPECT_EQ(a["ttl"], 1800);  // DigitalOcean's default
  EXPECT_TRUE(a["priority"].is_null());

  const std::string one = kRecords + "/" + std::to_string(b["id"].get<std::int64_t>());
  auto put = fake.api("PUT", one, R"({"data":"192.0.2.9"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(body_of(put)["domain_record"]["data"], "192.0.2.9");
  EXPECT_EQ(body_of(put)["domain_record"]["ttl"], 30);
  expect_error(fake.api("PUT", one, R"({"ttl": 5})"), 422, "unprocessable_entity");

  auto del = fake.api("DELETE", one);
  EXPECT_EQ(del.status, 204);
  EXPECT_TRUE(del.body.empty());
  expect_error(fake.api("DELETE", one), 404, "not_found");
}

TEST(DigitalOceanFake, UnknownThingsAreNotFound) {
  FakeDigitalOcean fake(zone_with(1));
  expect_error(fake.api("GET", "/v2/domains/example.org/records"), 404, "not_found");
  expect_error(fake.api("GET", kRecords + "/999999"), 404, "not_found");
  expect_error(fake.api("GET", "/v2/load_balancers/nope"), 404, "not_found");
  expect_error(fake.api("POST", "/v2/load_balancers/nope/droplets", R"({"droplet_ids":[111]})"),
               404, "not_found");
  // Without /v2 nothing is served.
  expect_error(fake.api("GET", "/domains/example.com/records"), 404, "not_found");
}

TEST(DigitalOceanFake, PagesAsDigitalOceanDoes) {
  FakeDigitalOcean fake(zone_with(450));
  auto first = body_of(fake.api("GET", kRecords));
  EXPECT_EQ(first["domain_records"].size(), 20u);  // default per_page
  EXPECT_EQ(first["meta"]["total"], 450);
  const std::string next = first["links"]["pages"]["next"];
  EXPECT_NE(next.find("page=2"), std::string::npos) << next;
  EXPECT_NE(next.find("http://127.0.0.1:"), std::string::npos) << next;
  EXPECT_FALSE(first["links"]["pages"].contains("prev"));

  auto capped = body_of(fake.api("GET", kRecords + "?per_page=500"));
  EXPECT_EQ(capped["domain_records"].size(), 200u);

  auto last = body_of(fake.api("GET", kRecords + "?per_page=200&page=3"));
  EXPECT_EQ(last["domain_records"].size(), 50u);
  EXPECT_FALSE(last["links"]["pages"].contains("next"));
  EXPECT_TRUE(last["links"]["pages"].contains("prev"));

  // Filters take the fully qualified name; everything fits: links is empty.
  auto none = body_of(fake.api("GET", kRecords + "?type=A&name=www"));
  EXPECT_TRUE(none["domain_records"].empty());
  auto filtered = body_of(fake.api("GET", kRecords + "?type=AAAA&name=www.example.com"));
  EXPECT_TRUE(filtered["domain_records"].empty());
  EXPECT_EQ(filtered["links"], json::object());
}

TEST(DigitalOceanFake, RateLimitHeadersOnEveryReplyAndTooManyRequestsWhenSpent) {
  json state = zone_with(1);
  state["rate_limit"] = {{"limit", 3}, {"window_seconds", 3}};
  FakeDigitalOcean fake(state);
  for (int i = 0; i < 3; ++i) {
    auto r = fake.api("GET", kRecords);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["ratelimit-limit"], "3");
    EXPECT_EQ(r.headers["ratelimit-remaining"], std::to_string(2 - i));
    EXPECT_GT(std::stoll(r.headers["ratelimit-reset"]), 1'000'000'000LL);  // Unix time
  }
  auto spent = fake.api("GET", kRecords);
  expect_error(spent, 429, "too_many_requests");
  EXPECT_TRUE(spent.headers.count("retry-after"));
  // The window ends and requests are allowed again.
  EXPECT_TRUE(wait_until([&] { return fake.api("GET", kRecords).status == 200; }, 10s, 100ms));
}

TEST(DigitalOceanFake, LoadBalancerDropletsAndFullReplacementPut) {
  FakeDigitalOcean fake(zone_with(0));
  const std::string lb = "/v2/load_balancers/" + std::string(kLbId);
  EXPECT_EQ(fake.api("POST", lb + "/droplets", R"({"droplet_ids":[112]})").status, 204);
  expect_error(fake.api("POST", lb + "/droplets", R"({"droplet_ids":[4242]})"), 422,
               "unprocessable_entity");
  expect_error(fake.api("POST", lb + "/droplets", R"({"ids":[112]})"), 422, "unprocessable_entity");
  expect_error(fake.api("POST", "/v2/load_balancers/tagged/droplets", R"({"droplet_ids":[112]})"),
               422, "unprocessable_entity");
  EXPECT_EQ(fake.api("DELETE", lb + "/droplets", R"({"droplet_ids":[111]})").status, 204);
  EXPECT_EQ(body_of(fake.api("GET", lb))["load_balancer"]["droplet_ids"], json({112}));

  // PUT replaces the whole load balancer: it needs region and forwarding
  // rules, and resets what it does not name.
  expect_error(fake.api("PUT", lb, R"({"droplet_ids":[111]})"), 422, "unprocessable_entity");
  auto put =
      fake.api("PUT", lb,
               R"({"region":"nyc3","forwarding_rules":[{"entry_port":443}],"droplet_ids":[111]})");
  ASSERT_EQ(put.status, 200) << put.body;
  const json after = body_of(fake.api("GET", lb))["load_balancer"];
  EXPECT_FALSE(after.contains("sticky_sessions"));
  EXPECT_EQ(after["droplet_ids"], json({111}));
  EXPECT_EQ(count(fake.requests(), "PUT", lb), 2);
}

TEST(DigitalOceanFake, WrongTokenIsUnauthorized) {
  FakeDigitalOcean fake(zone_with(0));
  net::ClientRequest req;
  req.host = "127.0.0.1";
  req.port = static_cast<std::uint16_t>(
      std::stoi(fake.endpoint().substr(std::string("http://127.0.0.1:").size())));
  req.target = kRecords;
  req.headers.push_back({"Authorization", "Bearer nope"});
  auto r = net::http_request_sync(req);
  expect_error(r, 401, "unauthorized");
  EXPECT_TRUE(r.headers.count("ratelimit-remaining"));
}

}  // namespace
}  // namespace drpilot::testing::digitalocean
