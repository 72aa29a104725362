// http and tcp checks against real servers on loopback: the outcome and its
// detail must say what an operator needs to know, within bounded time and
// without reading more of a body than the window.

#include <gtest/gtest.h>

#include <optional>

#include "net/http.h"
#include "net/loop.h"
#include "probe/check.h"
#include "support/check_settings.h"
#include "support/process.h"

namespace drpilot::probe {
namespace {

using namespace std::chrono_literals;

// Runs one check to completion; 10 s without an answer fails the test.
CheckOutcome check_once(net::Loop& loop, const ProbeTarget& t) {
  std::optional<CheckOutcome> out;
  run_check(loop, t, [&](CheckOutcome o) {
    out = std::move(o);
    loop.stop();
  });
  net::Timer guard(loop);
  guard.start(10s, [&] { loop.stop(); });
  loop.run();
  EXPECT_TRUE(out.has_value()) << "check did not complete";
  return out.value_or(CheckOutcome{false, {}, "no outcome"});
}

ProbeTarget target(config::CheckKind kind, std::uint16_t port) {
  ProbeTarget t;
  t.target = "local/check";
  t.site = "local";
  t.address = "127.0.0.1";
  test::settings(t).name = "check";
  test::settings(t).kind = kind;
  test::settings(t).port = port;
  test::settings(t).connect_timeout = 1s;
  test::settings(t).timeout = 2s;
  return t;
}

ProbeTarget http_target(std::uint16_t port) {
  return target(config::CheckKind::http, port);
}

// A server answering every request with one fixed response, and remembering
// the last request so tests can see what the check sent.
struct FixedServer {
  FixedServer(net::Loop& loop, net::ServerResponse reply)
      : server(loop, "127.0.0.1", 0,
               [this, reply](const net::ServerRequest& req, net::Responder r) {
                 last = req;
                 r(reply);
               }) {
    server.start();
  }
  std::uint16_t port() const { return server.port(); }
  net::ServerRequest last;
  net::HttpServer server;
};

TEST(HttpCheck, ExpectedStatusIsOk) {
  net::Loop loop;
  FixedServer site(loop, {200, "text/plain", "fine", {}});
  ProbeTarget t = http_target(site.port());
  test::settings(t).path = "/healthz";
  test::settings(t).host = "www.example.test";
  CheckOutcome o = check_once(loop, t);
  EXPECT_TRUE(o.ok) << o.detail;
  EXPECT_EQ(o.detail, "status 200");
  EXPECT_LT(o.latency, 2s);
  EXPECT_EQ(site.last.path, "/healthz");
  EXPECT_EQ(site.last.headers["host"], "www.example.test");
}

TEST(HttpCheck, ServiceUnavailableFailsWithItsStatus) {
  net::Loop loop;
  FixedServer site(loop, {503, "text/plain", "maintenance", {}});
  CheckOutcome o = check_once(loop, http_target(site.port()));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "status 503");
}

// 1 MiB of filler with `marker` at `offset`.
std::string big_body(std::size_t offset, const std::string& marker) {
  std::string body(1024 * 1024, '.');
  body.replace(offset, marker.size(), marker);
  return body;
}

TEST(HttpCheck, MarkerWithinTheWindowIsFound) {
  net::Loop loop;
  FixedServer site(loop, {200, "text/plain", big_body(4 * 1024, "ALIVE"), {}});
  ProbeTarget t = http_target(site.port());
  test::settings(t).expect_body = "ALIVE";
  CheckOutcome o = check_once(loop, t);
  EXPECT_TRUE(o.ok) << o.detail;
  EXPECT_EQ(o.detail, "status 200");
}

TEST(HttpCheck, MarkerBeyondTheWindowIsNotRead) {
  net::Loop loop;
  FixedServer site(loop, {200, "text/plain", big_body(6 * 1024, "ALIVE"), {}});
  ProbeTarget t = http_target(site.port());
  test::settings(t).expect_body = "ALIVE";
  CheckOutcome o = check_once(loop, t);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "status 200, body lacks 'ALIVE' in its first 5120 bytes");
}

TEST(HttpCheck, UnansweredRequestTimesOutNearTheConfiguredTimeout) {
  net::Loop loop;
  net::HttpServer silent(loop, "127.0.0.1", 0, [](const net::ServerRequest&, net::Responder) {});
  silent.start();
  ProbeTarget t = http_target(silent.port());
  test::settings(t).timeout = 400ms;
  const auto start = std::chrono::steady_clock::now();
  CheckOutcome o = check_once(loop, t);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail.rfind("timeout after ", 0), 0u) << o.detail;
  EXPECT_GE(took, 390ms);
  EXPECT_LT(took, 4s);
  EXPECT_GE(o.latency, 390ms);
}

TEST(HttpCheck, ClosedPortIsRefused) {
  net::Loop loop;
  CheckOutcome o = check_once(loop, http_target(testing::free_port()));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "connect refused");
}

TEST(TcpCheck, ListeningPortConnects) {
  net::Loop loop;
  FixedServer site(loop, {200, "text/plain", "", {}});
  CheckOutcome o = check_once(loop, target(config::CheckKind::tcp, site.port()));
  EXPECT_TRUE(o.ok) << o.detail;
  EXPECT_EQ(o.detail, "connected");
  EXPECT_LT(o.latency, 2s);
}

TEST(TcpCheck, ClosedPortIsRefused) {
  net::Loop loop;
  CheckOutcome o = check_once(loop, target(config::CheckKind::tcp, testing::free_port()));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "connect refused");
}

TEST(TcpCheck, AddressThatIsNotAnIpFailsCleanly) {
  net::Loop loop;
  ProbeTarget t = target(config::CheckKind::tcp, 80);
  t.address = "not an address";
  CheckOutcome o = check_once(loop, t);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "'not an address' is not an IP address");
}

}  // namespace
}  // namespace drpilot::probe
