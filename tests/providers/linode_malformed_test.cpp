// Replies that are not what Linode promises (garbage, an HTML page, JSON of
// the wrong shape or types, a huge body, endless pages) must each become a
// clean Failure: never a crash, never "in sync".

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "net/http.h"
#include "net/loop.h"
#include "providers/linode_dns.h"
#include "providers/linode_fixture.h"

namespace drpilot::testing {
namespace {

using core::RecordType;
using nlohmann::json;
using providers::Changes;
using providers::Failure;

// An HTTP server on its own loop thread that answers what a test scripts.
class ScriptedServer {
 public:
  using Script = std::function<net::ServerResponse(const net::ServerRequest&)>;

  explicit ScriptedServer(Script script) : script_(std::move(script)) {
    server_ = std::make_unique<net::HttpServer>(
        loop_, "127.0.0.1", 0, [this](const net::ServerRequest& req, net::Responder respond) {
          ++requests_;
          respond(script_(req));
        });
    server_->start();
    thread_ = std::thread([this] { loop_.run(); });
  }
  ~ScriptedServer() {
    loop_.post([this] {
      server_->stop();
      loop_.stop();
    });
    thread_.join();
  }

  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v4";
  }
  int requests() const { return requests_; }

 private:
  Script script_;
  net::Loop loop_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
  std::atomic<int> requests_{0};
};

net::ServerResponse reply(int status, std::string body, std::string type = "application/json") {
  net::ServerResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(type);
  return r;
}

// A well-formed domain 1 ("example.com"); the records listing is `records`.
ScriptedServer::Script domain_then(std::function<net::ServerResponse()> records) {
  return [records](const net::ServerRequest& req) {
    if (req.path == "/v4/domains/1") {
      return reply(200, json{{"id", 1}, {"domain", "example.com"}, {"type", "master"}}.dump());
    }
    return records();
  };
}

Failure diff_fails(const std::string& endpoint) {
  config::ProviderConfig cfg = linode_config(endpoint, "");
  cfg.domain_id = 1;
  auto p = providers::make_linode_dns(cfg, kLinodeToken);
  auto r = p->diff(target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.1"})}));
  if (auto* c = std::get_if<Changes>(&r)) {
    ADD_FAILURE() << "a malformed reply passed, with " << c->steps.size() << " steps";
    return {};
  }
  return std::get<Failure>(r);
}

json page_of(json data) {
  return {{"data", std::move(data)}, {"page", 1}, {"pages", 1}, {"results", 1}};
}

json good_record() {
  return {{"id", 10}, {"type", "A"}, {"name", "www"}, {"target", "192.0.2.1"}, {"ttl_sec", 30}};
}

TEST(LinodeMalformed, TheScriptedServerServesAGoodWorld) {
  // The control case: the same script with a good page is in sync, so the
  // failures below come from the malformed parts alone.
  ScriptedServer s(domain_then([] { return reply(200, page_of({good_record()}).dump()); }));
  config::ProviderConfig cfg = linode_config(s.endpoint(), "");
  cfg.domain_id = 1;
  auto p = providers::make_linode_dns(cfg, kLinodeToken);
  auto r = p->diff(target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.1"})}));
  ASSERT_TRUE(std::holds_alternative<Changes>(r)) << std::get<Failure>(r).reason;
  EXPECT_TRUE(std::get<Changes>(r).empty());
}

TEST(LinodeMalformed, GarbageIsAFailure) {
  ScriptedServer s(domain_then([] { return reply(200, "\x01\x02 not json {", "text/plain"); }));
  Failure f = diff_fails(s.endpoint());
  EXPECT_NE(f.reason.find("not JSON"), std::string::npos) << f.reason;
}

TEST(LinodeMalformed, HtmlPageIsAFailure) {
  ScriptedServer s(domain_then([] {
    return reply(200, "<html><body><h1>Gateway maintenance</h1></body></html>", "text/html");
  }));
  Failure f = diff_fails(s.endpoint());
  EXPECT_NE(f.reason.find("not JSON"), std::string::npos) << f.reason;
  EXPECT_NE(f.reason.find("<html>"), std::string::npos) << "the reason should quote the start";
}

TEST(LinodeMalformed, MissingDataArrayIsAFailure) {
  for (const json& body : {json{{"records", json::array()}}, json{{"data", "none"}, {"pages", 1}},
                           json::array(), json("ok"), json{{"data", json::array()}}}) {
    ScriptedServer s(domain_then([body] { return reply(200, body.dump()); }));
    Failure f = diff_fails(s.endpoint());
    EXPECT_NE(f.reason.find("not a Linode page"), std::string::npos) << body << ": " << f.reason;
  }
}

TEST(LinodeMalformed, WrongTypesInARecordAreAFailure) {
  std::vector<json> bad;
  for (const char* key : {"id", "type", "name", "target", "ttl_sec"}) {
    json r = good_record();
    r.erase(key);
    bad.push_back(r);
  }
  json r = good_record();
  r["id"] = "10";
  bad.push_back(r);
  r = good_record();
  r["id"] = 10.5;
  bad.push_back(r);
  r = good_record();
  r["id"] = -3;
  bad.push_back(r);
  r = good_record();
  r["ttl_sec"] = "30";
  bad.push_back(r);
  r = good_record();
  r["target"] = json::array({"192.0.2.1"});
  bad.push_back(r);
  bad.push_back(json("a record"));
  bad.push_back(nullptr);
  for (const json& rec : bad) {
    ScriptedServer s(domain_then([rec] {
      return reply(200, page_of({good_record(), rec}).dump());
    }));
    Failure f = diff_fails(s.endpoint());
    EXPECT_NE(f.reason.find("GET /domains/1/records"), std::string::npos)
        << rec << ": " << f.reason;
  }
}

TEST(LinodeMalformed, WrongDomainReplyIsAFailure) {
  for (const json& body : {json{{"id", 2}, {"domain", "example.com"}}, json{{"id", 1}},
                           json{{"id", "1"}, {"domain", "example.com"}}}) {
    ScriptedServer s([body](const net::ServerRequest&) { return reply(200, body.dump()); });
    Failure f = diff_fails(s.endpoint());
    EXPECT_NE(f.reason.find("not the Linode domain asked for"), std::string::npos)
        << body << ": " << f.reason;
  }
}

TEST(LinodeMalformed, HugeBodyIsAFailure) {
  ScriptedServer s(domain_then([] {
    json data = json::array();
    std::string pad(2000, 'x');
    for (int i = 0; i < 3000; ++i) {
      json r = good_record();
      r["id"] = i + 1;
      r["pad"] = pad;
      data.push_back(r);
    }
    return reply(200, page_of(data).dump());
  }));
  Failure f = diff_fails(s.endpoint());
  EXPECT_NE(f.reason.find("larger than"), std::string::npos) << f.reason;
}

TEST(LinodeMalformed, EndlessPagesAreNotFollowedForever) {
  ScriptedServer s(domain_then([] {
    return reply(
        200, json{{"data", json::array()}, {"page", 1}, {"pages", 1000000}, {"results", 0}}.dump());
  }));
  Failure f = diff_fails(s.endpoint());
  EXPECT_NE(f.reason.find("more than 100 pages"), std::string::npos) << f.reason;
  EXPECT_LE(s.requests(), 101);
}

TEST(LinodeMalformed, TokenEchoedByTheServerIsScrubbed) {
  ScriptedServer s([](const net::ServerRequest& req) {
    const std::string auth =
        req.headers.count("authorization") ? req.headers.at("authorization") : "";
    return reply(500, json{{"errors", {{{"reason", "upstream rejected header " + auth}}}}}.dump());
  });
  Failure f = diff_fails(s.endpoint());
  EXPECT_EQ(f.reason.find(kLinodeToken), std::string::npos) << f.reason;
  EXPECT_NE(f.reason.find("<token>"), std::string::npos) << f.reason;
}

TEST(LinodeMalformed, TokenCutShortInAQuoteIsScrubbedToo) {
  // Not JSON, so the reason quotes the first 80 characters, which end inside
  // the echoed token.
  ScriptedServer s([](const net::ServerRequest& req) {
    const std::string auth =
        req.headers.count("authorization") ? req.headers.at("authorization") : "";
    return reply(502, std::string(60, '.') + auth, "text/plain");
  });
  Failure f = diff_fails(s.endpoint());
  EXPECT_EQ(f.reason.find(std::string(kLinodeToken).substr(0, 8)), std::string::npos) << f.reason;
  EXPECT_NE(f.reason.find("Bearer <token>"), std::string::npos) << f.reason;
}

TEST(LinodeMalformed, ErrorRepliesAreReadInLinodeShape) {
  ScriptedServer s([](const net::ServerRequest&) {
    return reply(400, json{{"errors",
                            {{{"field", "ttl_sec"}, {"reason", "must be a number"}},
                             {{"reason", "second problem"}}}}}
                          .dump());
  });
  Failure f = diff_fails(s.endpoint());
  EXPECT_TRUE(f.permanent) << "an invalid request fails the same way every time";
  EXPECT_NE(f.reason.find("HTTP 400: ttl_sec: must be a number; second problem"), std::string::npos)
      << f.reason;
}

TEST(LinodeMalformed, WriteReplyOfTheWrongShapeIsAFailure) {
  ScriptedServer writes([](const net::ServerRequest& req) {
    if (req.path == "/v4/domains/1") {
      return reply(200, json{{"id", 1}, {"domain", "example.com"}, {"type", "master"}}.dump());
    }
    if (req.method == "GET") return reply(200, page_of({good_record()}).dump());
    return reply(200, json{{"ok", true}}.dump());  // not a record
  });
  config::ProviderConfig cfg = linode_config(writes.endpoint(), "");
  cfg.domain_id = 1;
  auto p = providers::make_linode_dns(cfg, kLinodeToken);
  auto t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"})});
  auto r = p->diff(t);
  ASSERT_TRUE(std::holds_alternative<Changes>(r)) << std::get<Failure>(r).reason;
  auto f = p->apply(t, std::get<Changes>(r));
  ASSERT_TRUE(f);
  EXPECT_NE(f->reason.find("not the record written"), std::string::npos) << f->reason;
}

TEST(LinodeMalformed, ChangesFromElsewhereAreRefused) {
  auto p = providers::make_linode_dns(linode_config("http://127.0.0.1:9/v4", "example.com"),
                                      kLinodeToken);
  Changes foreign;
  foreign.steps.push_back("update something");
  foreign.detail = 42;
  auto f = p->apply(target_of({}), foreign);
  ASSERT_TRUE(f);
  EXPECT_NE(f->reason.find("not listed by this Linode provider"), std::string::npos) << f->reason;
}

}  // namespace
}  // namespace drpilot::testing
