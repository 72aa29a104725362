// route() for the operator commands: the bearer token is checked before
// anything else, the body is validated before the backend sees it, and a
// valid command reaches the backend exactly as sent. No sockets: route() is a
// plain function of the request.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/api_server.h"

namespace drpilot::api {
namespace {

using nlohmann::json;

class FakeBackend final : public Backend {
 public:
  std::function<net::ServerResponse()> status(const StatusQuery& q) override {
    ++reads;
    queries.push_back(q);
    return [] { return json_response(200, {{"ok", true}}); };
  }
  json history(std::size_t, std::optional<std::int64_t>) override {
    ++reads;
    return json::array();
  }
  bool live() override { return true; }
  std::pair<int, json> command(const core::Command& cmd) override {
    commands.push_back(cmd);
    return reply;
  }

  std::vector<core::Command> commands;
  std::vector<StatusQuery> queries;
  int reads = 0;
  std::pair<int, json> reply{200, {{"message", "done"}, {"generation", 12}}};
};

const Access kToken = Access::operator_token("s3cret-token-16b");
const Access kNoToken;

net::ServerRequest post(const std::string& name, const std::string& body,
                        std::optional<std::string> auth = "Bearer s3cret-token-16b") {
  net::ServerRequest r;
  r.method = "POST";
  r.path = "/api/v1/commands/" + name;
  r.target = r.path;
  r.body = body;
  r.remote = "192.0.2.77";
  if (auth) r.headers["authorization"] = *auth;
  return r;
}

std::string header(const net::ServerResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

json body(const net::ServerResponse& r) {
  return json::parse(r.body, nullptr, false);
}

TEST(ApiCommands, ACorrectTokenCallsTheBackendWithTheParsedCommand) {
  FakeBackend b;
  net::ServerResponse r =
      route(b, post("switchover", R"({"site": "fra", "record": "www.example.test", "force": true,
                             "who": "alice@ops-1", "why": "drill: ams database upgrade"})"),
            kToken);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(body(r), b.reply.second);
  ASSERT_EQ(b.commands.size(), 1u);
  const core::Command& c = b.commands[0];
  EXPECT_EQ(c.name, "switchover");
  EXPECT_EQ(c.site, "fra");
  EXPECT_EQ(c.record, "www.example.test");
  EXPECT_TRUE(c.force);
  // The token's name says who it is; the client's own words come beside it.
  EXPECT_EQ(c.who, "operator (alice@ops-1)");
  EXPECT_EQ(c.why, "drill: ams database upgrade");
}

TEST(ApiCommands, DefaultsForAbsentFields) {
  FakeBackend b;
  for (const std::string& text :
       {std::string(""), std::string("{}"), std::string(R"({"site": null, "who": null})")}) {
    SCOPED_TRACE(text);
    b.commands.clear();
    net::ServerResponse r = route(b, post("freeze", text), kToken);
    EXPECT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(b.commands.size(), 1u);
    const core::Command& c = b.commands[0];
    EXPECT_EQ(c.name, "freeze");
    EXPECT_EQ(c.site, "");
    EXPECT_EQ(c.record, "");
    EXPECT_FALSE(c.force);
    EXPECT_EQ(c.who, "operator");  // the token's name
    EXPECT_EQ(c.why, "");
  }
}

TEST(ApiCommands, TheBackendsStatusAndBodyAreTheReply) {
  FakeBackend b;
  b.reply = {409, {{"error", "fra is already drained"}}};
  net::ServerResponse r = route(b, post("drain", R"({"site": "fra"})"), kToken);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(body(r)["error"], "fra is already drained");
  // Unknown command names are the backend's (check_command's) to refuse.
  b.reply = {400, {{"error", "unknown command 'reboot'"}}};
  r = route(b, post("reboot", "{}"), kToken);
  EXPECT_EQ(r.status, 400);
  ASSERT_EQ(b.commands.size(), 2u);
  EXPECT_EQ(b.commands[1].name, "reboot");
}

struct AuthCase {
  std::string name;
  std::optional<std::string> header;  // the Authorization header, if any
  Access access;                      // the configured tokens
};

void PrintTo(const AuthCase& c, std::ostream* os) {
  *os << c.name;
}

class ApiCommandAuth : public ::testing::TestWithParam<AuthCase> {};

TEST_P(ApiCommandAuth, IsRefusedWith401AndNeverReachesTheBackend) {
  const AuthCase& c = GetParam();
  FakeBackend b;
  // Even a malformed body is not looked at before the caller is known.
  for (const std::string& text : {std::string(R"({"site": "ams"})"), std::string("not json")}) {
    net::ServerResponse r = route(b, post("drain", text, c.header), c.access);
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(header(r, "WWW-Authenticate"), "Bearer");
    EXPECT_TRUE(body(r).contains("error")) << r.body;
    // The configured token never appears in a reply.
    for (const Token& t : c.access.tokens) {
      if (!t.secret.empty()) {
        EXPECT_EQ(r.body.find(t.secret), std::string::npos);
      }
    }
  }
  EXPECT_TRUE(b.commands.empty());
  EXPECT_EQ(b.reads, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ApiCommandAuth,
    ::testing::Values(AuthCase{"no_header", std::nullopt, kToken},
                      AuthCase{"wrong_token", "Bearer wrong", kToken},
                      AuthCase{"token_prefix", "Bearer s3cret", kToken},
                      AuthCase{"token_with_suffix", "Bearer s3cret-token-16b-and-more", kToken},
                      AuthCase{"empty_bearer", "Bearer ", kToken},
                      AuthCase{"token_without_scheme", "s3cret-token-16b", kToken},
                      AuthCase{"basic_scheme", "Basic s3cret-token-16b", kToken},
                      AuthCase{"no_space_after_scheme", "Bearers3cret-token-16b", kToken},
                      AuthCase{"no_token_configured", "Bearer s3cret-token-16b", kNoToken},
                      AuthCase{"no_token_configured_no_header", std::nullopt, kNoToken},
                      AuthCase{"empty_token_configured_empty_bearer", "Bearer ",
                               Access::operator_token("")},
                      // A read token is not an operator token.
                      AuthCase{"only_a_read_token", "Bearer r3ad-token-for-graphs",
                               Access{{{"grafana", false, "r3ad-token-for-graphs"}}, false}}),
    [](const ::testing::TestParamInfo<AuthCase>& info) { return info.param.name; });

TEST(ApiCommands, WithoutAConfiguredTokenTheReplySaysHowToEnableCommands) {
  FakeBackend b;
  net::ServerResponse r = route(b, post("freeze", "{}"), kNoToken);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(body(r)["error"].get<std::string>().find("api.token_file"), std::string::npos)
      << r.body;
}

struct BodyCase {
  std::string name;
  std::string body;
  std::string error;  // a part of the error
};

void PrintTo(const BodyCase& c, std::ostream* os) {
  *os << c.name;
}

class ApiCommandBody : public ::testing::TestWithParam<BodyCase> {};

TEST_P(ApiCommandBody, IsRefusedWith400AndNeverReachesTheBackend) {
  const BodyCase& c = GetParam();
  FakeBackend b;
  net::ServerResponse r = route(b, post("drain", c.body), kToken);
  EXPECT_EQ(r.status, 400) << r.body;
  const json j = body(r);
  ASSERT_TRUE(j.contains("error")) << r.body;
  EXPECT_NE(j["error"].get<std::string>().find(c.error), std::string::npos) << r.body;
  EXPECT_TRUE(b.commands.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, ApiCommandBody,
    ::testing::Values(
        BodyCase{"not_json", "site=ams", "must be a JSON object"},
        BodyCase{"truncated_json", R"({"site": "ams")", "must be a JSON object"},
        BodyCase{"array", R"(["ams"])", "must be a JSON object"},
        BodyCase{"string", R"("ams")", "must be a JSON object"},
        BodyCase{"number", "5", "must be a JSON object"},
        BodyCase{"null", "null", "must be a JSON object"},
        BodyCase{"site_number", R"({"site": 5})", "'site' must be a string"},
        BodyCase{"record_object", R"({"record": {"name": "www"}})", "'record' must be a string"},
        BodyCase{"who_array", R"({"who": ["alice"]})", "'who' must be a string"},
        BodyCase{"why_boolean", R"({"why": true})", "'why' must be a string"},
        BodyCase{"force_string", R"({"site": "ams", "force": "yes"})",
                 "'force' must be true or false"},
        BodyCase{"force_number", R"({"site": "ams", "force": 1})", "'force' must be true or false"},
        BodyCase{"site_newline", R"({"site": "ams\nfra"})", "'site' holds a control character"},
        BodyCase{"why_escape", R"({"why": "ok\u001b[31m red"})", "'why' holds a control character"},
        BodyCase{"who_delete", R"({"who": "alice\u007f"})", "'who' holds a control character"},
        BodyCase{"why_nul", R"({"why": "a\u0000b"})", "'why' holds a control character"},
        BodyCase{"why_too_long", R"({"why": ")" + std::string(501, 'x') + R"("})",
                 "'why' is longer than 500 characters"},
        BodyCase{"site_too_long", R"({"site": ")" + std::string(600, 'a') + R"("})",
                 "'site' is longer than 500 characters"}),
    [](const ::testing::TestParamInfo<BodyCase>& info) { return info.param.name; });

TEST(ApiCommands, FiveHundredCharactersAreFine) {
  FakeBackend b;
  net::ServerResponse r =
      route(b, post("freeze", R"({"why": ")" + std::string(500, 'x') + R"("})"), kToken);
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(b.commands.size(), 1u);
  EXPECT_EQ(b.commands[0].why.size(), 500u);
}

TEST(ApiCommands, UnicodeTextIsNotAControlCharacter) {
  FakeBackend b;
  net::ServerResponse r = route(b, post("freeze", R"({"why": "Wartung in Zürich — 2h"})"), kToken);
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(b.commands.size(), 1u);
  EXPECT_EQ(b.commands[0].why, "Wartung in Zürich — 2h");
}

TEST(ApiCommands, OtherMethodsOnACommandPathAre405) {
  for (const char* method : {"GET", "HEAD", "PUT", "DELETE"}) {
    SCOPED_TRACE(method);
    FakeBackend b;
    net::ServerRequest req = post("drain", R"({"site": "ams"})");
    req.method = method;
    net::ServerResponse r = route(b, req, kToken);
    EXPECT_EQ(r.status, 405);
    EXPECT_TRUE(b.commands.empty());
  }
}

TEST(ApiCommands, ReadEndpointsNeedNoToken) {
  FakeBackend b;
  net::ServerRequest req;
  req.method = "GET";
  req.path = "/api/v1/status";
  EXPECT_EQ(route(b, req, kToken).status, 200);
  EXPECT_EQ(route(b, req, kNoToken).status, 200);
  // And cannot be used to post commands.
  req.method = "POST";
  EXPECT_EQ(route(b, req, kToken).status, 405);
  EXPECT_TRUE(b.commands.empty());
}

// Found by fuzzing: a path that is not UTF-8 must give a JSON 404, not an
// exception out of the JSON writer.
TEST(ApiRoutes, APathThatIsNotUtf8GetsAJson404) {
  FakeBackend backend;
  net::ServerRequest r;
  r.method = "GET";
  r.path = "/api/v0/\x9d\x8emmands/pin";
  r.target = r.path;
  net::ServerResponse reply = route(backend, r, kToken);
  EXPECT_EQ(reply.status, 404);
  EXPECT_FALSE(body(reply).is_discarded()) << reply.body;
}

// The scheme name of Authorization is case-insensitive; the token is not.
TEST(ApiRoutes, BearerIsCaseInsensitiveButTheTokenIsNot) {
  FakeBackend backend;
  EXPECT_EQ(route(backend, post("freeze", "{}", "bearer s3cret-token-16b"), kToken).status, 200);
  EXPECT_EQ(route(backend, post("resume", "{}", "BEARER s3cret-token-16b"), kToken).status, 200);
  EXPECT_EQ(route(backend, post("freeze", "{}", "Bearer S3CRET-TOKEN-16B"), kToken).status, 401);
  EXPECT_EQ(backend.commands.size(), 2u);
}

// Named tokens with roles: each caller is journaled by its token's name,
// whatever it says of itself; a read token reads, never operates.
Access team() {
  Access a;
  a.tokens = {{"alice", true, "alice-operator-token-1"},
              {"bob", true, "bob-operator-token-22"},
              {"grafana", false, "grafana-read-token-333"}};
  return a;
}

TEST(ApiTokens, WhoIsTheTokensNameAndTheClientsWordsComeBesideIt) {
  FakeBackend b;
  const Access access = team();
  EXPECT_EQ(route(b, post("freeze", R"({"who": "alice"})", "Bearer alice-operator-token-1"), access)
                .status,
            200);
  // bob cannot pass for alice: the token decides.
  EXPECT_EQ(route(b, post("freeze", R"({"who": "alice"})", "Bearer bob-operator-token-22"), access)
                .status,
            200);
  EXPECT_EQ(route(b, post("resume", "{}", "Bearer bob-operator-token-22"), access).status, 200);
  ASSERT_EQ(b.commands.size(), 3u);
  EXPECT_EQ(b.commands[0].who, "alice");
  EXPECT_EQ(b.commands[1].who, "bob (alice)");
  EXPECT_EQ(b.commands[2].who, "bob");
}

TEST(ApiTokens, AReadTokenIsRefusedCommandsWith403NamingItsRole) {
  FakeBackend b;
  net::ServerResponse r =
      route(b, post("drain", R"({"site": "ams"})", "Bearer grafana-read-token-333"), team());
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(body(r)["error"].get<std::string>().find("'grafana' has the read role"),
            std::string::npos)
      << r.body;
  EXPECT_TRUE(b.commands.empty());
  // Its body is not let in as an operator's would be.
  EXPECT_EQ(body_limit(post("drain", "", "Bearer grafana-read-token-333"), team()),
            kMaxAnonymousBody);
  EXPECT_EQ(body_limit(post("drain", "", "Bearer alice-operator-token-1"), team()),
            kMaxCommandBody);
}

TEST(ApiTokens, ReadingCanBeMadeToNeedAToken) {
  Access access = team();
  access.read_token_required = true;
  for (const char* path : {"/api/v1/status", "/api/v1/history"}) {
    SCOPED_TRACE(path);
    FakeBackend b;
    net::ServerRequest req;
    req.method = "GET";
    req.path = path;
    net::ServerResponse r = route(b, req, access);
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(header(r, "WWW-Authenticate"), "Bearer");
    req.headers["authorization"] = "Bearer not-any-of-the-tokens";
    EXPECT_EQ(route(b, req, access).status, 401);
    EXPECT_EQ(b.reads, 0);
    req.headers["authorization"] = "Bearer grafana-read-token-333";
    EXPECT_EQ(route(b, req, access).status, 200);
    req.headers["authorization"] = "Bearer alice-operator-token-1";
    EXPECT_EQ(route(b, req, access).status, 200);
    EXPECT_EQ(b.reads, 2);
  }
  // /healthz is for load balancers: never a token.
  FakeBackend b;
  net::ServerRequest health;
  health.method = "GET";
  health.path = "/healthz";
  EXPECT_EQ(route(b, health, access).status, 200);
}

// /healthz/leader is for load balancers in front of a cluster's members:
// 200 only on the acting leader, never a token.
TEST(ApiRoutes, HealthzLeaderAnswers200OnlyOnTheActingLeader) {
  struct ClusterBackend final : public Backend {
    std::function<net::ServerResponse()> status(const StatusQuery&) override { return {}; }
    json history(std::size_t, std::optional<std::int64_t>) override { return {}; }
    bool live() override { return true; }
    std::pair<int, json> command(const core::Command&) override { return {200, {}}; }
    std::string not_leading() override { return why; }
    std::string why;
  } b;
  net::ServerRequest req;
  req.method = "GET";
  req.path = "/healthz/leader";
  const Access access = Access::operator_token("s3cret-token-16b");
  net::ServerResponse r = route(b, req, access);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "leader\n");
  b.why = "the leader is bravo (term 812) at https://bravo:8443";
  r = route(b, req, access);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not the leader: the leader is bravo (term 812) at https://bravo:8443\n");
  req.method = "POST";
  EXPECT_EQ(route(b, req, access).status, 405);
  // A controller that acts alone is no cluster's leader.
  FakeBackend alone;
  req.method = "GET";
  r = route(alone, req, access);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("not a cluster member"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace drpilot::api
