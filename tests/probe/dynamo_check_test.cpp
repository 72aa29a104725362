// The dynamodb checks through their real code path -- the scheduler, the
// DataProbe's worker threads, the signed DynamoDB client, HTTP -- against a
// server on loopback that answers as DynamoDB does, into the health book.
// Credentials AWS refuses make a region unknown, never down; the same path
// with the service failing makes it down, so the test would see a wrong down.

#include "probe/dynamo_check.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "aws/dynamodb.h"
#include "core/health_book.h"
#include "net/loop.h"
#include "probe/scheduler.h"
#include "support/run_loop.h"
#include "support/served_http.h"

namespace drpilot::probe {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Answers every request with one reply, as DynamoDB shapes them: a JSON body
// ({"__type": ..., "message": ...} for errors), its CRC-32 in x-amz-crc32.
class DynamoLike {
 public:
  DynamoLike()
      : server_([this](const net::ServerRequest& req, net::Responder respond) {
          net::ServerResponse r;
          {
            std::lock_guard lock(mutex_);
            r.status = status_;
            r.body = body_;
            auto target = req.headers.find("x-amz-target");
            targets_.push_back(target == req.headers.end() ? "" : target->second);
          }
          r.content_type = "application/x-amz-json-1.0";
          r.headers.push_back({"x-amz-crc32", std::to_string(aws::crc32(r.body))});
          respond(r);
        }) {}

  void answer(int status, const json& body) {
    std::lock_guard lock(mutex_);
    status_ = status;
    body_ = body.dump();
  }
  void refuse(const std::string& code, const std::string& message) {
    answer(400, {{"__type", "com.amazon.coral.service#" + code}, {"message", message}});
  }
  // DynamoDB's endpoints have no path.
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  std::size_t requests() {
    std::lock_guard lock(mutex_);
    return targets_.size();
  }

 private:
  std::mutex mutex_;
  int status_ = 500;
  std::string body_ = "{}";
  std::vector<std::string> targets_;
  testing::ServedHttp server_;
};

ProbeTarget dynamo_target(const std::string& endpoint, const std::string& check,
                          config::DynamoCheck op) {
  auto c = std::make_shared<config::CheckConfig>();
  c->name = check;
  c->kind = config::CheckKind::dynamodb;
  c->operation = op;
  c->table = "orders";
  c->key_json = R"({"pk": {"S": "drpilot-sentinel"}})";
  c->interval = 40ms;
  c->edge_interval = 20ms;
  c->jitter_percent = 0;
  c->timeout = 2s;
  c->connect_timeout = 1s;
  c->hysteresis = {2, 2};
  ProbeTarget t;
  t.target = "eu-west-1/" + check;
  t.site = "eu-west-1";
  t.address = endpoint;
  t.region = "eu-west-1";
  t.check = c;
  return t;
}

aws::Credentials test_credentials() {
  aws::Credentials c;
  c.access_key_id = "ASIATEST";
  c.secret_access_key = "test-secret-access-key";
  c.session_token = "test-session-token";
  c.source = "profile shop in /root/.aws/credentials";
  return c;
}

class DynamoChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const ProbeTarget& t : targets_) book_.add_target(t.target, t.check->hysteresis);
    scheduler_.set_targets(targets_);
  }
  void TearDown() override { scheduler_.stop(); }

  void observe(const core::Observation& o) {
    seen_.push_back(o);
    if (auto change = book_.observe(o)) changes_.push_back(*change);
  }
  core::Health verdict(const std::string& check) {
    return book_.verdict("eu-west-1/" + check).state;
  }
  // Runs until `n` more observations of every target have come in.
  bool run_observations(std::size_t n) {
    const std::size_t from = seen_.size();
    return testing::run_loop_until(
        loop_, [&] { return seen_.size() >= from + n * targets_.size(); }, 20s);
  }

  DynamoLike aws_;
  net::Loop loop_;
  core::SystemClock clock_;
  core::HealthBook book_{10s};
  std::vector<core::Observation> seen_;
  std::vector<core::VerdictChange> changes_;
  DataProbe probe_{aws::fixed_credentials(test_credentials()), 7};
  std::vector<ProbeTarget> targets_ = {
      dynamo_target(aws_.endpoint(), "orders-table", config::DynamoCheck::describe),
      dynamo_target(aws_.endpoint(), "orders-sentinel", config::DynamoCheck::sentinel)};
  Scheduler scheduler_{loop_,        clock_,
                       "controller", [this](core::Observation o) { observe(o); },
                       11,           probe_.runner()};
};

TEST_F(DynamoChecks, ExpiredCredentialsMakeTheRegionUnknownNeverDown) {
  aws_.refuse("ExpiredTokenException", "The security token included in the request is expired");
  // Three times `fall`: a failure would long have made it down.
  ASSERT_TRUE(run_observations(6));
  for (const core::Observation& o : seen_) {
    EXPECT_FALSE(o.ok);
    EXPECT_TRUE(o.inconclusive) << o.detail;
    EXPECT_EQ(o.detail.rfind("DynamoDB eu-west-1 refused the credentials from profile shop in "
                             "/root/.aws/credentials: ExpiredTokenException: The security token "
                             "included in the request is expired (",
                             0),
              0u)
        << o.detail;
    // Never the secret or the token, whatever the server echoes.
    EXPECT_EQ(o.detail.find("test-secret-access-key"), std::string::npos);
  }
  for (const char* check : {"orders-table", "orders-sentinel"}) {
    EXPECT_EQ(verdict(check), core::Health::unknown) << check;
    EXPECT_EQ(book_.verdict(std::string("eu-west-1/") + check)
                  .reason.rfind(
                      "cannot be judged: DynamoDB eu-west-1 refused the credentials from profile "
                      "shop",
                      0),
              0u)
        << book_.verdict(std::string("eu-west-1/") + check).reason;
  }
  for (const core::VerdictChange& c : changes_) EXPECT_NE(c.after.state, core::Health::down);
}

TEST_F(DynamoChecks, EveryKindOfCredentialRefusalIsInconclusive) {
  for (const char* code :
       {"UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException",
        "MissingAuthenticationTokenException", "IncompleteSignatureException"}) {
    aws_.refuse(code, "refused");
    ASSERT_TRUE(run_observations(3)) << code;
    EXPECT_TRUE(seen_.back().inconclusive) << seen_.back().detail;
    EXPECT_NE(seen_.back().detail.find(code), std::string::npos) << seen_.back().detail;
  }
  aws_.answer(403, {{"__type", "InvalidClientTokenId"},
                    {"message", "The security token included in the request is invalid."}});
  ASSERT_TRUE(run_observations(3));
  EXPECT_TRUE(seen_.back().inconclusive) << seen_.back().detail;
  EXPECT_EQ(verdict("orders-table"), core::Health::unknown);
  for (const core::VerdictChange& c : changes_) EXPECT_NE(c.after.state, core::Health::down);
}

// The control: through the same path a failing service is down, and
// accepted credentials bring it up again after an unknown spell.
TEST_F(DynamoChecks, TheSamePathMakesAFailingServiceDownAndAHealthyOneUp) {
  aws_.refuse("ExpiredTokenException", "The security token included in the request is expired");
  ASSERT_TRUE(run_observations(3));
  aws_.answer(500, {{"__type", "com.amazonaws.dynamodb.v20120810#InternalServerError"},
                    {"message", "Internal server error"}});
  ASSERT_TRUE(testing::run_loop_until(
      loop_, [&] { return verdict("orders-table") == core::Health::down; }, 20s));
  EXPECT_FALSE(seen_.back().inconclusive);
  aws_.answer(200, {{"Table", {{"TableName", "orders"}, {"TableStatus", "ACTIVE"}}},
                    {"Item", {{"pk", {{"S", "drpilot-sentinel"}}}}}});
  ASSERT_TRUE(testing::run_loop_until(
      loop_,
      [&] {
        return verdict("orders-table") == core::Health::up &&
               verdict("orders-sentinel") == core::Health::up;
      },
      20s));
}

}  // namespace
}  // namespace drpilot::probe
