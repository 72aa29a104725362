// Faults on the lab's endpoints, in-process: what a client of a data region
// or a simulated site sees while it is broken, refused, blackholed, slow, and
// after it is healed.

#include "lab/fault.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "lab/data_region.h"
#include "lab/dynamo_wire.h"
#include "lab/site.h"
#include "net/http.h"
#include "net/loop.h"
#include "support/process.h"

namespace drpilot::lab {
namespace {

using namespace std::chrono_literals;

TEST(Fault, ActionsAndNames) {
  EXPECT_EQ(fault_for_action("break"), Fault::broken);
  EXPECT_EQ(fault_for_action("refuse"), Fault::refused);
  EXPECT_EQ(fault_for_action("blackhole"), Fault::blackholed);
  EXPECT_EQ(fault_for_action("slow"), Fault::slow);
  EXPECT_EQ(fault_for_action("heal"), Fault::none);
  EXPECT_FALSE(fault_for_action("pause-replication"));
  EXPECT_FALSE(fault_for_action("Break"));
  EXPECT_FALSE(fault_for_action(""));
  EXPECT_EQ(to_string(Fault::none), "none");
  EXPECT_EQ(to_string(Fault::broken), "broken");
  EXPECT_EQ(to_string(Fault::refused), "refused");
  EXPECT_EQ(to_string(Fault::blackholed), "blackholed");
  EXPECT_EQ(to_string(Fault::slow), "slow");
}

// A data region whose "dynalite" is a handler on the same loop, and a client.
class RegionFault : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = testing::free_port();
    region_ = std::make_unique<DataRegion>(
        loop_, "eu", "eu-west-1", config::Endpoint{"127.0.0.1", port_},
        [this](const net::ServerRequest& req, net::Responder respond) {
          ++served_;
          net::ServerResponse r;
          r.content_type = kDynamoContentType;
          r.body = R"({"Echo":")" + operation_of(req.headers) + R"("})";
          respond(std::move(r));
        });
    region_->start();
  }
  void TearDown() override { region_->stop(); }

  // One DynamoDB request, run on the loop; `during` runs on the loop
  // `after` the request was sent.
  net::ClientResult call(std::chrono::milliseconds timeout = 2s,
                         std::function<void()> during = nullptr,
                         std::chrono::milliseconds after = 0ms) {
    net::ClientRequest c;
    c.method = "POST";
    c.host = "127.0.0.1";
    c.port = port_;
    c.headers = {{"X-Amz-Target", "DynamoDB_20120810.GetItem"},
                 {"Content-Type", kDynamoContentType}};
    c.body = "{}";
    c.connect_timeout = 1s;
    c.timeout = timeout;
    net::ClientResult out;
    bool done = false;
    net::http_request(loop_, c, [&](net::ClientResult r) {
      out = std::move(r);
      done = true;
      loop_.stop();
    });
    net::Timer side(loop_);
    if (during) side.start(after, during);
    net::Timer guard(loop_);
    guard.start(timeout + 5s, [&] { loop_.stop(); });
    loop_.run();
    EXPECT_TRUE(done) << "the request did not complete";
    return out;
  }

  net::Loop loop_;
  std::uint16_t port_ = 0;
  int served_ = 0;
  std::unique_ptr<DataRegion> region_;
};

TEST_F(RegionFault, HealthyAnswersFromItsServer) {
  auto r = call();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"Echo":"GetItem"})");
  EXPECT_EQ(served_, 1);
}

TEST_F(RegionFault, BrokenAnswersInternalServerErrorAsDynamoDbWould) {
  region_->set_fault(Fault::broken);
  EXPECT_EQ(region_->fault(), Fault::broken);
  auto r = call();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.headers["content-type"], kDynamoContentType);
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["__type"], "com.amazonaws.dynamodb.v20120810#InternalServerError");
  EXPECT_NE(body["message"].get<std::string>().find("eu"), std::string::npos);
  // SDKs check the body against this before they look at the error.
  EXPECT_EQ(r.headers["x-amz-crc32"], crc32_text(r.body));
  EXPECT_FALSE(r.headers["x-amzn-requestid"].empty());
  EXPECT_EQ(served_, 0);

  region_->set_fault(Fault::none);
  r = call();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(served_, 1);
}

TEST_F(RegionFault, RefusedClosesThePortAndHealOpensIt) {
  region_->set_fault(Fault::refused);
  auto r = call();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("refused"), std::string::npos) << r.error;
  // Refused twice in a row is still refused, and healing listens again.
  region_->set_fault(Fault::refused);
  EXPECT_FALSE(call().ok);
  region_->set_fault(Fault::none);
  r = call();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
}

TEST_F(RegionFault, BlackholedNeverAnswers) {
  region_->set_fault(Fault::blackholed);
  auto r = call(400ms);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("timeout"), std::string::npos) << r.error;
  EXPECT_EQ(served_, 0);
}

TEST_F(RegionFault, HealingABlackholeLetsHeldClientsGo) {
  region_->set_fault(Fault::blackholed);
  const auto start = std::chrono::steady_clock::now();
  auto r = call(
      10s, [&] { region_->set_fault(Fault::none); }, 200ms);
  const auto took = std::chrono::steady_clock::now() - start;
  // The held connection is closed: the client hears of it long before its
  // own timeout, and a new request is answered.
  EXPECT_FALSE(r.ok);
  EXPECT_LT(took, 5s);
  r = call();
  EXPECT_EQ(r.status, 200);
}

TEST_F(RegionFault, SlowServesNowAndAnswersLate) {
  region_->set_fault(Fault::slow, 1000);
  EXPECT_EQ(region_->slow_ms(), 1000);
  int served_at_100ms = -1;
  const auto start = std::chrono::steady_clock::now();
  auto r = call(
      3s, [&] { served_at_100ms = served_; }, 100ms);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(took, 1000ms);
  // The write happened before the answer: a client that gives up cannot
  // tell whether it did.
  EXPECT_EQ(served_at_100ms, 1);
  region_->set_fault(Fault::none);
  EXPECT_EQ(region_->slow_ms(), 0);
  const auto again = std::chrono::steady_clock::now();
  EXPECT_EQ(call().status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - again, 800ms);
}

TEST(SiteFault, BrokenSiteAnswers503AndHealsBack) {
  net::Loop loop;
  const std::uint16_t port = testing::free_port();
  SimulatedSite site(loop, "ams", config::Endpoint{"127.0.0.1", port});
  site.start();
  auto get = [&](const std::string& path) {
    net::ClientRequest c;
    c.host = "127.0.0.1";
    c.port = port;
    c.target = path;
    net::ClientResult out;
    net::http_request(loop, c, [&](net::ClientResult r) {
      out = std::move(r);
      loop.stop();
    });
    net::Timer guard(loop);
    guard.start(5s, [&] { loop.stop(); });
    loop.run();
    return out;
  };
  auto r = get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  site.set_fault(Fault::broken);
  r = get("/healthz");
  EXPECT_EQ(r.status, 503);
  site.set_fault(Fault::refused);
  EXPECT_FALSE(get("/healthz").ok);
  site.set_fault(Fault::none);
  EXPECT_EQ(get("/healthz").status, 200);
  site.stop();
}

}  // namespace
}  // namespace drpilot::lab
