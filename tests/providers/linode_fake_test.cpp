// fake_linode itself: it must hold a client to what Linode documents, or the
// provider tests prove nothing. Raw requests, checked against the documented
// shapes.

#include <gtest/gtest.h>

#include "providers/linode_fixture.h"

namespace drpilot::testing {
namespace {

using nlohmann::json;

class LinodeFakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fake_.ok());
    fake_.set_state(
        {{"domains",
          {linode_domain(1, "example.com", {linode_record(10, "A", "www", "192.0.2.1", 30)})}}});
  }

  // The fields named by a 400 reply's errors.
  static std::vector<std::string> fields(const json& body) {
    std::vector<std::string> out;
    for (const json& e : body.value("errors", json::array())) out.push_back(e.value("field", ""));
    return out;
  }

  FakeLinodeProcess fake_;
};

TEST_F(LinodeFakeTest, TokenIsChecked) {
  auto r = fake_.api("GET", "/v4/domains", "", "not-the-token");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, json::parse(R"({"errors":[{"reason":"Invalid Token"}]})"));
}

TEST_F(LinodeFakeTest, ListsArePagesWithRateLimitHeaders) {
  auto r = fake_.api("GET", "/v4/domains/1/records");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["page"], 1);
  EXPECT_EQ(r.body["pages"], 1);
  EXPECT_EQ(r.body["results"], 1);
  ASSERT_EQ(r.body["data"].size(), 1u);
  const json& rec = r.body["data"][0];
  for (const char* key : {"id", "type", "name", "target", "ttl_sec", "priority", "weight", "port",
                          "service", "protocol", "tag", "created", "updated"}) {
    EXPECT_TRUE(rec.contains(key)) << key;
  }
  EXPECT_EQ(r.headers["x-ratelimit-limit"], "800");
  EXPECT_FALSE(r.headers["x-ratelimit-remaining"].empty());
  EXPECT_GT(std::stoll(r.headers["x-ratelimit-reset"]), 1'000'000'000);
}

TEST_F(LinodeFakeTest, PageSizeIsBounded) {
  json records = json::array();
  for (int i = 0; i < 130; ++i) records.push_back(linode_record(100 + i, "TXT", "t", "x"));
  fake_.set_state({{"domains", {linode_domain(1, "example.com", records)}}});
  auto first = fake_.api("GET", "/v4/domains/1/records");
  EXPECT_EQ(first.body["data"].size(), 100u) << "default page size";
  EXPECT_EQ(first.body["pages"], 2);
  auto second = fake_.api("GET", "/v4/domains/1/records?page=2");
  EXPECT_EQ(second.body["data"].size(), 30u);
  EXPECT_EQ(second.body["data"][0]["id"], 200);
  EXPECT_EQ(fake_.api("GET", "/v4/domains/1/records?page_size=25").body["pages"], 6);
  auto small = fake_.api("GET", "/v4/domains/1/records?page_size=10");
  EXPECT_EQ(small.status, 400);
  EXPECT_EQ(fields(small.body), std::vector<std::string>{"page_size"});
  EXPECT_EQ(fake_.api("GET", "/v4/domains/1/records?page_size=501").status, 400);
  EXPECT_EQ(fake_.api("GET", "/v4/domains/1/records?page=0").status, 400);
}

TEST_F(LinodeFakeTest, UnknownIdsAre404) {
  const json not_found = json::parse(R"({"errors":[{"reason":"Not found"}]})");
  for (const char* path : {"/v4/domains/2", "/v4/domains/2/records", "/v4/domains/1/records/11",
                           "/v4/domains/x", "/v4/linode/instances", "/domains/1"}) {
    auto r = fake_.api("GET", path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body, not_found) << path;
  }
  EXPECT_EQ(fake_.api("DELETE", "/v4/domains/1/records/11").status, 404);
  EXPECT_EQ(fake_.api("PUT", "/v4/domains/1/records/11", R"({"target":"192.0.2.3"})").status, 404);
}

TEST_F(LinodeFakeTest, CreateValidatesLikeLinode) {
  auto missing = fake_.api("POST", "/v4/domains/1/records", R"({"name":"a","target":"192.0.2.1"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(fields(missing.body), std::vector<std::string>{"type"});

  auto bad_type = fake_.api("POST", "/v4/domains/1/records", R"({"type":"AXFR","target":"x"})");
  EXPECT_EQ(fields(bad_type.body), std::vector<std::string>{"type"});

  auto v6_in_a = fake_.api("POST", "/v4/domains/1/records",
                           R"({"type":"A","name":"a","target":"2001:db8::1"})");
  EXPECT_EQ(v6_in_a.status, 400);
  EXPECT_EQ(fields(v6_in_a.body), std::vector<std::string>{"target"});

  auto v4_in_aaaa = fake_.api("POST", "/v4/domains/1/records",
                              R"({"type":"AAAA","name":"a","target":"192.0.2.1"})");
  EXPECT_EQ(fields(v4_in_aaaa.body), std::vector<std::string>{"target"});

  auto several =
      fake_.api("POST", "/v4/domains/1/records", R"({"type":"A","name":"-bad-","ttl_sec":"30"})");
  EXPECT_EQ(several.status, 400);
  EXPECT_EQ(fields(several.body), (std::vector<std::string>{"name", "target", "ttl_sec"}));

  EXPECT_EQ(fake_.api("POST", "/v4/domains/1/records", "{not json").status, 400);
  EXPECT_EQ(fake_.records(1).size(), 1u) << "a refused request changed the state";
}

TEST_F(LinodeFakeTest, CreateRoundsTtlAndAssignsIncreasingIds) {
  auto a = fake_.api("POST", "/v4/domains/1/records",
                     R"({"type":"A","name":"api.example.com","target":"192.0.2.7","ttl_sec":45})");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body["name"], "api") << "an FQDN inside the domain is stored relative";
  EXPECT_EQ(a.body["ttl_sec"], 120);
  EXPECT_GT(a.body["id"].get<std::int64_t>(), 10);

  auto b = fake_.api("POST", "/v4/domains/1/records",
                     R"({"type":"AAAA","name":"","target":"2001:DB8:0::5","ttl_sec":5000000})");
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.body["name"], "");
  EXPECT_EQ(b.body["target"], "2001:db8::5");
  EXPECT_EQ(b.body["ttl_sec"], 2419200);
  EXPECT_GT(b.body["id"].get<std::int64_t>(), a.body["id"].get<std::int64_t>());

  auto zero = fake_.api("POST", "/v4/domains/1/records",
                        R"({"type":"A","name":"z","target":"192.0.2.8","ttl_sec":0})");
  EXPECT_EQ(zero.body["ttl_sec"], 0) << "0 means the domain's default and is kept";
}

TEST_F(LinodeFakeTest, UpdateChangesOnlyWhatIsSentAndKeepsTheType) {
  auto r = fake_.api("PUT", "/v4/domains/1/records/10", R"({"target":"192.0.2.9","ttl_sec":301})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body["target"], "192.0.2.9");
  EXPECT_EQ(r.body["ttl_sec"], 3600);
  EXPECT_EQ(r.body["name"], "www");
  EXPECT_EQ(r.body["type"], "A");
  auto bad = fake_.api("PUT", "/v4/domains/1/records/10", R"({"target":"2001:db8::1"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(fake_.api("GET", "/v4/domains/1/records/10").body["target"], "192.0.2.9");
}

TEST_F(LinodeFakeTest, DeleteRemoves) {
  auto r = fake_.api("DELETE", "/v4/domains/1/records/10");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, json::object());
  EXPECT_TRUE(fake_.records(1).empty());
}

TEST_F(LinodeFakeTest, RateLimitAnswers429WithRetryAfter) {
  fake_.set_state({{"domains", {linode_domain(1, "example.com")}},
                   {"rate_limit", {{"limit", 2}, {"window_seconds", 60}}}});
  EXPECT_EQ(fake_.api("GET", "/v4/domains").headers["x-ratelimit-remaining"], "1");
  EXPECT_EQ(fake_.api("GET", "/v4/domains").headers["x-ratelimit-remaining"], "0");
  auto r = fake_.api("GET", "/v4/domains");
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(r.headers["retry-after"].empty());
  EXPECT_GE(std::stoi(r.headers["retry-after"]), 1);
}

}  // namespace
}  // namespace drpilot::testing
