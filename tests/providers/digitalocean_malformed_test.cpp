// Replies that do not have the shape DigitalOcean promises: garbage, HTML
// from a proxy, wrong-typed JSON, endless paging, huge bodies, a server that
// ignores the filters or echoes the token. Each must end in a Failure with a
// clear reason: never a crash, never an in-sync answer, never a change to
// records the provider does not own.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "providers/digitalocean_dns.h"
#include "providers/digitalocean_fixture.h"
#include "providers/digitalocean_lb.h"

namespace drpilot::testing::digitalocean {
namespace {

using core::RecordType;
using nlohmann::json;
using providers::Changes;
using providers::Failure;

struct Case {
  std::string what;
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string expect;  // part of the reason
};

net::ServerResponse reply(int status, std::string body,
                          std::string content_type = "application/json") {
  net::ServerResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

const json kWww = {{"id", 10}, {"type", "A"}, {"name", "www"}, {"data", "192.0.2.1"}, {"ttl", 30}};

providers::Target www_target() {
  return target({record("www.example.com", RecordType::A, {"nyc"}, {"192.0.2.1"})});
}

void expect_failure(const std::variant<Changes, Failure>& d, const std::string& expect) {
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  const Failure& f = std::get<Failure>(d);
  EXPECT_FALSE(f.reason.empty());
  EXPECT_NE(f.reason.find(expect), std::string::npos) << f.reason;
  EXPECT_EQ(f.reason.find('\n'), std::string::npos) << "one line: " << f.reason;
}

TEST(DigitalOceanMalformed, RecordListingsOfTheWrongShapeFail) {
  const std::vector<Case> cases = {
      {"garbage", 200, "text/plain", "garbage \x01\x02 garbage", "not JSON"},
      {"html page", 200, "text/html", "<html><body>Gateway</body></html>", "not JSON"},
      {"html error", 502, "text/html", "<html>Bad Gateway</html>", "502"},
      {"empty body", 200, "application/json", "", "domain_records"},
      {"array", 200, "application/json", "[]", "domain_records"},
      {"no list", 200, "application/json", R"({"records": []})", "domain_records"},
      {"list is an object", 200, "application/json", R"({"domain_records": {}})", "domain_records"},
      {"string id", 200, "application/json",
       R"({"domain_records": [{"id": "10", "type": "A", "name": "www", "data": "192.0.2.1", "ttl": 30}]})",
       "integer id"},
      {"missing data", 200, "application/json",
       R"({"domain_records": [{"id": 10, "type": "A", "name": "www", "ttl": 30}]})", "data"},
      {"fractional ttl", 200, "application/json",
       R"({"domain_records": [{"id": 10, "type": "A", "name": "www", "data": "192.0.2.1", "ttl": 30.5}]})",
       "ttl"},
      {"record not an object", 200, "application/json", R"({"domain_records": [7]})", "record"},
      {"links not an object", 200, "application/json", R"({"domain_records": [], "links": "next"})",
       "links"},
      {"next not a string", 200, "application/json",
       R"({"domain_records": [], "links": {"pages": {"next": 2}}})", "links.pages.next"},
      {"fewer than meta.total", 200, "application/json",
       R"({"domain_records": [], "links": {}, "meta": {"total": 3}})", "0 of 3"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    ScriptedServer server(
        [&](const net::ServerRequest&) { return reply(c.status, c.body, c.content_type); });
    auto p = providers::make_digitalocean_dns(dns_config(server.endpoint()), std::string(kToken));
    expect_failure(p->diff(www_target()), c.expect);
  }
}

TEST(DigitalOceanMalformed, HugeReplyFailsWithoutReadingItAll) {
  const std::string huge = R"({"domain_records": [], "pad": ")" + std::string(5 << 20, 'x') + "\"}";
  ScriptedServer server([&](const net::ServerRequest&) { return reply(200, huge); });
  auto p = providers::make_digitalocean_dns(dns_config(server.endpoint()), std::string(kToken));
  expect_failure(p->diff(www_target()), "larger than");
}

TEST(DigitalOceanMalformed, EndlessPagingIsBounded) {
  std::atomic<int> calls{0};
  ScriptedServer server([&](const net::ServerRequest&) {
    ++calls;
    return reply(200,
                 R"({"domain_records": [], "links": {"pages": {"next": "https://x/?page=9"}}})");
  });
  auto p = providers::make_digitalocean_dns(dns_config(server.endpoint()), std::string(kToken));
  expect_failure(p->diff(www_target()), "pages");
  EXPECT_LE(calls.load(), 50);
}

TEST(DigitalOceanMalformed, RecordsOutsideTheFilterAreNeverTouched) {
  // A server that ignores ?name=&type= and lists the whole zone.
  std::mutex mu;
  std::vector<std::string> seen;
  ScriptedServer server([&](const net::ServerRequest& req) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(req.method + " " + req.target);
    if (req.method != "GET") {
      return reply(200, R"({"domain_record": {"id": 10}})");
    }
    const json all = {
        {"domain_records",
         {kWww,
          {{"id", 11}, {"type", "A"}, {"name", "mail"}, {"data", "192.0.2.7"}, {"ttl", 30}},
          {{"id", 12}, {"type", "TXT"}, {"name", "www"}, {"data", "hello"}, {"ttl", 30}}}},
        {"links", json::object()},
        {"meta", {{"total", 3}}}};
    return reply(200, all.dump());
  });
  auto p = providers::make_digitalocean_dns(dns_config(server.endpoint()), std::string(kToken));
  auto d = p->diff(target({record("www.example.com", RecordType::A, {"ams"}, {"192.0.2.2"})}));
  ASSERT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  // Only record 10 changes: not mail's A record, not www's TXT record.
  EXPECT_EQ(
      std::get<Changes>(d).steps,
      (std::vector<std::string>{
          "update www.example.com A (DigitalOcean record 10): 192.0.2.1 -> 192.0.2.2, ttl 30"}));
}

TEST(DigitalOceanMalformed, CreationReplyWithoutARecordFails) {
  ScriptedServer server([&](const net::ServerRequest& req) {
    if (req.method == "GET") return reply(200, R"({"domain_records": []})");
    return reply(201, R"({"ok": true})");
  });
  auto p = providers::make_digitalocean_dns(dns_config(server.endpoint()), std::string(kToken));
  const auto t = www_target();
  auto d = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Changes>(d)) << describe(d);
  auto f = p->apply(t, std::get<Changes>(d));
  ASSERT_TRUE(f);
  EXPECT_NE(f->reason.find("not a domain record"), std::string::npos) << f->reason;
}

TEST(DigitalOceanMalformed, TokenEchoedByTheServerIsRedacted) {
  ScriptedServer server([&](const net::ServerRequest& req) {
    const auto auth = req.headers.find("authorization");
    const json body = {
        {"id", "unauthorized"},
        {"message", "bad header: " + (auth == req.headers.end() ? "" : auth->second)}};
    return reply(401, body.dump());
  });
  auto p = providers::make_digitalocean_dns(dns_config(server.endpoint()), std::string(kToken));
  auto d = p->diff(www_target());
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  const Failure& f = std::get<Failure>(d);
  EXPECT_TRUE(f.permanent);
  EXPECT_EQ(f.reason.find(std::string(kToken)), std::string::npos) << f.reason;
  EXPECT_NE(f.reason.find("<token>"), std::string::npos) << f.reason;
}

TEST(DigitalOceanMalformed, TokenCutShortInAQuotedReplyIsRedactedToo) {
  // Not JSON: the reason quotes the first few dozen characters, which cut
  // the echoed token in the middle.
  ScriptedServer server([&](const net::ServerRequest& req) {
    const auto auth = req.headers.find("authorization");
    return reply(403, "<html>denied for " + auth->second + " at edge</html>", "text/html");
  });
  auto p = providers::make_digitalocean_dns(dns_config(server.endpoint()), std::string(kToken));
  auto d = p->diff(www_target());
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  const std::string& reason = std::get<Failure>(d).reason;
  EXPECT_EQ(reason.find(std::string(kToken).substr(0, 12)), std::string::npos) << reason;
  EXPECT_EQ(reason.find(std::string(kToken).substr(20, 12)), std::string::npos) << reason;
  EXPECT_NE(reason.find("<token>"), std::string::npos) << reason;
}

TEST(DigitalOceanMalformed, LoadBalancerRepliesOfTheWrongShapeFail) {
  const std::vector<Case> cases = {
      {"html page", 200, "text/html", "<!doctype html><title>maintenance</title>", "not JSON"},
      {"no load_balancer", 200, "application/json", R"({"droplet_ids": [111]})", "load_balancer"},
      {"load_balancer is a list", 200, "application/json", R"({"load_balancer": [111]})",
       "load_balancer"},
      {"no droplet_ids", 200, "application/json", R"({"load_balancer": {"id": "x"}})",
       "droplet_ids"},
      {"droplet_ids is a string", 200, "application/json",
       R"({"load_balancer": {"droplet_ids": "111,112"}})", "droplet_ids"},
      {"droplet id is a string", 200, "application/json",
       R"({"load_balancer": {"droplet_ids": [111, "112"]}})", "non-integer"},
      {"tag is a number", 200, "application/json",
       R"({"load_balancer": {"droplet_ids": [111], "tag": 5}})", "tag"},
      {"empty 200", 200, "application/json", "", "load_balancer"},
  };
  const std::vector<config::LbMember> members = {{"nyc", {111, 112}}, {"ams", {211}}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    ScriptedServer server(
        [&](const net::ServerRequest&) { return reply(c.status, c.body, c.content_type); });
    auto p =
        providers::make_digitalocean_lb(lb_config(server.endpoint(), members), std::string(kToken));
    expect_failure(p->diff(www_target()), c.expect);
  }
}

TEST(DigitalOceanMalformed, UnusableEndpointIsPermanent) {
  auto cfg = dns_config("ftp://example.com/v2");
  auto p = providers::make_digitalocean_dns(cfg, std::string(kToken));
  auto d = p->diff(www_target());
  ASSERT_TRUE(std::holds_alternative<Failure>(d)) << describe(d);
  EXPECT_TRUE(std::get<Failure>(d).permanent);
  EXPECT_NE(std::get<Failure>(d).reason.find("ftp://example.com/v2"), std::string::npos);
}

}  // namespace
}  // namespace drpilot::testing::digitalocean
