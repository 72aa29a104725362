// The pure halves of an http check: the request built from the check's
// configuration, and judge_http turning a response (or a transport failure)
// into ok and the detail an operator reads.

#include <gtest/gtest.h>

#include "probe/http_check.h"
#include "support/check_settings.h"

namespace drpilot::probe {
namespace {

using namespace std::chrono_literals;

config::CheckConfig check_expecting(std::vector<int> statuses, std::string body = "") {
  config::CheckConfig c;
  c.name = "web";
  c.expect_status = std::move(statuses);
  c.expect_body = std::move(body);
  return c;
}

net::ClientResult response(int status, std::string body = "") {
  net::ClientResult r;
  r.ok = true;
  r.status = status;
  r.body = std::move(body);
  r.elapsed = 42ms;
  return r;
}

TEST(JudgeHttp, EveryExpectedStatusPasses) {
  const config::CheckConfig c = check_expecting({200, 204});
  for (int status : {200, 204}) {
    CheckOutcome o = judge_http(c, response(status));
    EXPECT_TRUE(o.ok) << status;
    EXPECT_EQ(o.detail, "status " + std::to_string(status));
    EXPECT_EQ(o.latency, 42ms);
  }
}

TEST(JudgeHttp, UnexpectedStatusFailsNamingIt) {
  const config::CheckConfig c = check_expecting({200, 204});
  for (int status : {503, 201, 301, 404}) {
    CheckOutcome o = judge_http(c, response(status));
    EXPECT_FALSE(o.ok) << status;
    EXPECT_EQ(o.detail, "status " + std::to_string(status));
  }
}

TEST(JudgeHttp, UnexpectedStatusFailsEvenWhenTheBodyMatches) {
  CheckOutcome o = judge_http(check_expecting({200}, "healthy"), response(503, "healthy"));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "status 503");
}

TEST(JudgeHttp, BodyMarkerFound) {
  CheckOutcome o =
      judge_http(check_expecting({200}, "\"status\":\"ok\""), response(200, R"({"status":"ok"})"));
  EXPECT_TRUE(o.ok);
  EXPECT_EQ(o.detail, "status 200");
}

TEST(JudgeHttp, BodyMarkerMissingNamesTheWindowThatWasSearched) {
  CheckOutcome o = judge_http(check_expecting({200}, "healthy"), response(200, "degraded"));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "status 200, body lacks 'healthy' in its first 8 bytes");
}

TEST(JudgeHttp, BodyWindowIsCappedAtFiveKibibytes) {
  // The client never hands over more than the window, but the detail must not
  // claim to have searched more than was read even if it did.
  CheckOutcome o =
      judge_http(check_expecting({200}, "healthy"), response(200, std::string(9000, 'x')));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "status 200, body lacks 'healthy' in its first 5120 bytes");
}

TEST(JudgeHttp, EmptyBodyLacksTheMarker) {
  CheckOutcome o = judge_http(check_expecting({204}, "ok"), response(204));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "status 204, body lacks 'ok' in its first 0 bytes");
}

TEST(JudgeHttp, TransportErrorPassesThroughTheClientText) {
  net::ClientResult r;
  r.ok = false;
  r.error = "timeout after 300ms (waiting for the response)";
  r.elapsed = 300ms;
  CheckOutcome o = judge_http(check_expecting({200}), r);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "timeout after 300ms (waiting for the response)");
  EXPECT_EQ(o.latency, 300ms);
}

TEST(JudgeHttp, TransportErrorWinsOverAPartialStatus) {
  // A body that broke off mid-way: the status arrived, but the exchange failed.
  net::ClientResult r = response(200, "heal");
  r.ok = false;
  r.error = "connection closed by the server (reading the body)";
  CheckOutcome o = judge_http(check_expecting({200}, "heal"), r);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "connection closed by the server (reading the body)");
}

TEST(HttpCheckRequest, CarriesTheCheckConfiguration) {
  ProbeTarget t;
  t.target = "ams/web";
  t.address = "192.0.2.10";
  test::settings(t).kind = config::CheckKind::https;
  test::settings(t).port = 8443;
  test::settings(t).path = "/healthz?deep=1";
  test::settings(t).host = "www.example.test";
  test::settings(t).connect_timeout = 300ms;
  test::settings(t).timeout = 900ms;
  test::settings(t).tls_verify = false;
  test::settings(t).expect_body = "ok";
  net::ClientRequest req = http_check_request(t);
  EXPECT_EQ(req.method, "GET");
  EXPECT_TRUE(req.tls);
  EXPECT_EQ(req.host, "192.0.2.10");
  EXPECT_EQ(req.port, 8443);
  EXPECT_EQ(req.target, "/healthz?deep=1");
  EXPECT_EQ(req.host_header, "www.example.test");
  EXPECT_EQ(req.connect_timeout, 300ms);
  EXPECT_EQ(req.timeout, 900ms);
  EXPECT_FALSE(req.tls_verify);
  EXPECT_EQ(req.max_body, 5u * 1024u);
}

TEST(HttpCheckRequest, BodyIsNotReadWithoutAMarker) {
  ProbeTarget t;
  t.address = "127.0.0.1";
  test::settings(t).kind = config::CheckKind::http;
  net::ClientRequest req = http_check_request(t);
  EXPECT_FALSE(req.tls);
  EXPECT_TRUE(req.tls_verify);
  EXPECT_EQ(req.max_body, 0u);
}

}  // namespace
}  // namespace drpilot::probe
