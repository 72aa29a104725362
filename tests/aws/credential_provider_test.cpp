// The credential provider in simulated time: when it refreshes (a margin
// before expiry, periodically for keys that do not expire, at once when AWS
// refuses the ones in use), what a failed refresh keeps, and every way the
// container endpoint can fail. The clock is a FakeClock and the endpoint a
// scripted Fetch, so nothing sleeps; one test asks a real endpoint on
// loopback through the blocking fetch.

#include "aws/credential_provider.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <mutex>

#include "aws/aws_environment.h"
#include "aws/credential_report.h"
#include "support/served_http.h"

namespace drpilot::aws {
namespace {

using nlohmann::json;
using testing::AwsEnvironment;
using namespace std::chrono_literals;

constexpr core::Duration kMinute{60'000};

net::ClientResult http(int status, const std::string& body) {
  net::ClientResult r;
  r.ok = true;
  r.status = status;
  r.body = body;
  return r;
}

// What the ECS agent answers.
net::ClientResult container_credentials(const std::string& key_id, core::TimePoint expires) {
  return http(200, json{{"AccessKeyId", key_id},
                        {"SecretAccessKey", "secret-of-" + key_id},
                        {"Token", "token-of-" + key_id},
                        {"Expiration", core::format_time(expires)},
                        {"RoleArn", "arn:aws:iam::123456789012:role/drpilot"}}
                       .dump());
}

// A container endpoint that answers from a script, at once, or holds the
// request until the test answers it.
struct FakeEndpoint {
  std::vector<net::ClientRequest> requests;
  std::deque<net::ClientResult> replies;
  std::vector<std::function<void(net::ClientResult)>> held;
  bool hold = false;

  CredentialProvider::Fetch fetch() {
    return [this](net::ClientRequest req, std::function<void(net::ClientResult)> done) {
      requests.push_back(std::move(req));
      if (hold || replies.empty()) {
        held.push_back(std::move(done));
        return;
      }
      net::ClientResult r = replies.front();
      replies.pop_front();
      done(r);
    };
  }
  std::string header(std::size_t i, const std::string& name) const {
    for (const auto& [n, v] : requests.at(i).headers) {
      if (n == name) return v;
    }
    return "";
  }
};

class Provider : public ::testing::Test {
 protected:
  void SetUp() override { clock_.set(core::from_ms(1'900'000'000'000)); }

  std::unique_ptr<CredentialProvider> make(CredentialOptions o = {}) {
    auto p = std::make_unique<CredentialProvider>(clock_, o, endpoint_.fetch(), policy_);
    p->poll();  // nothing loaded: due at once
    return p;
  }
  static std::string key_of(CredentialProvider& p) {
    std::string why;
    auto c = p.current(why);
    return c ? c->access_key_id : "none: " + why;
  }
  void use_container() {
    AwsEnvironment::set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/task-1234");
  }
  void advance_to(core::TimePoint t) { clock_.set(t); }

  AwsEnvironment env_;
  core::FakeClock clock_;
  FakeEndpoint endpoint_;
  RefreshPolicy policy_;
};

TEST_F(Provider, TemporaryCredentialsAreRefreshedFiveMinutesBeforeTheyExpire) {
  use_container();
  const core::TimePoint t0 = clock_.now();
  endpoint_.replies = {container_credentials("ASIAONE", t0 + 60 * kMinute)};
  auto p = make();
  EXPECT_EQ(key_of(*p), "ASIAONE");
  EXPECT_EQ(p->status().next_refresh, t0 + 55 * kMinute);

  advance_to(t0 + 55 * kMinute - core::Duration{1});
  p->poll();
  EXPECT_EQ(endpoint_.requests.size(), 1u);
  EXPECT_EQ(key_of(*p), "ASIAONE");

  endpoint_.replies = {container_credentials("ASIATWO", t0 + 120 * kMinute)};
  advance_to(t0 + 55 * kMinute);
  p->poll();
  ASSERT_EQ(endpoint_.requests.size(), 2u);
  EXPECT_EQ(key_of(*p), "ASIATWO");
  EXPECT_EQ(p->status().next_refresh, t0 + 115 * kMinute);
  EXPECT_EQ(p->status().changes, 2u);
  EXPECT_EQ(p->status().refresh_error, "");
}

TEST_F(Provider, AFailedRefreshKeepsTheCredentialsUntilTheyExpireAndRetriesWithGrowingWaits) {
  use_container();
  const core::TimePoint t0 = clock_.now();
  const core::TimePoint expiry = t0 + 60 * kMinute;
  endpoint_.replies = {container_credentials("ASIAONE", expiry)};
  auto p = make();
  CredentialWatch watch;
  watch.update(p->status(), clock_.now());

  endpoint_.replies = {http(500, R"({"code": "InternalError", "message": "agent restarting"})")};
  advance_to(expiry - 5 * kMinute);
  p->poll();
  EXPECT_EQ(key_of(*p), "ASIAONE");  // still good for five minutes
  CredentialStatus s = p->status();
  EXPECT_EQ(s.refresh_error,
            "the container credentials endpoint http://169.254.170.2/... "
            "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI): HTTP 500: InternalError: agent restarting");
  EXPECT_EQ(s.failing_since, expiry - 5 * kMinute);
  EXPECT_EQ(s.next_refresh, expiry - 5 * kMinute + 5s);
  CredentialNews news = watch.update(s, clock_.now());
  ASSERT_EQ(news.started.size(), 1u);
  EXPECT_NE(
      news.started[0].find("AWS credentials from the container credentials endpoint "
                           "http://169.254.170.2/... (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) "
                           "cannot be refreshed since"),
      std::string::npos)
      << news.started[0];
  // The source is said once: the refresh looked where the credentials came from.
  EXPECT_NE(news.started[0].find("since " + core::format_time(expiry - 5 * kMinute) +
                                 ": HTTP 500: InternalError: agent restarting; the ones held "
                                 "stay in use (they expire at " +
                                 core::format_time(expiry) + ")"),
            std::string::npos)
      << news.started[0];

  // 5 s, then 10 s, 20 s, 40 s, 60 s, 60 s ... between tries.
  std::vector<core::Duration> waits;
  endpoint_.replies.assign(10, http(503, "busy"));
  core::TimePoint last = clock_.now();
  for (int i = 0; i < 6; ++i) {
    advance_to(p->status().next_refresh);
    p->poll();
    waits.push_back(clock_.now() - last);
    last = clock_.now();
  }
  EXPECT_EQ(waits, (std::vector<core::Duration>{5s, 10s, 20s, 40s, 60s, 60s}));
  EXPECT_EQ(watch.update(p->status(), clock_.now()).started.size(), 0u);  // reported once

  // Expired and still not refreshed: nothing to sign with, and the alert says so.
  advance_to(expiry);
  std::string why;
  EXPECT_FALSE(p->current(why));
  EXPECT_NE(why.find("expired at " + core::format_time(expiry) +
                     " and could not be refreshed: the container credentials endpoint"),
            std::string::npos)
      << why;
  const auto alerts = credential_alerts(p->status(), clock_.now());
  ASSERT_EQ(alerts.count("refresh"), 1u);
  EXPECT_NE(alerts.at("refresh").find("expired at " + core::format_time(expiry) +
                                      " and cannot be refreshed"),
            std::string::npos)
      << alerts.at("refresh");
  EXPECT_NE(alerts.at("refresh").find("no data moves"), std::string::npos);

  // The endpoint is back: new credentials, the alert ends.
  endpoint_.replies = {container_credentials("ASIATWO", expiry + 60 * kMinute)};
  p->poll();  // the retry was due before the expiry
  EXPECT_EQ(key_of(*p), "ASIATWO");
  news = watch.update(p->status(), clock_.now());
  EXPECT_TRUE(news.changed);
  ASSERT_EQ(news.ended.size(), 1u);
  EXPECT_NE(news.ended[0].find("AWS credentials are loaded again, from the container"),
            std::string::npos)
      << news.ended[0];
  EXPECT_TRUE(watch.alerts().empty());
}

TEST_F(Provider, AMarginPointSecondsAwayIsKeptButNotSoonerThanMinInterval) {
  use_container();
  const core::TimePoint t0 = clock_.now();
  endpoint_.replies = {container_credentials("ASIAONE", t0 + 5 * kMinute + 3s)};
  auto p = make();
  EXPECT_EQ(p->status().next_refresh, t0 + policy_.min_interval);
  endpoint_.replies = {container_credentials("ASIATWO", t0 + 5 * kMinute + 30s)};
  advance_to(t0 + policy_.min_interval);
  p->poll();
  EXPECT_EQ(key_of(*p), "ASIATWO");
  EXPECT_EQ(p->status().next_refresh, t0 + 30s);
}

TEST_F(Provider, CredentialsAlreadyCloseToExpiryAreRefreshedAFewTimesNotInABusyLoop) {
  use_container();
  const core::TimePoint t0 = clock_.now();
  // The endpoint keeps handing out the same credentials, two minutes from expiry.
  endpoint_.replies.assign(20, container_credentials("ASIAONE", t0 + 2 * kMinute));
  auto p = make();
  int polls = 0;
  while (clock_.now() < t0 + 2 * kMinute) {
    clock_.advance(1s);
    p->poll();
    ++polls;
  }
  // 30 s, 22.5 s, ... a quarter of what is left each time, at least 5 s apart.
  EXPECT_GE(endpoint_.requests.size(), 4u);
  EXPECT_LE(endpoint_.requests.size(), 14u);
  EXPECT_EQ(polls, 120);
}

TEST_F(Provider, KeysThatDoNotExpireAreReadAgainEveryMinuteSoARotatedFileIsPickedUp) {
  const std::string path =
      env_.credentials_file("[default]\naws_access_key_id = AKIDONE\naws_secret_access_key = s1\n");
  auto p = make();
  EXPECT_EQ(key_of(*p), "AKIDONE");
  EXPECT_EQ(p->status().source, "profile default in " + path);
  EXPECT_FALSE(p->status().expiration);

  env_.credentials_file("[default]\naws_access_key_id = AKIDTWO\naws_secret_access_key = s2\n");
  clock_.advance(kMinute - core::Duration{1});
  p->poll();
  EXPECT_EQ(key_of(*p), "AKIDONE");
  clock_.advance(core::Duration{1});
  p->poll();
  EXPECT_EQ(key_of(*p), "AKIDTWO");

  // Caught half-written: the keys in use stay, the error names the line.
  env_.credentials_file("[default]\naws_access_key_id = AKIDTHREE\naws_secret_acc");
  clock_.advance(kMinute);
  p->poll();
  EXPECT_EQ(key_of(*p), "AKIDTWO");
  EXPECT_EQ(p->status().refresh_error, path + ":3: expected 'key = value' or '[profile]'");
  const auto alerts = credential_alerts(p->status(), clock_.now());
  ASSERT_EQ(alerts.count("refresh"), 1u);
  EXPECT_NE(alerts.at("refresh").find("they do not expire"), std::string::npos);

  env_.credentials_file("[default]\naws_access_key_id = AKIDTHREE\naws_secret_access_key = s3\n");
  clock_.advance(5s);
  p->poll();
  EXPECT_EQ(key_of(*p), "AKIDTHREE");
  EXPECT_EQ(p->status().refresh_error, "");
}

TEST_F(Provider, AChangedEnvironmentIsPickedUpAndItsExpirationHonoured) {
  AwsEnvironment::set("AWS_ACCESS_KEY_ID", "AKIDENV1");
  AwsEnvironment::set("AWS_SECRET_ACCESS_KEY", "secret1");
  auto p = make();
  EXPECT_EQ(key_of(*p), "AKIDENV1");

  const core::TimePoint expiry = clock_.now() + 30 * kMinute;
  AwsEnvironment::set("AWS_ACCESS_KEY_ID", "ASIAENV2");
  AwsEnvironment::set("AWS_SECRET_ACCESS_KEY", "secret2");
  AwsEnvironment::set("AWS_SESSION_TOKEN", "token2");
  AwsEnvironment::set("AWS_CREDENTIAL_EXPIRATION", core::format_time(expiry));
  clock_.advance(kMinute);
  p->poll();
  EXPECT_EQ(key_of(*p), "ASIAENV2");
  EXPECT_EQ(p->status().expiration, expiry);
  EXPECT_EQ(p->status().next_refresh, expiry - 5 * kMinute);
  EXPECT_EQ(p->status().source,
            "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN");
  // Nobody updates the environment: past the expiry there is nothing to sign with.
  clock_.set(expiry);
  p->poll();
  std::string why;
  EXPECT_FALSE(p->current(why));
  EXPECT_NE(why.find("expired at"), std::string::npos) << why;
  EXPECT_NE(why.find("AWS_CREDENTIAL_EXPIRATION"), std::string::npos) << why;
}

TEST_F(Provider, TheChainIsTheEnvironmentThenTheFileThenTheContainer) {
  use_container();
  env_.credentials_file("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n");
  AwsEnvironment::set("AWS_ACCESS_KEY_ID", "AKIDENV");
  AwsEnvironment::set("AWS_SECRET_ACCESS_KEY", "secret");
  endpoint_.replies.assign(3, container_credentials("ASIATASK", clock_.now() + 60 * kMinute));
  auto p = make();
  EXPECT_EQ(key_of(*p), "AKIDENV");
  AwsEnvironment::unset("AWS_ACCESS_KEY_ID");
  AwsEnvironment::unset("AWS_SECRET_ACCESS_KEY");
  clock_.advance(kMinute);
  p->poll();
  EXPECT_EQ(key_of(*p), "AKIDFILE");
  std::filesystem::remove(env_.home() + "/.aws/credentials");
  clock_.advance(kMinute);
  p->poll();
  EXPECT_EQ(key_of(*p), "ASIATASK");
  EXPECT_EQ(endpoint_.requests.size(), 1u);
}

TEST_F(Provider, WithNothingAnywhereTheErrorSaysWhereCredentialsAreLookedFor) {
  auto p = make();
  std::string why;
  EXPECT_FALSE(p->current(why));
  for (const char* place :
       {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "~/.aws/credentials",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"}) {
    EXPECT_NE(why.find(place), std::string::npos) << why;
  }
  EXPECT_TRUE(endpoint_.requests.empty());
  const auto alerts = credential_alerts(p->status(), clock_.now());
  ASSERT_EQ(alerts.count("refresh"), 1u);
  EXPECT_EQ(alerts.at("refresh").rfind("AWS credentials cannot be loaded since", 0), 0u);
}

TEST_F(Provider, TheContainerEndpointIsAskedAsTheSdksAskIt) {
  use_container();
  AwsEnvironment::set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "token-from-env");
  endpoint_.replies.assign(3, container_credentials("ASIATASK", clock_.now() + 60 * kMinute));
  auto p = make();
  ASSERT_EQ(endpoint_.requests.size(), 1u);
  const net::ClientRequest& r = endpoint_.requests[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_FALSE(r.tls);
  EXPECT_EQ(r.host, "169.254.170.2");
  EXPECT_EQ(r.port, 80);
  EXPECT_EQ(r.target, "/v2/credentials/task-1234");
  EXPECT_EQ(endpoint_.header(0, "Authorization"), "token-from-env");
  EXPECT_EQ(r.timeout, policy_.fetch_timeout);
  std::string why;
  auto c = p->current(why);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(c->secret_access_key, "secret-of-ASIATASK");
  EXPECT_EQ(c->session_token, "token-of-ASIATASK");

  // EKS Pod Identity: a full URI and a token file, read again for each request.
  AwsEnvironment::unset("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  AwsEnvironment::set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
  const std::string token_file = env_.home() + "/eks-token";
  testing::write_file(token_file, "eks-token-1\n");
  AwsEnvironment::set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file);
  advance_to(p->status().next_refresh);
  p->poll();
  ASSERT_EQ(endpoint_.requests.size(), 2u);
  EXPECT_EQ(endpoint_.requests[1].host, "169.254.170.23");
  EXPECT_EQ(endpoint_.requests[1].target, "/v1/credentials");
  EXPECT_EQ(endpoint_.header(1, "Authorization"), "eks-token-1");  // the file wins
  testing::write_file(token_file, "eks-token-2");
  advance_to(p->status().next_refresh);
  p->poll();
  ASSERT_EQ(endpoint_.requests.size(), 3u);
  EXPECT_EQ(endpoint_.header(2, "Authorization"), "eks-token-2");
  EXPECT_EQ(p->status().source,
            "the container credentials endpoint http://169.254.170.23/... "
            "(AWS_CONTAINER_CREDENTIALS_FULL_URI)");
}

TEST_F(Provider, EveryWayTheContainerEndpointFailsIsNamed) {
  struct Case {
    std::string what;
    net::ClientResult reply;
    std::string error;  // after "the container credentials endpoint http://169.254.170.2/...
                        // (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI): "
  };
  net::ClientResult timeout;
  timeout.error = "timeout after 5000ms";
  net::ClientResult truncated = http(200, "{");
  truncated.body_truncated = true;
  const std::vector<Case> cases = {
      {"no reply", timeout, "timeout after 5000ms"},
      {"not found", http(404, R"({"code": "NotFound", "message": "no such task"})"),
       "HTTP 404: NotFound: no such task"},
      {"html", http(502, "<html>Bad Gateway</html>"), "HTTP 502: <html>Bad Gateway</html>"},
      {"not json", http(200, "AccessKeyId=ASIA"), "the reply is not JSON"},
      {"too big", truncated, "the reply is larger than 65536 bytes"},
      {"an array", http(200, "[]"), "the reply is not a JSON object"},
      {"no key", http(200, R"({"SecretAccessKey": "s", "Token": "t"})"),
       "the reply has no AccessKeyId"},
      {"no secret", http(200, R"({"AccessKeyId": "ASIA", "Token": "t"})"),
       "the reply has no SecretAccessKey"},
      {"a number", http(200, R"({"AccessKeyId": 7, "SecretAccessKey": "s"})"),
       "AccessKeyId is not a string"},
      {"header injection",
       http(200, R"({"AccessKeyId": "ASIA", "SecretAccessKey": "s", "Token": "t\r\nX-Evil: 1"})"),
       "Token holds whitespace or a control character"},
      {"bad expiration",
       http(200, R"({"AccessKeyId": "ASIA", "SecretAccessKey": "s", "Expiration": "tomorrow"})"),
       "Expiration 'tomorrow' is not a time such as 2026-01-31T12:00:00Z"},
      {"already expired", http(200, R"({"AccessKeyId": "ASIA", "SecretAccessKey": "s", "Token": "t",
                     "Expiration": "2020-01-01T00:00:00Z"})"),
       "it gave credentials that expired at 2020-01-01T00:00:00.000Z"},
  };
  use_container();
  for (const Case& c : cases) {
    endpoint_.replies = {c.reply};
    auto p = make();
    std::string why;
    EXPECT_FALSE(p->current(why)) << c.what;
    EXPECT_EQ(why,
              "the container credentials endpoint http://169.254.170.2/... "
              "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI): " +
                  c.error)
        << c.what;
  }
  // The secret is never quoted, whatever is wrong.
  endpoint_.replies = {http(200, R"({"AccessKeyId": "ASIA", "SecretAccessKey": "very secret"})")};
  auto p = make();
  EXPECT_EQ(p->status().refresh_error.find("very secret"), std::string::npos);
  EXPECT_NE(p->status().refresh_error.find("SecretAccessKey holds whitespace"), std::string::npos);
}

TEST_F(Provider, ABadContainerSettingIsNamedAndNothingIsSent) {
  struct Case {
    std::map<std::string, std::string> env;
    std::string error;
  };
  const std::string token_file = env_.home() + "/token";
  testing::write_file(token_file, "line1\nline2\n");
  const std::vector<Case> cases = {
      {{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://metadata.example.com/creds"}},
       "AWS_CONTAINER_CREDENTIALS_FULL_URI names http://metadata.example.com, which is neither a "
       "loopback address nor the ECS or EKS agent's (169.254.170.2, 169.254.170.23, "
       "fd00:ec2::23): use https:// for other hosts"},
      {{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "ftp://127.0.0.1/creds"}},
       "AWS_CONTAINER_CREDENTIALS_FULL_URI: 'ftp://127.0.0.1/creds' is not an http:// or https:// "
       "URL"},
      {{{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/credentials"}},
       "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is 'v2/credentials', not a path starting with '/'"},
      {{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds"},
        {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", env_.home() + "/missing"}},
       "cannot read " + env_.home() +
           "/missing (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE): No such file or directory"},
      {{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds"},
        {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file}},
       "the authorization token in " + token_file +
           " (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) holds a control character or line break"},
  };
  for (const Case& c : cases) {
    for (const char* v :
         {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
          "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"}) {
      AwsEnvironment::unset(v);
    }
    for (const auto& [k, v] : c.env) AwsEnvironment::set(k.c_str(), v);
    auto p = make();
    std::string why;
    EXPECT_FALSE(p->current(why));
    EXPECT_EQ(why, c.error);
  }
  EXPECT_TRUE(endpoint_.requests.empty());
  // https anywhere and http on loopback are fine.
  for (const char* url : {"https://creds.example.com/x", "http://127.0.0.1:9/x", "http://[::1]:9/x",
                          "http://localhost:9/x"}) {
    AwsEnvironment::unset("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    AwsEnvironment::set("AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
    endpoint_.replies = {container_credentials("ASIAOK", clock_.now() + 60 * kMinute)};
    auto p = make();
    EXPECT_EQ(key_of(*p), "ASIAOK") << url;
  }
}

TEST_F(Provider, ARefusalOfTheCredentialsInUseBringsTheNextRefreshForward) {
  use_container();
  const core::TimePoint t0 = clock_.now();
  endpoint_.replies = {container_credentials("ASIAONE", t0 + 60 * kMinute)};
  auto p = make();
  std::string why;
  const std::shared_ptr<const Credentials> one = p->current(why);
  ASSERT_TRUE(one);

  // A missing permission is not cured by a refresh: the schedule stays.
  clock_.advance(10s);
  p->refused(*one, "eu-west-1", "GetItem orders", "AccessDeniedException", "not authorized");
  EXPECT_EQ(p->status().next_refresh, t0 + 55 * kMinute);

  // Revoked early: refreshed at the next poll.
  p->refused(*one, "eu-west-1", "DescribeTable orders", "ExpiredTokenException",
             "The security token included in the request is expired");
  EXPECT_EQ(p->status().next_refresh, clock_.now());
  endpoint_.replies = {container_credentials("ASIATWO", t0 + 120 * kMinute)};
  p->poll();
  EXPECT_EQ(key_of(*p), "ASIATWO");

  // The old credentials refused again by a request still in flight: no
  // refresh for them, they are not in use any more.
  p->refused(*one, "eu-west-1", "DescribeTable orders", "ExpiredTokenException", "expired");
  EXPECT_EQ(p->status().next_refresh, t0 + 115 * kMinute);

  // The new ones refused at once: at most one refresh per min_interval.
  const std::shared_ptr<const Credentials> two = p->current(why);
  p->refused(*two, "eu-west-1", "DescribeTable orders", "UnrecognizedClientException", "invalid");
  EXPECT_EQ(p->status().next_refresh, clock_.now() + policy_.min_interval);
}

TEST_F(Provider, RefusalsAreAlertedPerRegionUntilTheRegionAcceptsTheCredentials) {
  use_container();
  const core::TimePoint t0 = clock_.now();
  endpoint_.replies = {container_credentials("ASIAONE", t0 + 60 * kMinute),
                       container_credentials("ASIATWO", t0 + 120 * kMinute)};
  auto p = make();
  std::string why;
  const auto one = p->current(why);
  CredentialWatch watch;
  watch.update(p->status(), clock_.now());

  p->refused(*one, "us-east-1", "DescribeTable orders", "ExpiredTokenException",
             "The security token included in the request is expired");
  clock_.advance(1s);
  p->refused(*one, "us-east-1", "GetItem orders", "ExpiredTokenException",
             "The security token included in the request is expired");
  p->refused(*one, "eu-west-1", "GetItem orders", "AccessDeniedException",
             "User: arn:aws:sts::123456789012:assumed-role/drpilot/task is not authorized to "
             "perform: dynamodb:GetItem");
  CredentialNews news = watch.update(p->status(), clock_.now());
  ASSERT_EQ(news.started.size(), 2u);
  const auto alerts = credential_alerts(p->status(), clock_.now());
  EXPECT_EQ(alerts.at("refused us-east-1"),
            "AWS credentials from the container credentials endpoint http://169.254.170.2/... "
            "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) refused by DynamoDB us-east-1: "
            "ExpiredTokenException: The security token included in the request is expired "
            "(GetItem orders, and 1 other request): checks refused so are unknown, not down, "
            "and move no data");
  EXPECT_NE(alerts.at("refused eu-west-1").find("AccessDeniedException: User: "),
            std::string::npos);

  // The same request accepted with the same credentials clears only itself.
  p->accepted(*one, "us-east-1", "GetItem orders");
  EXPECT_EQ(p->status().refusals.size(), 2u);
  // New credentials accepted in the region clear what the old ones were refused.
  clock_.advance(5s);
  p->poll();  // the refusal brought the refresh forward
  const auto two = p->current(why);
  ASSERT_EQ(two->access_key_id, "ASIATWO");
  p->accepted(*two, "us-east-1", "ListTables");
  news = watch.update(p->status(), clock_.now());
  ASSERT_EQ(news.ended.size(), 1u);
  EXPECT_EQ(
      news.ended[0],
      "DynamoDB us-east-1 no longer refuses the AWS credentials (now from the container "
      "credentials endpoint http://169.254.170.2/... (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI))");
  // A refusal nobody repeats is forgotten after a while.
  clock_.advance(policy_.refusal_memory + 1s);
  EXPECT_TRUE(p->status().refusals.empty());
}

TEST_F(Provider, OneRefreshAtATimeAndAnAnswerAfterTheProviderIsGoneIsDropped) {
  use_container();
  endpoint_.hold = true;
  auto p = make();
  std::string why;
  EXPECT_FALSE(p->current(why));
  EXPECT_EQ(why, "the AWS credentials are not loaded yet");
  clock_.advance(kMinute);
  p->poll();
  p->refresh(endpoint_.fetch());
  EXPECT_EQ(endpoint_.requests.size(), 1u);  // in flight: not asked again
  endpoint_.held[0](container_credentials("ASIAONE", clock_.now() + 60 * kMinute));
  EXPECT_EQ(key_of(*p), "ASIAONE");

  advance_to(p->status().next_refresh);
  p->poll();
  ASSERT_EQ(endpoint_.held.size(), 2u);
  p.reset();
  endpoint_.held[1](container_credentials("ASIATWO", clock_.now() + 60 * kMinute));  // no crash
}

// The blocking fetch against a real endpoint on loopback, as `drpilot
// bootstrap dynamodb` uses it: loaded at once, refreshed on use when due.
TEST(ProviderOverHttp, LoadsFromARealContainerEndpoint) {
  AwsEnvironment env;
  std::atomic<int> served{0};
  std::mutex mutex;
  std::string authorization;
  testing::ServedHttp endpoint([&](const net::ServerRequest& req, net::Responder respond) {
    {
      std::lock_guard lock(mutex);
      auto it = req.headers.find("authorization");
      authorization = it == req.headers.end() ? "" : it->second;
    }
    const int n = ++served;
    net::ServerResponse r;
    r.body = json{{"AccessKeyId", "ASIAHTTP" + std::to_string(n)},
                  {"SecretAccessKey", "secret"},
                  {"Token", "token"},
                  {"Expiration", core::format_time(core::SystemClock().now() + 2min)}}
                 .dump();
    respond(r);
  });
  AwsEnvironment::set("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url("/creds"));
  AwsEnvironment::set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer abc");
  core::FakeClock clock(core::SystemClock().now());
  std::string error;
  std::shared_ptr<CredentialProvider> p = load_blocking(clock, {}, error);
  ASSERT_TRUE(p) << error;
  std::string why;
  EXPECT_EQ(p->current(why)->access_key_id, "ASIAHTTP1");
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(authorization, "Bearer abc");
  }
  // Two minutes from expiry, inside the margin: refreshed when used 30 s on.
  clock.advance(29s);
  EXPECT_EQ(p->current(why)->access_key_id, "ASIAHTTP1");
  clock.advance(2s);
  EXPECT_EQ(p->current(why)->access_key_id, "ASIAHTTP2");
  EXPECT_EQ(served, 2);
}

}  // namespace
}  // namespace drpilot::aws
