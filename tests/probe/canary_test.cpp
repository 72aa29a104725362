// The replication canary's threads (a writer per data region, a reader per
// other region) against a DynamoDB table stand-in on a thread of its own that
// both regions share, so replication is instant: every pair yields lag
// samples, every write is reported, both on the loop's thread; after stop()
// nothing more arrives. These tests run under ThreadSanitizer too.

#include "probe/canary.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "aws/credential_source.h"
#include "net/http.h"
#include "net/loop.h"

namespace drpilot::probe {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// PutItem and GetItem of items keyed by "pk", on a thread of its own.
class FakeTable {
 public:
  FakeTable()
      : server_(loop_, "127.0.0.1", 0,
                [this](const net::ServerRequest& req, net::Responder respond) {
                  respond(answer(req));
                }) {
    server_.start();
    port_ = server_.port();
    thread_ = std::thread([this] { loop_.run(); });
  }
  ~FakeTable() {
    loop_.post([this] {
      server_.stop();
      loop_.stop();
    });
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  // On the server's thread.
  net::ServerResponse answer(const net::ServerRequest& req) {
    net::ServerResponse r;
    r.content_type = "application/x-amz-json-1.0";
    const json body = json::parse(req.body, nullptr, false);
    auto target = req.headers.find("x-amz-target");
    const std::string op = target == req.headers.end() ? "" : target->second;
    if (op == "DynamoDB_20120810.PutItem" && body.contains("Item")) {
      items_[body["Item"]["pk"]["S"].get<std::string>()] = body["Item"];
      r.body = "{}";
    } else if (op == "DynamoDB_20120810.GetItem" && body.contains("Key")) {
      auto it = items_.find(body["Key"]["pk"]["S"].get<std::string>());
      r.body = it == items_.end() ? "{}" : json{{"Item", it->second}}.dump();
    } else {
      r.status = 400;
      r.body = R"({"__type": "com.amazonaws.dynamodb.v20120810#ValidationException"})";
    }
    return r;
  }

  net::Loop loop_;
  net::HttpServer server_;
  std::map<std::string, json> items_;  // the server's thread only
  std::uint16_t port_ = 0;
  std::thread thread_;
};

CanaryOptions options(const std::string& endpoint) {
  CanaryOptions o;
  aws::Credentials c;
  c.access_key_id = "AKIDTEST";
  c.secret_access_key = "secret-access-key-for-tests";
  o.credentials = aws::fixed_credentials(c);
  CanaryGroup g;
  g.group = "shop";
  g.table = "orders";
  g.interval = core::Duration{100};
  g.regions = {{"eu", "eu-west-1", endpoint}, {"us", "us-east-1", endpoint}};
  o.groups = {g};
  return o;
}

TEST(Canary, EveryPairYieldsSamplesAndEveryRegionsWritesAreReportedOnTheLoop) {
  FakeTable table;
  net::Loop loop;
  const core::SystemClock clock;
  const std::thread::id self = std::this_thread::get_id();
  // The loop's thread only.
  std::map<std::string, int> samples;  // "eu>us" -> count
  std::set<std::string> written;
  std::vector<core::Duration> lags;
  int elsewhere = 0;
  Canary canary(
      loop, clock, options(table.endpoint()),
      [&](const core::LagSample& s) {
        if (std::this_thread::get_id() != self) ++elsewhere;
        ++samples[s.from + ">" + s.to];
        lags.push_back(s.lag());
        if (samples["eu>us"] >= 2 && samples["us>eu"] >= 2) loop.stop();
      },
      [&](const std::string& group, const std::string& from, core::TimePoint) {
        if (std::this_thread::get_id() != self) ++elsewhere;
        written.insert(group + "/" + from);
      });
  canary.start();
  net::Timer guard(loop);
  guard.start(20s, [&] { loop.stop(); });
  loop.run();
  canary.stop();

  EXPECT_GE(samples["eu>us"], 2);
  EXPECT_GE(samples["us>eu"], 2);
  EXPECT_EQ(samples.size(), 2u);
  EXPECT_EQ(written, (std::set<std::string>{"shop/eu", "shop/us"}));
  EXPECT_EQ(elsewhere, 0);
  for (core::Duration lag : lags) {
    EXPECT_GE(lag.count(), 0);
    EXPECT_LT(lag.count(), 5'000);
  }

  // Stopped: what the threads posted before they ended is dropped.
  const std::size_t before = lags.size();
  const std::set<std::string> written_before = written;
  written.clear();
  net::Timer later(loop);
  later.start(300ms, [&] { loop.stop(); });
  loop.run();
  EXPECT_EQ(lags.size(), before);
  EXPECT_TRUE(written.empty());
  EXPECT_FALSE(written_before.empty());
}

}  // namespace
}  // namespace drpilot::probe
