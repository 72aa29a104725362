// The agent <-> controller messages: round trips, every kind of malformed
// body refused with a clear error, signatures (key, body, timestamp, clock
// skew), and the replay guard (nonces, age, bounded memory).

#include "api/agent_protocol.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace drpilot::api {
namespace {

using core::Duration;
using nlohmann::json;

const core::TimePoint kNow = core::from_ms(1'700'000'000'000);

AgentReport sample_report() {
  AgentReport r;
  r.agent = "ams-agent";
  r.site = "ams";
  r.sent_at_ms = core::to_ms(kNow);
  r.nonce = "18bcfe56800-00000000000000ab-00000000000000cd";
  core::Observation web;
  web.target = "ams/web";
  web.vantage = "ams-agent";
  web.ok = true;
  web.latency = Duration{12};
  web.detail = "status 200";
  web.at = kNow - Duration{300};
  core::Observation ddb;
  ddb.target = "eu-west-1/describe";
  ddb.vantage = "ams-agent";
  ddb.ok = false;
  ddb.latency = Duration{2000};
  ddb.detail = "timeout after 2s";
  ddb.at = kNow - Duration{100};
  r.observations = {web, ddb};
  r.applied_generation = 41;
  r.applied_ok = false;
  r.applied_error = "reload `systemctl reload php-fpm` exit 1";
  r.healthy = false;
  return r;
}

SiteAssignmentMessage sample_assignment() {
  SiteAssignmentMessage m;
  m.generation = 42;
  m.site = "ams";
  core::GroupAssignment shop;
  shop.data_region = "eu-west-1";
  shop.write_region = "eu-west-1";
  shop.role = core::DataRole::read_write;
  shop.reason = "eu-west-1 is the site's first region and is up";
  shop.change_reason = "moved back after the hold-down";
  shop.changed_at = kNow - Duration{60'000};
  core::GroupAssignment sessions;
  sessions.data_region = "eu-central-1";
  sessions.write_region = "us-east-1";
  sessions.role = core::DataRole::read_only;
  sessions.reason = "writes paused for a switchover";
  m.groups = {{"shop", shop}, {"sessions", sessions}};
  return m;
}

// The sample report as JSON, changed by `edit`, then parsed.
std::string report_error(const std::function<void(json&)>& edit) {
  json j = json::parse(encode_report(sample_report()));
  edit(j);
  std::string error;
  auto r = parse_report(j.dump(), error);
  EXPECT_FALSE(r.has_value()) << j.dump();
  EXPECT_FALSE(error.empty());
  return error;
}

std::string assignment_error(const std::function<void(json&)>& edit) {
  json j = json::parse(encode_assignment(sample_assignment()));
  edit(j);
  std::string error;
  auto m = parse_assignment(j.dump(), error);
  EXPECT_FALSE(m.has_value()) << j.dump();
  EXPECT_FALSE(error.empty());
  return error;
}

TEST(AgentReport, RoundTrips) {
  const AgentReport in = sample_report();
  std::string error;
  auto out = parse_report(encode_report(in), error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(error, "");
  EXPECT_EQ(out->agent, in.agent);
  EXPECT_EQ(out->site, in.site);
  EXPECT_EQ(out->sent_at_ms, in.sent_at_ms);
  EXPECT_EQ(out->nonce, in.nonce);
  EXPECT_EQ(out->applied_generation, 41u);
  EXPECT_FALSE(out->applied_ok);
  EXPECT_EQ(out->applied_error, in.applied_error);
  EXPECT_FALSE(out->healthy);
  ASSERT_EQ(out->observations.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(out->observations[i].target, in.observations[i].target);
    EXPECT_EQ(out->observations[i].ok, in.observations[i].ok);
    EXPECT_EQ(out->observations[i].latency, in.observations[i].latency);
    EXPECT_EQ(out->observations[i].detail, in.observations[i].detail);
    EXPECT_EQ(out->observations[i].at, in.observations[i].at);
  }
}

// An agent whose credentials AWS refused says so: its observation is
// inconclusive, which the controller counts as no vote rather than a failure.
TEST(AgentReport, InconclusiveObservationsRoundTripAndOlderAgentsMeanFailures) {
  AgentReport in = sample_report();
  in.observations[1].inconclusive = true;
  in.observations[1].detail = "DynamoDB eu-west-1 refused the credentials from profile shop";
  std::string error;
  auto out = parse_report(encode_report(in), error);
  ASSERT_TRUE(out) << error;
  EXPECT_FALSE(out->observations[0].inconclusive);
  EXPECT_TRUE(out->observations[1].inconclusive);
  json j = json::parse(encode_report(in));
  EXPECT_FALSE(j["observations"][0].contains("inconclusive"));  // sent only when true

  // Absent (an older agent): a failure, as it meant.
  j["observations"][1].erase("inconclusive");
  out = parse_report(j.dump(), error);
  ASSERT_TRUE(out) << error;
  EXPECT_FALSE(out->observations[1].inconclusive);
  // A success cannot be inconclusive.
  j["observations"][0]["inconclusive"] = true;
  out = parse_report(j.dump(), error);
  ASSERT_TRUE(out) << error;
  EXPECT_FALSE(out->observations[0].inconclusive);
  j["observations"][0]["inconclusive"] = "yes";
  EXPECT_FALSE(parse_report(j.dump(), error));
  EXPECT_NE(error.find("inconclusive"), std::string::npos) << error;
}

TEST(AgentReport, EveryObservationIsFromTheReportingAgent) {
  json j = json::parse(encode_report(sample_report()));
  j["observations"][0]["vantage"] = "controller";  // a claim the protocol does not carry
  std::string error;
  auto out = parse_report(j.dump(), error);
  ASSERT_TRUE(out) << error;
  for (const core::Observation& o : out->observations) EXPECT_EQ(o.vantage, "ams-agent");
}

TEST(AgentReport, AnEmptyReportIsValid) {
  AgentReport r = sample_report();
  r.observations.clear();
  r.applied_generation = 0;
  r.applied_ok = true;
  r.applied_error.clear();
  std::string error;
  auto out = parse_report(encode_report(r), error);
  ASSERT_TRUE(out) << error;
  EXPECT_TRUE(out->observations.empty());
  EXPECT_TRUE(out->applied_ok);
}

TEST(AgentReport, EncodingMakesFreeTextSafeAndShort) {
  AgentReport r = sample_report();
  r.observations[0].detail =
      "line one\nline two\r\t\x01 \xff\xfe bad bytes " + std::string(5000, 'x');
  r.applied_error = std::string(10'000, 'e') + "\n";
  std::string error;
  auto out = parse_report(encode_report(r), error);
  ASSERT_TRUE(out) << error;
  const std::string& d = out->observations[0].detail;
  EXPECT_LE(d.size(), kMaxDetailLength);
  EXPECT_EQ(d.rfind("line one line two", 0), 0u) << d;
  EXPECT_EQ(d.find('\n'), std::string::npos);
  EXPECT_NE(d.find("? bad bytes"), std::string::npos) << d;
  EXPECT_LE(out->applied_error.size(), kMaxTextLength);
}

TEST(AgentReport, TruncationNeverSplitsACharacter) {
  AgentReport r = sample_report();
  r.observations[0].detail = std::string(kMaxDetailLength - 1, 'a') + "\xc3\xa9";  // é
  std::string error;
  auto out = parse_report(encode_report(r), error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->observations[0].detail, std::string(kMaxDetailLength - 1, 'a'));
}

TEST(AgentReport, MalformedBodiesAreRefusedWithClearErrors) {
  std::string error;
  EXPECT_FALSE(parse_report("", error));
  EXPECT_EQ(error, "the report is not valid JSON");
  EXPECT_FALSE(parse_report("{\"agent\": ", error));
  EXPECT_EQ(error, "the report is not valid JSON");
  EXPECT_FALSE(parse_report("[1, 2]", error));
  EXPECT_EQ(error, "the report must be a JSON object");
  EXPECT_FALSE(parse_report("\"report\"", error));
  EXPECT_EQ(error, "the report must be a JSON object");

  EXPECT_EQ(report_error([](json& j) { j.erase("agent"); }), "'agent' is missing");
  EXPECT_EQ(report_error([](json& j) { j["agent"] = 7; }), "'agent' must be a string");
  EXPECT_EQ(report_error([](json& j) { j["site"] = nullptr; }), "'site' must be a string");
  EXPECT_EQ(report_error([](json& j) { j.erase("nonce"); }), "'nonce' is missing");
  EXPECT_EQ(report_error([](json& j) { j["healthy"] = "yes"; }), "'healthy' must be true or false");
  EXPECT_EQ(report_error([](json& j) { j["sent_at_ms"] = "1700000000000"; }),
            "'sent_at_ms' must be a number");
  EXPECT_EQ(report_error([](json& j) { j["sent_at_ms"] = -5; }),
            "'sent_at_ms' must be from 0 to 253402300799999");
  EXPECT_EQ(report_error([](json& j) { j["observations"] = json::object(); }),
            "'observations' must be an array");
  EXPECT_EQ(report_error([](json& j) { j.erase("observations"); }), "'observations' is missing");
  EXPECT_EQ(report_error([](json& j) { j["observations"][1] = "ams/web up"; }),
            "'observations[1]' must be an object");
  EXPECT_EQ(report_error([](json& j) { j["observations"][1].erase("ok"); }),
            "'observations[1].ok' is missing");
  EXPECT_EQ(report_error([](json& j) { j["observations"][0]["ok"] = 1; }),
            "'observations[0].ok' must be true or false");
  EXPECT_EQ(report_error([](json& j) { j["observations"][0]["latency_ms"] = "12"; }),
            "'observations[0].latency_ms' must be a number");
  EXPECT_EQ(report_error([](json& j) { j["observations"][0]["latency_ms"] = 12.5; }),
            "'observations[0].latency_ms' must be a whole number");
  EXPECT_EQ(report_error([](json& j) { j["observations"][0]["latency_ms"] = -1; }),
            "'observations[0].latency_ms' must be from 0 to 86400000");
  EXPECT_EQ(report_error([](json& j) { j["observations"][0]["at_ms"] = 1e300; }),
            "'observations[0].at_ms' must be from 0 to 253402300799999");
  EXPECT_EQ(report_error([](json& j) { j["observations"][0]["target"] = ""; }),
            "'observations[0].target' cannot be empty");
  EXPECT_EQ(report_error([](json& j) { j.erase("applied"); }), "'applied' is missing");
  EXPECT_EQ(report_error([](json& j) { j["applied"] = 41; }), "'applied' must be an object");
  EXPECT_EQ(report_error([](json& j) { j["applied"]["generation"] = -1; }),
            "'applied.generation' must not be negative");
  EXPECT_EQ(report_error([](json& j) { j["applied"]["generation"] = "41"; }),
            "'applied.generation' must be a number");
  EXPECT_EQ(report_error([](json& j) { j["applied"]["ok"] = "true"; }),
            "'applied.ok' must be true or false");
}

TEST(AgentReport, NonFiniteNumbersAreRefused) {
  // JSON has no NaN or infinity; an overflowing literal must not become one.
  std::string body = encode_report(sample_report());
  const std::string from = "\"latency_ms\":12";
  ASSERT_NE(body.find(from), std::string::npos) << body;
  for (const char* bad : {"1e999", "-1e999", "NaN", "Infinity"}) {
    std::string b = body;
    b.replace(b.find(from), from.size(), std::string("\"latency_ms\":") + bad);
    std::string error;
    EXPECT_FALSE(parse_report(b, error)) << bad;
    EXPECT_FALSE(error.empty());
  }
}

TEST(AgentReport, OversizedListsAndStringsAreRefused) {
  std::string error = report_error([](json& j) {
    json o = j["observations"][0];
    j["observations"] = json::array();
    for (std::size_t i = 0; i <= kMaxObservations; ++i) j["observations"].push_back(o);
  });
  EXPECT_EQ(error, "'observations' holds 1001 entries; at most 1000 are accepted");
  {
    // Exactly the limit is fine.
    json j = json::parse(encode_report(sample_report()));
    json o = j["observations"][0];
    j["observations"] = json::array();
    for (std::size_t i = 0; i < kMaxObservations; ++i) j["observations"].push_back(o);
    EXPECT_TRUE(parse_report(j.dump(), error)) << error;
  }
  EXPECT_EQ(report_error([](json& j) { j["agent"] = std::string(129, 'a'); }),
            "'agent' is longer than 128 bytes");
  EXPECT_EQ(report_error([](json& j) { j["observations"][0]["target"] = std::string(256, 't'); }),
            "'observations[0].target' is longer than 255 bytes");
  EXPECT_EQ(report_error([](json& j) { j["observations"][0]["detail"] = std::string(1025, 'd'); }),
            "'observations[0].detail' is longer than 1024 bytes");
  EXPECT_EQ(report_error([](json& j) { j["applied"]["error"] = std::string(2049, 'e'); }),
            "'applied.error' is longer than 2048 bytes");
  EXPECT_EQ(report_error([](json& j) { j["nonce"] = std::string(129, 'n'); }),
            "'nonce' is longer than 128 bytes");
}

TEST(AgentReport, NamesNoncesAndTextAreChecked) {
  EXPECT_EQ(report_error([](json& j) { j["agent"] = "ams'; DROP"; }),
            "'agent' must be 1-128 characters of letters, digits, '.', '_' and '-'");
  EXPECT_EQ(report_error([](json& j) { j["site"] = ""; }),
            "'site' must be 1-128 characters of letters, digits, '.', '_' and '-'");
  EXPECT_EQ(report_error([](json& j) { j["nonce"] = "short"; }),
            "'nonce' must be 8-128 characters of letters, digits, '_' and '-'");
  EXPECT_EQ(report_error([](json& j) { j["nonce"] = "has spaces in it"; }),
            "'nonce' must be 8-128 characters of letters, digits, '_' and '-'");
  EXPECT_EQ(report_error([](json& j) { j["observations"][0]["detail"] = "two\nlines"; }),
            "'observations[0].detail' must not hold control characters");
}

TEST(Assignment, RoundTrips) {
  const SiteAssignmentMessage in = sample_assignment();
  std::string error;
  auto out = parse_assignment(encode_assignment(in), error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->generation, 42u);
  EXPECT_EQ(out->site, "ams");
  EXPECT_EQ(out->groups, in.groups);
  EXPECT_EQ(out->groups.at("sessions").role, core::DataRole::read_only);
  const json j = json::parse(encode_assignment(in));
  EXPECT_EQ(j["groups"]["shop"]["role"], "read-write");
  EXPECT_EQ(j["groups"]["sessions"]["role"], "read-only");
}

TEST(Assignment, OptionalFieldsAndNoGroups) {
  std::string error;
  auto m = parse_assignment(
      R"({"generation": 7, "site": "fra", "groups": {"shop": {"data_region": "eu-central-1",
          "write_region": "", "role": "read-only"}}})",
      error);
  ASSERT_TRUE(m) << error;
  EXPECT_EQ(m->groups.at("shop").write_region, "");
  EXPECT_EQ(m->groups.at("shop").reason, "");
  EXPECT_EQ(m->groups.at("shop").changed_at, core::TimePoint{});
  auto none = parse_assignment(R"({"generation": 1, "site": "fra", "groups": {}})", error);
  ASSERT_TRUE(none) << error;
  EXPECT_TRUE(none->groups.empty());
  auto big = parse_assignment(
      R"({"generation": 18446744073709551615, "site": "fra", "groups": {}})", error);
  ASSERT_TRUE(big) << error;
  EXPECT_EQ(big->generation, 18446744073709551615u);
}

TEST(Assignment, TheTermOrdersBeforeTheGenerationAndALoneControllerSendsNone) {
  SiteAssignmentMessage in = sample_assignment();
  EXPECT_FALSE(json::parse(encode_assignment(in)).contains("term"));
  in.term = 812;
  std::string error;
  auto out = parse_assignment(encode_assignment(in), error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->term, 812);
  EXPECT_EQ(order_of(*out).to_string(), "42 (term 812)");
  EXPECT_LT((AssignmentOrder{7, 900}), (AssignmentOrder{8, 1}));
  EXPECT_LT((AssignmentOrder{8, 1}), (AssignmentOrder{8, 2}));
  EXPECT_EQ((AssignmentOrder{0, 5}).to_string(), "5");
  for (const char* bad : {R"({"generation": 1, "term": -3, "site": "fra", "groups": {}})",
                          R"({"generation": 1, "term": "812", "site": "fra", "groups": {}})",
                          R"({"generation": 1, "term": 18446744073709551615, "site": "fra",
                              "groups": {}})"}) {
    EXPECT_FALSE(parse_assignment(bad, error)) << bad;
    EXPECT_NE(error.find("term"), std::string::npos) << error;
  }
}

TEST(Assignment, MalformedBodiesAreRefusedWithClearErrors) {
  std::string error;
  EXPECT_FALSE(parse_assignment("<html>bad gateway</html>", error));
  EXPECT_EQ(error, "the assignment is not valid JSON");
  EXPECT_FALSE(parse_assignment("null", error));
  EXPECT_EQ(error, "the assignment must be a JSON object");
  EXPECT_EQ(assignment_error([](json& j) { j.erase("generation"); }), "'generation' is missing");
  EXPECT_EQ(assignment_error([](json& j) { j["generation"] = -3; }),
            "'generation' must not be negative");
  EXPECT_EQ(assignment_error([](json& j) { j["generation"] = 4.5; }),
            "'generation' must be a whole number from 0 to 2^53");
  EXPECT_EQ(assignment_error([](json& j) { j["groups"] = json::array(); }),
            "'groups' must be an object");
  EXPECT_EQ(assignment_error([](json& j) { j["groups"]["shop"] = "eu-west-1"; }),
            "'groups.shop' must be an object");
  EXPECT_EQ(assignment_error([](json& j) { j["groups"]["shop"].erase("data_region"); }),
            "'groups.shop.data_region' is missing");
  EXPECT_EQ(assignment_error([](json& j) { j["groups"]["shop"]["data_region"] = ""; }),
            "'groups.shop.data_region' must be 1-128 characters of letters, digits, '.', '_' "
            "and '-'");
  EXPECT_EQ(assignment_error([](json& j) { j["groups"]["shop"]["role"] = "primary"; }),
            "'groups.shop.role' must be \"read-write\" or \"read-only\"");
  EXPECT_EQ(assignment_error([](json& j) { j["groups"]["shop"].erase("write_region"); }),
            "'groups.shop.write_region' is missing");
  EXPECT_EQ(assignment_error([](json& j) { j["groups"]["shop"]["write_region"] = 3; }),
            "'groups.shop.write_region' must be a string");
  EXPECT_EQ(assignment_error([](json& j) { j["groups"]["shop"]["reason"] = "a\nb"; }),
            "'groups.shop.reason' must not hold control characters");
  EXPECT_EQ(assignment_error([](json& j) { j["groups"]["shop"]["changed_at_ms"] = "yesterday"; }),
            "'groups.shop.changed_at_ms' must be a number");
  EXPECT_EQ(assignment_error([](json& j) {
              j["groups"] = json::object();
              for (std::size_t i = 0; i <= kMaxGroups; ++i) {
                j["groups"]["g" + std::to_string(i)] = {
                    {"data_region", "r"}, {"write_region", "r"}, {"role", "read-write"}};
              }
            }),
            "'groups' holds 65 table groups; at most 64 are accepted");
}

TEST(Assignment, ValuesThatCouldBreakOutOfAConfigFileAreRefused) {
  // Rendered into PHP or an env file, these would be code or extra lines.
  EXPECT_NE(assignment_error([](json& j) {
              j["groups"]["shop"]["data_region"] = "eu-west-1'); system('id'); //";
            }).find("'groups.shop.data_region' must be"),
            std::string::npos);
  EXPECT_NE(assignment_error([](json& j) {
              j["groups"]["shop"]["write_region"] = "a\"b";
            }).find("'groups.shop.write_region' must be"),
            std::string::npos);
  EXPECT_NE(assignment_error([](json& j) {
              j["groups"]["x y"] = j["groups"]["shop"];
            }).find("table group name 'x y' must be"),
            std::string::npos);
  EXPECT_NE(assignment_error([](json& j) { j["site"] = "ams\nEVIL=1"; }).find("'site' must be"),
            std::string::npos);
}

TEST(Signature, SignedBodiesVerify) {
  const std::string body = encode_report(sample_report());
  const std::string ts = timestamp_header(kNow);
  EXPECT_EQ(ts, "1700000000000");
  const std::string sig = sign_body("shared-key", ts, body);
  EXPECT_EQ(sig.rfind("sha256=", 0), 0u);
  EXPECT_EQ(sig.size(), 7u + 64u);
  EXPECT_EQ(verify_body("shared-key", ts, sig, body, kNow, kMaxClockSkew), "");
  // Within the skew either way.
  EXPECT_EQ(verify_body("shared-key", ts, sig, body, kNow + Duration{59'000}, kMaxClockSkew), "");
  EXPECT_EQ(verify_body("shared-key", ts, sig, body, kNow - Duration{59'000}, kMaxClockSkew), "");
}

TEST(Signature, EveryTamperingIsRefused) {
  const std::string body = encode_report(sample_report());
  const std::string ts = timestamp_header(kNow);
  const std::string sig = sign_body("shared-key", ts, body);
  const std::string mismatch =
      "the signature does not match (a different key, or a changed body or timestamp)";
  EXPECT_EQ(verify_body("other-key", ts, sig, body, kNow, kMaxClockSkew), mismatch);
  std::string tampered = body;
  tampered[tampered.find("true")] = 'T';
  EXPECT_EQ(verify_body("shared-key", ts, sig, tampered, kNow, kMaxClockSkew), mismatch);
  EXPECT_EQ(verify_body("shared-key", timestamp_header(kNow + Duration{1}), sig, body, kNow,
                        kMaxClockSkew),
            mismatch);
  std::string flipped = sig;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_EQ(verify_body("shared-key", ts, flipped, body, kNow, kMaxClockSkew), mismatch);
  EXPECT_EQ(verify_body("", ts, sign_body("", ts, body), body, kNow, kMaxClockSkew),
            "no key to verify the signature with");
}

TEST(Signature, MalformedHeadersAreRefused) {
  const std::string body = "{}";
  const std::string ts = timestamp_header(kNow);
  const std::string sig = sign_body("k", ts, body);
  const std::string not_ms = "the timestamp is not decimal Unix milliseconds";
  for (const std::string& bad :
       {std::string(""), std::string("soon"), std::string("-5"), std::string("1.7e12"),
        std::string(" 1700000000000"), std::string("17000000000000000000")}) {
    EXPECT_EQ(verify_body("k", bad, sign_body("k", bad, body), body, kNow, kMaxClockSkew), not_ms)
        << bad;
  }
  const std::string form = "the signature is not of the form sha256=<64 hex digits>";
  EXPECT_EQ(verify_body("k", ts, "", body, kNow, kMaxClockSkew), form);
  EXPECT_EQ(verify_body("k", ts, sig.substr(7), body, kNow, kMaxClockSkew), form);
  EXPECT_EQ(verify_body("k", ts, "sha1=" + sig.substr(7), body, kNow, kMaxClockSkew), form);
  EXPECT_EQ(verify_body("k", ts, sig + "00", body, kNow, kMaxClockSkew), form);
}

TEST(Signature, StaleOrFutureTimestampsAreRefusedAfterTheSignature) {
  const std::string body = "{}";
  const std::string ts = timestamp_header(kNow);
  const std::string sig = sign_body("k", ts, body);
  EXPECT_EQ(verify_body("k", ts, sig, body, kNow + Duration{61'000}, kMaxClockSkew),
            "the timestamp is 1m1s behind this clock; at most 1m is accepted");
  EXPECT_EQ(verify_body("k", ts, sig, body, kNow - Duration{90'000}, kMaxClockSkew),
            "the timestamp is 1m30s ahead of this clock; at most 1m is accepted");
  // Without the key, nothing is learned about the clock.
  EXPECT_EQ(verify_body("other", ts, sig, body, kNow + Duration{61'000}, kMaxClockSkew),
            "the signature does not match (a different key, or a changed body or timestamp)");
}

TEST(ReplayGuard, ANonceIsAcceptedOnce) {
  ReplayGuard g(Duration{60'000});
  std::string why;
  EXPECT_TRUE(g.accept("ams-agent", "nonce-0001", kNow, kNow, &why));
  EXPECT_FALSE(g.accept("ams-agent", "nonce-0001", kNow, kNow + Duration{10}, &why));
  EXPECT_EQ(why, "the report's nonce was seen before (a replay)");
  // Another agent's nonces are its own.
  EXPECT_TRUE(g.accept("fra-agent", "nonce-0001", kNow, kNow, &why));
  EXPECT_TRUE(g.accept("ams-agent", "nonce-0002", kNow + Duration{1'000}, kNow + Duration{1'000}));
  EXPECT_FALSE(g.accept("ams-agent", "", kNow, kNow, &why));
  EXPECT_EQ(why, "the report has no nonce");
}

TEST(ReplayGuard, OldReportsAreRefused) {
  ReplayGuard g(Duration{60'000});
  std::string why;
  ASSERT_TRUE(g.accept("ams-agent", "n-newest-1", kNow + Duration{30'000}, kNow, &why));
  // A little out of order is fine (reports cross on the wire) ...
  EXPECT_TRUE(g.accept("ams-agent", "n-older-01", kNow - Duration{20'000}, kNow, &why)) << why;
  // ... older than the newest by more than the window is not.
  EXPECT_FALSE(g.accept("ams-agent", "n-older-02", kNow - Duration{30'001}, kNow, &why));
  EXPECT_EQ(why, "the report is 1m older than the newest accepted from ams-agent");
  // Stale against the clock, or from the future.
  EXPECT_FALSE(g.accept("fra-agent", "n-stale-01", kNow - Duration{60'001}, kNow, &why));
  EXPECT_NE(why.find("reports older than 1m are refused"), std::string::npos) << why;
  EXPECT_FALSE(g.accept("fra-agent", "n-future-1", kNow + Duration{60'001}, kNow, &why));
  EXPECT_NE(why.find("in the future"), std::string::npos) << why;
  // A refused future report did not move fra-agent's newest forward.
  EXPECT_TRUE(g.accept("fra-agent", "n-fresh-01", kNow, kNow, &why)) << why;
}

TEST(ReplayGuard, AForgottenNonceCannotBeReplayed) {
  ReplayGuard g(Duration{60'000});
  ASSERT_TRUE(g.accept("ams-agent", "n-first-01", kNow, kNow));
  // Long after, the nonce is forgotten, and its report refused by age.
  std::string why;
  for (int i = 1; i <= 200; ++i) {
    const core::TimePoint t = kNow + Duration{i * 1'000};
    ASSERT_TRUE(g.accept("ams-agent", "n-" + std::to_string(1000 + i), t, t, &why)) << why;
  }
  const core::TimePoint later = kNow + Duration{200'000};
  EXPECT_FALSE(g.accept("ams-agent", "n-first-01", kNow, later, &why));
  EXPECT_NE(why.find("older"), std::string::npos) << why;
}

TEST(ReplayGuard, MemoryIsBoundedByTheWindow) {
  ReplayGuard g(Duration{10'000});
  // One report every 100ms from each of three agents for ten minutes.
  std::size_t most = 0;
  for (int i = 0; i < 6'000; ++i) {
    const core::TimePoint t = kNow + Duration{i * 100};
    for (const char* agent : {"a1", "a2", "a3"}) {
      ASSERT_TRUE(g.accept(agent, "nonce-" + std::to_string(i), t, t));
    }
    most = std::max(most, g.remembered());
  }
  // A window holds 100 reports per agent (and the one at its edge).
  EXPECT_LE(most, 3u * 102u);
  EXPECT_GE(most, 3u * 100u);
  // Agents that fall silent keep no more than their last window.
  const core::TimePoint after = kNow + Duration{6'000 * 100 + 20'000};
  ASSERT_TRUE(g.accept("a4", "nonce-last", after, after));
  EXPECT_LE(g.remembered(), 3u * 102u + 1u);
}

// Forgetting follows the agent's own reports, not the receiver's clock: a
// clock stepped back does not let an agent's last report in twice.
TEST(ReplayGuard, AClockSteppedBackDoesNotReopenAReplay) {
  ReplayGuard g(Duration{10'000});
  std::string why;
  ASSERT_TRUE(g.accept("ams-agent", "n-last-0001", kNow, kNow, &why)) << why;
  // The agent falls silent; much later the receiver's clock is stepped back.
  ASSERT_FALSE(g.accept("ams-agent", "n-last-0001", kNow, kNow + Duration{3'600'000}, &why));
  EXPECT_FALSE(g.accept("ams-agent", "n-last-0001", kNow, kNow + Duration{1'000}, &why));
  EXPECT_EQ(why, "the report's nonce was seen before (a replay)");
}

TEST(ReplayGuard, AFloodWithinOneWindowIsCapped) {
  ReplayGuard g(Duration{60'000});
  std::string why;
  for (std::size_t i = 0; i < ReplayGuard::kMaxRemembered; ++i) {
    ASSERT_TRUE(g.accept("ams-agent", "flood-" + std::to_string(i), kNow, kNow));
  }
  EXPECT_FALSE(g.accept("ams-agent", "flood-one-more", kNow, kNow, &why));
  EXPECT_EQ(why, "too many reports from ams-agent within 1m");
  EXPECT_TRUE(g.accept("fra-agent", "flood-one-more", kNow, kNow, &why)) << why;
}

// A controller's whole check of one request, in the order it must run:
// signature and age, then the body, then the nonce. "" when accepted.
std::string controller_check(ReplayGuard& guard, const std::string& key, const std::string& ts,
                             const std::string& sig, const std::string& body, core::TimePoint now) {
  std::string why = verify_body(key, ts, sig, body, now, kMaxClockSkew);
  if (!why.empty()) return why;
  auto report = parse_report(body, why);
  if (!report) return why;
  if (!guard.accept(report->agent, report->nonce, core::from_ms(report->sent_at_ms), now, &why)) {
    return why;
  }
  return "";
}

TEST(ReplayGuard, TheSameSignedRequestSentTwiceIsRefusedTheSecondTime) {
  ReplayGuard guard(kMaxClockSkew);
  const std::string body = encode_report(sample_report());
  const std::string ts = timestamp_header(kNow);
  const std::string sig = sign_body("shared-key", ts, body);
  EXPECT_EQ(controller_check(guard, "shared-key", ts, sig, body, kNow), "");
  // Recorded and sent again, a moment or most of a window later: the
  // signature is still valid, the nonce gives it away.
  EXPECT_EQ(controller_check(guard, "shared-key", ts, sig, body, kNow + Duration{5}),
            "the report's nonce was seen before (a replay)");
  EXPECT_EQ(controller_check(guard, "shared-key", ts, sig, body, kNow + Duration{59'000}),
            "the report's nonce was seen before (a replay)");
  // Later than the skew, the timestamp refuses it before the guard is asked.
  EXPECT_NE(controller_check(guard, "shared-key", ts, sig, body, kNow + Duration{61'000})
                .find("behind this clock"),
            std::string::npos);
  // A fresh report (a new nonce) from the same agent is accepted.
  AgentReport next = sample_report();
  next.nonce = "18bcfe56801-00000000000000ac-00000000000000ce";
  next.sent_at_ms += 1'000;
  const std::string body2 = encode_report(next);
  const std::string ts2 = timestamp_header(core::from_ms(next.sent_at_ms));
  EXPECT_EQ(controller_check(guard, "shared-key", ts2, sign_body("shared-key", ts2, body2), body2,
                             kNow + Duration{1'000}),
            "");
}

}  // namespace
}  // namespace drpilot::api
