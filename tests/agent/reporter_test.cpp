// What the agent accepts from a controller: only an HTTP 200 with a valid,
// fresh signature by the shared key over a well-formed assignment for its own
// site. Everything else is refused with a reason fit for the log.

#include "agent/reporter.h"

#include <gtest/gtest.h>

#include <string>

namespace drpilot::agent {
namespace {

const core::TimePoint kNow = core::from_ms(1'700'000'000'000);
const std::string kKey = "shared-agent-key";

ReporterOptions options() {
  ReporterOptions o;
  o.agent = "ams-agent";
  o.site = "ams";
  o.key = kKey;
  o.controllers = {"http://127.0.0.1:1"};
  return o;
}

std::string assignment_body(const std::string& site = "ams", std::uint64_t generation = 9) {
  api::SiteAssignmentMessage m;
  m.generation = generation;
  m.site = site;
  core::GroupAssignment g;
  g.data_region = "eu-west-1";
  g.write_region = "eu-west-1";
  m.groups["shop"] = g;
  return api::encode_assignment(m);
}

struct Reply {
  int status = 200;
  std::string timestamp = api::timestamp_header(kNow);
  std::string signature;
  std::string body = assignment_body();
  bool truncated = false;
  std::string key = kKey;  // signs
  core::TimePoint now = kNow;

  std::optional<api::SiteAssignmentMessage> check(std::string& error) {
    if (signature.empty()) signature = api::sign_body(key, timestamp, body);
    return Reporter::check_reply(status, timestamp, signature, body, truncated, options(), now,
                                 error);
  }
};

TEST(CheckReply, AValidSignedAssignmentIsAccepted) {
  Reply r;
  std::string error;
  auto a = r.check(error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->generation, 9u);
  EXPECT_EQ(a->site, "ams");
  EXPECT_EQ(a->groups.at("shop").data_region, "eu-west-1");
}

TEST(CheckReply, ABadStatusIsRefusedWithTheControllersWords) {
  Reply r;
  r.status = 503;
  r.body = "not the leader;\nask 10.0.0.2";
  std::string error;
  EXPECT_FALSE(r.check(error));
  EXPECT_EQ(error, "HTTP 503: not the leader; ask 10.0.0.2");
  r = Reply{};
  r.status = 401;
  r.body = "";
  r.signature = "x";
  EXPECT_FALSE(r.check(error));
  EXPECT_EQ(error, "HTTP 401");
}

TEST(CheckReply, AnUnsignedReplyIsRefused) {
  const std::string body = assignment_body();
  const std::string ts = api::timestamp_header(kNow);
  const std::string unsigned_error =
      "the reply is not signed (no X-Drpilot-Timestamp or X-Drpilot-Signature header)";
  std::string error;
  EXPECT_FALSE(Reporter::check_reply(200, ts, "", body, false, options(), kNow, error));
  EXPECT_EQ(error, unsigned_error);
  error.clear();
  EXPECT_FALSE(Reporter::check_reply(200, "", api::sign_body(kKey, ts, body), body, false,
                                     options(), kNow, error));
  EXPECT_EQ(error, unsigned_error);
}

TEST(CheckReply, AWrongKeyOrAChangedBodyIsRefused) {
  Reply r;
  r.key = "another-key";
  std::string error;
  EXPECT_FALSE(r.check(error));
  EXPECT_EQ(error,
            "the reply was refused: the signature does not match (a different key, or a changed "
            "body or timestamp)");
  EXPECT_EQ(error.find("another-key"), std::string::npos);
  EXPECT_EQ(error.find(kKey), std::string::npos);

  Reply changed;
  changed.signature = api::sign_body(kKey, changed.timestamp, changed.body);
  changed.body = assignment_body("ams", 10);  // a newer generation slipped in
  EXPECT_FALSE(changed.check(error));
  EXPECT_NE(error.find("the signature does not match"), std::string::npos) << error;

  Reply garbled;
  garbled.signature = "sha256=zz";
  EXPECT_FALSE(garbled.check(error));
  EXPECT_EQ(error,
            "the reply was refused: the signature is not of the form sha256=<64 hex digits>");
}

TEST(CheckReply, AStaleOrFutureTimestampIsRefused) {
  Reply stale;
  stale.timestamp = api::timestamp_header(kNow - core::Duration{61'000});
  std::string error;
  EXPECT_FALSE(stale.check(error));
  EXPECT_EQ(error.rfind("the reply was refused: the timestamp is ", 0), 0u) << error;
  EXPECT_NE(error.find("behind this clock"), std::string::npos) << error;

  Reply future;
  future.timestamp = api::timestamp_header(kNow + core::Duration{61'000});
  EXPECT_FALSE(future.check(error));
  EXPECT_NE(error.find("ahead of this clock"), std::string::npos) << error;

  // Within the skew: accepted.
  Reply skewed;
  skewed.timestamp = api::timestamp_header(kNow - core::Duration{59'000});
  EXPECT_TRUE(skewed.check(error)) << error;
}

TEST(CheckReply, AnotherSitesAssignmentIsRefused) {
  Reply r;
  r.body = assignment_body("nyc");
  std::string error;
  EXPECT_FALSE(r.check(error));
  EXPECT_EQ(error, "the assignment is for site nyc, not ams");
}

TEST(CheckReply, GarbageIsRefusedEvenWhenSigned) {
  for (const std::string& body :
       {std::string("not json"), std::string("[1,2]"), std::string("{\"generation\": 1}"),
        std::string(R"({"generation": 1, "site": "ams", "groups": {"shop": )"
                    R"({"data_region": "eu'west", "write_region": "", "role": "read-write"}}})"),
        std::string("")}) {
    Reply r;
    r.body = body;
    std::string error;
    EXPECT_FALSE(r.check(error)) << body;
    EXPECT_EQ(error.rfind("the signed reply is not a valid assignment: ", 0), 0u) << error;
  }
}

TEST(CheckReply, ATruncatedReplyIsRefused) {
  Reply r;
  r.truncated = true;
  std::string error;
  EXPECT_FALSE(r.check(error));
  EXPECT_EQ(error, "the reply is larger than 256 KiB");
}

TEST(Reporter, ReportUrl) {
  EXPECT_EQ(Reporter::report_url("http://10.0.0.1:8080"),
            "http://10.0.0.1:8080/api/v1/agents/report");
  EXPECT_EQ(Reporter::report_url("https://c.example.com//"),
            "https://c.example.com/api/v1/agents/report");
}

}  // namespace
}  // namespace drpilot::agent
