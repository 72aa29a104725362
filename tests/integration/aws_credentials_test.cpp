// Credentials that expire, end to end: the controller (`drpilot run`) gets
// its AWS credentials from a container credentials endpoint (a server in
// this test, as the ECS agent serves them), checks two data regions of
// fake_dynamodb (which checks every signature and refuses expired or
// unknown session tokens as DynamoDB does), and a table group whose writes
// move at once when the primary is down (no canary). The credentials expire
// and are refreshed with no false verdict; then AWS refuses them while the
// endpoint is down: the regions are unknown, an ALERT names the credentials
// and is journaled, and no data moves; then the endpoint is back and all is
// well again, the alert's end journaled too.

#include <gtest/gtest.h>

#include <mutex>
#include <sstream>

#include "aws/aws_environment.h"
#include "core/time.h"
#include "fakes/fake_process.h"
#include "integration/lab_fixture.h"
#include "support/served_http.h"

namespace drpilot::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kRegions[] = {"eu-west-1", "us-east-1"};

// The container credentials endpoint: the credentials it hands out, or an
// error while it is "down". Thread-safe (it answers on its own thread).
class ContainerEndpoint {
 public:
  ContainerEndpoint()
      : server_([this](const net::ServerRequest& req, net::Responder respond) {
          net::ServerResponse r;
          std::lock_guard lock(mutex_);
          auto auth = req.headers.find("authorization");
          authorizations_.push_back(auth == req.headers.end() ? "" : auth->second);
          if (failing_) {
            r.status = 500;
            r.body = R"({"code": "InternalError", "message": "agent restarting"})";
          } else {
            r.body = json{{"AccessKeyId", key_},
                          {"SecretAccessKey", "secret-of-" + key_},
                          {"Token", "token-of-" + key_},
                          {"Expiration", core::format_time(expires_)}}
                         .dump();
          }
          respond(r);
        }) {}

  void serve(const std::string& key, core::TimePoint expires) {
    std::lock_guard lock(mutex_);
    key_ = key;
    expires_ = expires;
    failing_ = false;
  }
  void fail() {
    std::lock_guard lock(mutex_);
    failing_ = true;
  }
  std::size_t requests() {
    std::lock_guard lock(mutex_);
    return authorizations_.size();
  }
  std::vector<std::string> authorizations() {
    std::lock_guard lock(mutex_);
    return authorizations_;
  }
  std::string url() const { return server_.url("/v1/credentials"); }
  // How the controller names these credentials (the path is not shown).
  std::string source() const {
    return "the container credentials endpoint http://127.0.0.1:" + std::to_string(server_.port()) +
           "/... (AWS_CONTAINER_CREDENTIALS_FULL_URI)";
  }

 private:
  std::mutex mutex_;
  std::string key_;
  core::TimePoint expires_{};
  bool failing_ = false;
  std::vector<std::string> authorizations_;
  ServedHttp server_;
};

json credential(const std::string& key, bool expired) {
  return {{"access_key_id", key},
          {"secret_access_key", "secret-of-" + key},
          {"session_token", "token-of-" + key},
          {"expired", expired}};
}

class AwsCredentials : public LabFixture {
 protected:
  void SetUp() override {
    LabFixture::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(dynamo_.ok());
    env_ = std::make_unique<AwsEnvironment>();  // no keys, no ~/.aws: only the container
    AwsEnvironment::set("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint_.url());
    AwsEnvironment::set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "task-token-1");
    write_config(config());
  }
  void TearDown() override {
    LabFixture::TearDown();
    env_.reset();
  }

  std::string config() const {
    std::ostringstream c;
    const std::string ddb = "http://127.0.0.1:" + std::to_string(dynamo_.api_port());
    c << "journal:\n  path: journal.db\n"
      << "api:\n  listen: 127.0.0.1:" << ports_.api << "\n"
      << "dns:\n  listen: [127.0.0.1:" << ports_.dns << "]\n  udp_threads: 1\n"
      << "  zones:\n    - name: example.test\n      ns:\n        - name: ns1.example.test\n"
      << "          addresses: [127.0.0.1]\n"
      << "checks:\n"
      << "  - name: web\n    type: tcp\n    port: " << ports_.site << "\n"
      << "  - name: orders-table\n    type: dynamodb\n    operation: describe\n"
      << "    table: orders\n    interval: 200ms\n    edge_interval: 100ms\n"
      << "    connect_timeout: 300ms\n    timeout: 1s\n    rise: 2\n    fall: 2\n"
      << "  - name: orders-sentinel\n    type: dynamodb\n    operation: sentinel\n"
      << "    table: orders\n    key: '{\"pk\": {\"S\": \"drpilot-sentinel\"}}'\n"
      << "    interval: 200ms\n    edge_interval: 100ms\n"
      << "    connect_timeout: 300ms\n    timeout: 1s\n    rise: 2\n    fall: 2\n"
      << "sites:\n  - name: ams\n    endpoints: [127.0.0.11]\n    checks: [web]\n"
      << "    data_regions: [eu-west-1, us-east-1]\n"
      << "data_regions:\n";
    for (const char* r : kRegions) {
      c << "  - name: " << r << "\n    endpoint: " << ddb
        << "\n    checks: [orders-table, orders-sentinel]\n";
    }
    // No canary: a primary that is down loses the writes at once, so a
    // false down would show.
    c << "table_groups:\n  - name: shop\n    tables: [orders]\n    write_mode: single\n"
      << "    primary_order: [eu-west-1, us-east-1]\n"
      << "records:\n  - name: www.example.test\n    ttl: 30\n    sites: [ams]\n";
    return c.str();
  }

  void set_fake(const json& credentials) {
    dynamo_.set_state(
        {{"credentials", credentials},
         {"tables",
          {{{"name", "orders"},
            {"key_schema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
            {"attribute_definitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
            {"regions", {{"eu-west-1", "ACTIVE"}, {"us-east-1", "ACTIVE"}}},
            {"items", {{{"pk", {{"S", "drpilot-sentinel"}}}}}}}}}});
  }
  // Only the credentials: the table stays as it is.
  void set_fake_credentials(const json& credentials) {
    json s = dynamo_.state();
    s["credentials"] = credentials;
    dynamo_.set_state(s);
  }

  json status() {
    json s = json::parse(api_get("/api/v1/status"), nullptr, false);
    return s.is_discarded() ? json::object() : s;
  }
  std::string region_verdict(const json& s, const std::string& name) {
    for (const json& r : s.value("data_regions", json::array())) {
      if (r.value("name", "") == name) return r.value("verdict", "");
    }
    return "";
  }
  std::string region_reason(const json& s, const std::string& name) {
    for (const json& r : s.value("data_regions", json::array())) {
      if (r.value("name", "") == name) return r.value("reason", "");
    }
    return "";
  }
  std::string primary(const json& s) {
    for (const json& g : s.value("table_groups", json::array())) {
      if (g.value("name", "") == "shop") return g.value("primary", "");
    }
    return "";
  }
  std::string alert_with(const json& s, const std::string& part) {
    for (const json& a : s.value("alerts", json::array())) {
      if (a.is_string() && a.get<std::string>().find(part) != std::string::npos) return a;
    }
    return "";
  }
  // Polls the status every 50 ms until `cond` holds. In every status seen
  // no region is down and the writes are where they were; with
  // `all_up`, every region is up (the checks go on without a false verdict).
  bool watch_until(const std::function<bool(const json&)>& cond, std::chrono::milliseconds limit,
                   bool all_up = false) {
    bool met = false;
    wait_until(
        [&] {
          const json s = status();
          if (s.empty()) return false;
          for (const char* r : kRegions) {
            EXPECT_NE(region_verdict(s, r), "down") << r << ": " << region_reason(s, r);
            if (all_up) EXPECT_EQ(region_verdict(s, r), "up") << r << ": " << region_reason(s, r);
          }
          const std::string p = primary(s);
          if (!p.empty()) EXPECT_EQ(p, "eu-west-1");
          met = cond(s);
          return met;
        },
        limit, 50ms);
    return met;
  }
  std::vector<json> history() {
    json h = json::parse(api_get("/api/v1/history?limit=1000"), nullptr, false);
    if (h.is_discarded() || !h.contains("events")) return {};
    return {h["events"].begin(), h["events"].end()};
  }

  FakeApiProcess dynamo_{FAKE_DYNAMODB_BINARY, "dynamodb", "unused-default-secret"};
  ContainerEndpoint endpoint_;
  std::unique_ptr<AwsEnvironment> env_;
};

TEST_F(AwsCredentials, ExpiringCredentialsAreRefreshedAndRefusedOnesNeverMoveData) {
  const core::SystemClock clock;
  set_fake(json::array({credential("ASIAFIRST", false)}));
  // Due for a refresh (five minutes before expiry) four seconds from now.
  endpoint_.serve("ASIAFIRST", clock.now() + 5min + 4s);
  ASSERT_NO_FATAL_FAILURE(start_controller());
  ASSERT_TRUE(watch_until(
      [&](const json& s) {
        return region_verdict(s, "eu-west-1") == "up" && region_verdict(s, "us-east-1") == "up";
      },
      10s))
      << api_get("/api/v1/status");
  EXPECT_EQ(endpoint_.requests(), 1u);
  EXPECT_EQ(endpoint_.authorizations()[0], "task-token-1");
  json s = status();
  EXPECT_EQ(s["aws"]["credentials"]["source"], endpoint_.source());

  // 1. The refresh before expiry: the new credentials sign the next checks
  //    and, once no check signed with the old ones is in flight (a check
  //    takes at most its 1 s timeout), those can go; no verdict changes.
  set_fake(json::array({credential("ASIAFIRST", false), credential("ASIASECOND", false)}));
  const core::TimePoint second_expires = clock.now() + 1h;
  endpoint_.serve("ASIASECOND", second_expires);
  ASSERT_TRUE(watch_until(
      [&](const json& st) {
        return st["aws"]["credentials"].value("expires_at", "") ==
               core::format_time(core::from_ms(core::to_ms(second_expires) / 1000 * 1000));
      },
      15s, true))
      << api_get("/api/v1/status");
  EXPECT_EQ(endpoint_.requests(), 2u);
  watch_until([](const json&) { return false; }, 1500ms, true);
  set_fake_credentials(
      json::array({credential("ASIAFIRST", true), credential("ASIASECOND", false)}));
  dynamo_.clear_requests();
  ASSERT_TRUE(watch_until([&](const json&) { return dynamo_.requests().size() >= 20; }, 10s, true));
  for (const json& r : dynamo_.requests()) EXPECT_EQ(r.value("status", 0), 200) << r.dump();
  EXPECT_TRUE(alert_with(status(), "AWS credentials").empty());

  // 2. AWS refuses the credentials (revoked early) while the endpoint is
  //    down: unknown, not down; an alert names them; the writes stay.
  endpoint_.fail();
  set_fake_credentials(json::array({credential("ASIASECOND", true)}));
  std::string refused, refresh;
  ASSERT_TRUE(watch_until(
      [&](const json& st) {
        refused = alert_with(st, "refused by DynamoDB eu-west-1");
        refresh = alert_with(st, "cannot be refreshed");
        return region_verdict(st, "eu-west-1") == "unknown" &&
               region_verdict(st, "us-east-1") == "unknown" && !refused.empty() && !refresh.empty();
      },
      15s))
      << api_get("/api/v1/status");
  EXPECT_NE(refused.find("AWS credentials from the container credentials endpoint "
                         "http://127.0.0.1:"),
            std::string::npos)
      << refused;
  EXPECT_NE(refused.find("ExpiredTokenException: The security token included in the request is "
                         "expired"),
            std::string::npos)
      << refused;
  EXPECT_NE(refresh.find("HTTP 500: InternalError: agent restarting"), std::string::npos)
      << refresh;
  s = status();
  EXPECT_NE(region_reason(s, "eu-west-1")
                .find("refused the credentials from the container "
                      "credentials endpoint"),
            std::string::npos)
      << region_reason(s, "eu-west-1");
  EXPECT_FALSE(s["aws"]["credentials"]["refused"].empty());
  EXPECT_NE(s["aws"]["credentials"]["refresh_error"].get<std::string>().find("HTTP 500"),
            std::string::npos);
  // Well past `fall` at the edge interval: still unknown, writes in place.
  const auto unknown_since = std::chrono::steady_clock::now();
  watch_until([](const json&) { return false; }, 2s);
  EXPECT_GE(std::chrono::steady_clock::now() - unknown_since, 2s);

  // 3. The endpoint is back with new credentials: taken at the next retry,
  //    accepted, the regions up and the alerts over.
  set_fake_credentials(
      json::array({credential("ASIASECOND", true), credential("ASIATHIRD", false)}));
  endpoint_.serve("ASIATHIRD", clock.now() + 1h);
  ASSERT_TRUE(watch_until(
      [&](const json& st) {
        return region_verdict(st, "eu-west-1") == "up" && region_verdict(st, "us-east-1") == "up" &&
               alert_with(st, "AWS credentials").empty();
      },
      30s))
      << api_get("/api/v1/status");

  // The journal has each alert's start and end, and never a region down.
  bool started = false, ended = false, loaded_again = false;
  for (const json& e : history()) {
    const std::string message = e.value("message", "");
    if (e.value("subject", "") == "aws credentials") {
      started |=
          message.find("refused by DynamoDB eu-west-1: ExpiredTokenException") != std::string::npos;
      ended |= message == "DynamoDB eu-west-1 no longer refuses the AWS credentials (now from " +
                              endpoint_.source() + ")";
      loaded_again |= message.find("AWS credentials are loaded again") != std::string::npos;
    }
    const std::string subject = e.value("subject", "");
    if (e.value("kind", "") == "verdict" && subject.rfind("ams", 0) != 0) {
      EXPECT_NE(e["data"]["after"].value("state", ""), "down") << e.dump();
    }
  }
  EXPECT_TRUE(started);
  EXPECT_TRUE(ended);
  EXPECT_TRUE(loaded_again);
  EXPECT_EQ(primary(status()), "eu-west-1");
}

}  // namespace
}  // namespace drpilot::testing
