// The dynamodb checks on their worker threads (DataProbe), against DynamoDB
// stand-ins on a thread of their own: check loops on several threads share
// one probe and each outcome arrives once, on the loop that asked; a data
// region that hangs delays no other; a probe destroyed with a check in flight
// delivers nothing afterwards. These tests run under ThreadSanitizer too.

#include "probe/dynamo_check.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "aws/credential_source.h"
#include "net/http.h"
#include "net/loop.h"

namespace drpilot::probe {
namespace {

using namespace std::chrono_literals;

// Answers every DescribeTable with an ACTIVE table, or (`answers` false)
// never answers.
class FakeDynamo {
 public:
  explicit FakeDynamo(bool answers)
      : answers_(answers),
        server_(loop_, "127.0.0.1", 0, [this](const net::ServerRequest&, net::Responder respond) {
          ++requests;
          if (!answers_) {
            held_.push_back(std::move(respond));
            return;
          }
          net::ServerResponse r;
          r.content_type = "application/x-amz-json-1.0";
          r.body = R"({"Table": {"TableName": "orders", "TableStatus": "ACTIVE"}})";
          respond(std::move(r));
        }) {
    server_.start();
    port_ = server_.port();
    thread_ = std::thread([this] { loop_.run(); });
  }
  ~FakeDynamo() {
    loop_.post([this] {
      held_.clear();
      server_.stop();
      loop_.stop();
    });
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::atomic<int> requests{0};

 private:
  const bool answers_;
  net::Loop loop_;
  net::HttpServer server_;
  std::vector<net::Responder> held_;  // the server's thread only
  std::uint16_t port_ = 0;
  std::thread thread_;
};

aws::Credentials credentials() {
  aws::Credentials c;
  c.access_key_id = "AKIDTEST";
  c.secret_access_key = "secret-access-key-for-tests";
  c.source = "the test";
  return c;
}

ProbeTarget describe(const std::string& region, const std::string& endpoint,
                     std::chrono::milliseconds timeout = 2s) {
  config::CheckConfig c;
  c.name = "table";
  c.kind = config::CheckKind::dynamodb;
  c.operation = config::DynamoCheck::describe;
  c.table = "orders";
  c.timeout = core::Duration{timeout.count()};
  c.connect_timeout = core::Duration{1000};
  ProbeTarget t;
  t.target = region + "/table";
  t.site = region;
  t.address = endpoint;
  t.region = "eu-west-1";
  t.check = share(c);
  return t;
}

// A check loop on its own thread asking `n` checks of each endpoint and
// counting, on its thread, what arrives.
struct CheckLoop {
  net::Loop loop;
  std::thread thread;
  int expected = 0;
  int arrived = 0, healthy = 0, elsewhere = 0;  // the loop's thread only

  void start(DataProbe& probe, const std::vector<ProbeTarget>& targets, int n) {
    expected = n * static_cast<int>(targets.size());
    thread = std::thread([this, &probe, targets, n] {
      const std::thread::id self = std::this_thread::get_id();
      for (int i = 0; i < n; ++i) {
        for (const ProbeTarget& t : targets) {
          probe.run(loop, t, [this, self](CheckOutcome o) {
            if (std::this_thread::get_id() != self) ++elsewhere;
            ++arrived;
            if (o.ok && o.detail == "table orders ACTIVE") ++healthy;
            if (arrived == expected) loop.stop();
          });
        }
      }
      net::Timer guard(loop);
      guard.start(30s, [this] { loop.stop(); });
      loop.run();
    });
  }
};

TEST(DataProbe, CheckLoopsOnSeveralThreadsShareOneProbeAndGetEachOutcomeOnce) {
  FakeDynamo eu(true), us(true);
  DataProbe probe(aws::fixed_credentials(credentials()), 1);
  const std::vector<ProbeTarget> targets = {describe("eu", eu.endpoint()),
                                            describe("us", us.endpoint())};
  constexpr int kEach = 5;
  CheckLoop a, b;
  a.start(probe, targets, kEach);
  b.start(probe, targets, kEach);
  a.thread.join();
  b.thread.join();
  for (const CheckLoop* l : {&a, &b}) {
    EXPECT_EQ(l->arrived, 2 * kEach);
    EXPECT_EQ(l->healthy, 2 * kEach);
    EXPECT_EQ(l->elsewhere, 0);
  }
  EXPECT_EQ(eu.requests.load(), 2 * kEach);
  EXPECT_EQ(us.requests.load(), 2 * kEach);
}

TEST(DataProbe, ARegionThatHangsDelaysNoOtherRegion) {
  FakeDynamo hanging(false), fine(true);
  DataProbe probe(aws::fixed_credentials(credentials()), 1);
  net::Loop loop;
  std::vector<std::string> order;
  std::chrono::steady_clock::duration fine_after{};
  const auto start = std::chrono::steady_clock::now();
  probe.run(loop, describe("us", hanging.endpoint(), 1500ms), [&](CheckOutcome o) {
    EXPECT_FALSE(o.ok);
    order.push_back("us");
    loop.stop();
  });
  probe.run(loop, describe("eu", fine.endpoint()), [&](CheckOutcome o) {
    EXPECT_TRUE(o.ok) << o.detail;
    fine_after = std::chrono::steady_clock::now() - start;
    order.push_back("eu");
  });
  net::Timer guard(loop);
  guard.start(20s, [&] { loop.stop(); });
  loop.run();
  EXPECT_EQ(order, (std::vector<std::string>{"eu", "us"}));
  EXPECT_LT(fine_after, 1500ms);
}

TEST(DataProbe, AProbeDestroyedWithACheckInFlightDeliversNothingAfterwards) {
  FakeDynamo hanging(false);
  net::Loop loop;
  bool delivered = false;
  auto probe = std::make_unique<DataProbe>(aws::fixed_credentials(credentials()), 1);
  probe->run(loop, describe("eu", hanging.endpoint(), 300ms),
             [&](CheckOutcome) { delivered = true; });
  ASSERT_TRUE([&] {
    for (int i = 0; i < 200 && hanging.requests.load() == 0; ++i) std::this_thread::sleep_for(10ms);
    return hanging.requests.load() == 1;
  }());
  probe.reset();  // waits for the check, which ends at its timeout
  net::Timer later(loop);
  later.start(500ms, [&] { loop.stop(); });
  loop.run();
  EXPECT_FALSE(delivered);
}

}  // namespace
}  // namespace drpilot::probe
