// What /healthz tells a load balancer, and why: 200 only when the local
// checks are up, an assignment is applied and the last apply succeeded;
// otherwise 503 with the reasons, most important first.

#include "agent/healthz.h"

#include <gtest/gtest.h>

#include <string>

#include "agent/local_health.h"
#include "support/check_settings.h"

namespace drpilot::agent {
namespace {

HealthInputs healthy() {
  HealthInputs in;
  in.applied_generation = 4;
  in.last_apply_ok = true;
  in.controller_answered = true;
  return in;
}

TEST(HealthzReason, HealthyAndAppliedIsOk) {
  EXPECT_EQ(unhealthy_reason(healthy()), "");
  // A controller that stopped answering does not matter: the assignment
  // last applied is kept, and so is the answer.
  HealthInputs in = healthy();
  in.controller_answered = false;
  EXPECT_EQ(unhealthy_reason(in), "");
}

TEST(HealthzReason, NothingAppliedYet) {
  HealthInputs in = healthy();
  in.applied_generation = 0;
  EXPECT_EQ(unhealthy_reason(in), "no assignment applied yet");
  in.controller_answered = false;
  EXPECT_EQ(unhealthy_reason(in), "no assignment applied yet (no controller has answered)");
}

TEST(HealthzReason, AFailedApplyComesFirst) {
  HealthInputs in = healthy();
  in.last_apply_ok = false;
  in.last_apply_error = "reload `x` exit 3";
  in.checks_why = "ams/web is down (status 500)";
  EXPECT_EQ(unhealthy_reason(in),
            "the last apply failed: reload `x` exit 3; ams/web is down (status 500)");
}

TEST(HealthzReason, LocalChecks) {
  HealthInputs in = healthy();
  in.checks_why = "ams/web is down (connect refused)";
  EXPECT_EQ(unhealthy_reason(in), "ams/web is down (connect refused)");
  in.applied_generation = 0;
  EXPECT_EQ(unhealthy_reason(in), "no assignment applied yet; ams/web is down (connect refused)");
}

net::ServerRequest request(const std::string& method, const std::string& path) {
  net::ServerRequest r;
  r.method = method;
  r.path = path;
  r.target = path;
  return r;
}

TEST(HealthzResponse, StatusAndBody) {
  net::ServerResponse ok = healthz_response(request("GET", "/healthz"), "");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok\n");
  net::ServerResponse bad = healthz_response(request("GET", "/healthz"), "no assignment applied");
  EXPECT_EQ(bad.status, 503);
  EXPECT_EQ(bad.body, "no assignment applied\n");
  EXPECT_EQ(bad.content_type, "text/plain; charset=utf-8");
  bool no_store = false;
  for (const auto& [k, v] : bad.headers) no_store |= k == "Cache-Control" && v == "no-store";
  EXPECT_TRUE(no_store);
}

TEST(HealthzResponse, HeadHasTheStatusAndNoBody) {
  net::ServerResponse r = healthz_response(request("HEAD", "/healthz"), "down");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(healthz_response(request("HEAD", "/healthz"), "").status, 200);
}

TEST(HealthzResponse, OtherPathsAndMethods) {
  EXPECT_EQ(healthz_response(request("GET", "/"), "").status, 404);
  net::ServerResponse post = healthz_response(request("POST", "/healthz"), "");
  EXPECT_EQ(post.status, 405);
  bool allow = false;
  for (const auto& [k, v] : post.headers) allow |= k == "Allow" && v == "GET, HEAD";
  EXPECT_TRUE(allow);
}

probe::ProbeTarget target(const std::string& name, int rise, int fall) {
  probe::ProbeTarget t;
  t.target = name;
  test::settings(t).hysteresis.rise = rise;
  test::settings(t).hysteresis.fall = fall;
  return t;
}

core::Observation seen(const std::string& target, bool ok, const std::string& detail) {
  core::Observation o;
  o.target = target;
  o.vantage = "ams-agent";
  o.ok = ok;
  o.detail = detail;
  return o;
}

TEST(LocalHealth, NewTargetsAreNotHealthyUntilTheyRise) {
  LocalHealth h;
  h.set_targets({target("ams/web", 2, 2)});
  EXPECT_EQ(h.why_not_healthy(), "ams/web is unknown (not checked yet)");
  h.observe(seen("ams/web", true, "status 200"));
  EXPECT_EQ(h.why_not_healthy(), "ams/web is unknown (1 of 2 successes needed; last: status 200)");
  h.observe(seen("ams/web", true, "status 200"));
  EXPECT_TRUE(h.healthy());
  EXPECT_EQ(h.state("ams/web"), core::Health::up);
}

TEST(LocalHealth, OneLostCheckDoesNotTakeTheSiteOut) {
  LocalHealth h;
  h.set_targets({target("ams/web", 1, 2)});
  h.observe(seen("ams/web", true, "status 200"));
  h.observe(seen("ams/web", false, "timeout after 300ms"));
  EXPECT_TRUE(h.healthy());
  h.observe(seen("ams/web", false, "status 503"));
  EXPECT_EQ(h.why_not_healthy(), "ams/web is down (status 503)");
}

// The agent's credentials refused for its local region's check: unknown, and
// no reason for the load balancer to take the site out.
TEST(LocalHealth, AnInconclusiveCheckIsNotHeldAgainstTheSite) {
  LocalHealth h;
  h.set_targets({target("ams/web", 1, 1), target("eu-west-1/orders-table", 1, 1)});
  h.observe(seen("ams/web", true, "status 200"));
  h.observe(seen("eu-west-1/orders-table", true, "table orders ACTIVE"));
  ASSERT_TRUE(h.healthy());
  core::Observation refused =
      seen("eu-west-1/orders-table", false,
           "DynamoDB eu-west-1 refused the credentials from profile shop: ExpiredTokenException");
  refused.inconclusive = true;
  for (int i = 0; i < 5; ++i) h.observe(refused);
  EXPECT_EQ(h.state("eu-west-1/orders-table"), core::Health::unknown);
  EXPECT_TRUE(h.healthy()) << h.why_not_healthy();
  // A real failure after it counts again.
  h.observe(seen("eu-west-1/orders-table", false, "timeout after 500ms"));
  EXPECT_EQ(h.why_not_healthy(), "eu-west-1/orders-table is down (timeout after 500ms)");
}

TEST(LocalHealth, OtherTargetsAreIgnoredAndTheListIsBounded) {
  LocalHealth h;
  h.set_targets({target("a/web", 1, 1), target("b/web", 1, 1), target("c/web", 1, 1),
                 target("d/web", 1, 1), target("e/web", 1, 1)});
  h.observe(seen("nyc/web", true, "status 200"));  // not this agent's
  EXPECT_EQ(h.state("nyc/web"), core::Health::unknown);
  EXPECT_EQ(h.why_not_healthy(),
            "a/web is unknown (not checked yet); b/web is unknown (not checked yet); c/web is "
            "unknown (not checked yet); and 2 more");
}

}  // namespace
}  // namespace drpilot::agent
