// The DynamoDB client's retry loop with a scripted transport: which failures
// are retried, how many times, how long it waits, what the retry quota is
// charged and refunded, and what a failure says.

#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>

#include "aws/dynamodb.h"
#include "aws/retry.h"

namespace drpilot::aws {
namespace {

using nlohmann::json;

net::ClientResult reply(int status, const std::string& body, bool checksum = true) {
  net::ClientResult r;
  r.ok = true;
  r.status = status;
  r.body = body;
  r.headers["content-type"] = "application/x-amz-json-1.0";
  if (checksum) r.headers["x-amz-crc32"] = std::to_string(crc32(body));
  return r;
}

net::ClientResult error_reply(int status, const std::string& code, const std::string& message) {
  return reply(
      status,
      json{{"__type", "com.amazonaws.dynamodb.v20120810#" + code}, {"message", message}}.dump());
}

net::ClientResult network_error(const std::string& error) {
  net::ClientResult r;
  r.error = error;
  return r;
}

Credentials test_credentials() {
  Credentials c;
  c.access_key_id = "AKIDTEST";
  c.secret_access_key = "secret-access-key-for-tests";
  c.source = "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY";
  return c;
}

// A client whose attempts are answered from a script (the last answer
// repeats) and whose pauses are recorded instead of slept.
struct Scripted {
  std::deque<net::ClientResult> script;
  std::vector<net::ClientRequest> sent;
  std::vector<core::Duration> waits;
  bool keep_waiting = true;
  std::unique_ptr<DynamoClient> client;

  explicit Scripted(int max_attempts = 3, std::string endpoint = "http://127.0.0.1:8000",
                    std::uint64_t seed = 1,
                    std::shared_ptr<CredentialSource> credentials = nullptr) {
    DynamoOptions o;
    o.region = "eu-west-1";
    o.endpoint = std::move(endpoint);
    o.max_attempts = max_attempts;
    o.send = [this](const net::ClientRequest& req) {
      sent.push_back(req);
      net::ClientResult r = script.front();
      if (script.size() > 1) script.pop_front();
      return r;
    };
    o.wait = [this](core::Duration d) {
      waits.push_back(d);
      return keep_waiting;
    };
    client = std::make_unique<DynamoClient>(
        o, credentials ? credentials : fixed_credentials(test_credentials()), seed);
  }
  DynamoResult call(const std::string& op = "DescribeTable",
                    const json& request = {{"TableName", "orders"}}) {
    return client->call(op, request);
  }
};

std::string header(const net::ClientRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST(DynamoClient, SendsASignedJsonProtocolRequest) {
  Scripted s;
  s.script = {reply(200, R"({"Table": {"TableName": "orders"}})")};
  DynamoResult r = s.call();
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.body["Table"]["TableName"], "orders");
  ASSERT_EQ(s.sent.size(), 1u);
  const net::ClientRequest& req = s.sent[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/");
  EXPECT_FALSE(req.tls);
  EXPECT_EQ(req.host, "127.0.0.1");
  EXPECT_EQ(req.port, 8000);
  EXPECT_EQ(header(req, "Host"), "127.0.0.1:8000");
  EXPECT_EQ(header(req, "X-Amz-Target"), "DynamoDB_20120810.DescribeTable");
  EXPECT_EQ(header(req, "Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(header(req, "X-Amz-Date").size(), 16u);
  EXPECT_EQ(header(req, "X-Amz-Security-Token"), "");
  const std::string auth = header(req, "Authorization");
  EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDTEST/", 0), 0u) << auth;
  EXPECT_NE(auth.find("/eu-west-1/dynamodb/aws4_request, SignedHeaders=content-type;host;"
                      "x-amz-date;x-amz-target, Signature="),
            std::string::npos)
      << auth;
  EXPECT_EQ(json::parse(req.body), json({{"TableName", "orders"}}));
  EXPECT_EQ(r.attempts, 1);
}

TEST(DynamoClient, TheRegionalEndpointByDefault) {
  Scripted s(3, "");
  s.script = {reply(200, "{}")};
  ASSERT_TRUE(s.call("ListTables", json::object()).ok);
  EXPECT_TRUE(s.sent[0].tls);
  EXPECT_EQ(s.sent[0].host, "dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(s.sent[0].port, 443);
  EXPECT_EQ(header(s.sent[0], "Host"), "dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(s.client->options().endpoint, "https://dynamodb.eu-west-1.amazonaws.com");
}

TEST(DynamoClient, RefusesBadRegionsEndpointsAndOperationNames) {
  DynamoOptions o;
  o.region = "EU WEST";
  EXPECT_THROW(DynamoClient(o, test_credentials(), 1), std::invalid_argument);
  o.region = "eu-west-1";
  o.endpoint = "ftp://example.com";
  EXPECT_THROW(DynamoClient(o, test_credentials(), 1), std::invalid_argument);
  o.endpoint = "http://127.0.0.1:8000/dynamo";
  EXPECT_THROW(DynamoClient(o, test_credentials(), 1), std::invalid_argument);

  Scripted s;
  s.script = {reply(200, "{}")};
  DynamoResult r = s.call("Describe Table");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 0);
  EXPECT_TRUE(s.sent.empty());
  EXPECT_NE(r.message.find("not a DynamoDB operation name"), std::string::npos) << r.message;
}

TEST(DynamoClient, ClientErrorsAreNotRetried) {
  for (const char* code : {"ValidationException", "ResourceNotFoundException",
                           "ConditionalCheckFailedException", "AccessDeniedException"}) {
    Scripted s;
    s.script = {error_reply(400, code, "no")};
    DynamoResult r = s.call();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.attempts, 1) << code;
    EXPECT_EQ(r.error_code, code);
    EXPECT_EQ(r.http_status, 400);
    EXPECT_TRUE(s.waits.empty());
    EXPECT_EQ(s.client->retry_tokens(), 500);
  }
}

TEST(DynamoClient, ServerErrorsAreRetriedUpToMaxAttempts) {
  Scripted s;
  s.script = {error_reply(500, "InternalServerError", "boom")};
  DynamoResult r = s.call();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(s.sent.size(), 3u);
  EXPECT_EQ(s.waits.size(), 2u);
  EXPECT_EQ(s.client->retry_tokens(), 490);
  EXPECT_EQ(r.message, "InternalServerError: boom (DescribeTable orders, 3 attempts)");

  // Any 5xx, with or without a JSON body.
  Scripted html;
  html.script = {reply(502, "<html>Bad Gateway</html>"), reply(200, "{}")};
  DynamoResult ok = html.call();
  EXPECT_TRUE(ok.ok) << ok.message;
  EXPECT_EQ(ok.attempts, 2);
}

TEST(DynamoClient, ThrottlingIsRetriedAndReported) {
  Scripted s;
  s.script = {reply(400, R"({"__type": "com.amazon.coral.availability#ThrottlingException",
                             "message": "Rate exceeded"})"),
              error_reply(400, "ProvisionedThroughputExceededException", "slow down"),
              reply(200, "{}")};
  DynamoResult r = s.call();
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.attempts, 3);
  EXPECT_TRUE(r.throttled);
  // Two retries took 10 tokens; the success gives back what the last took.
  EXPECT_EQ(s.client->retry_tokens(), 495);
}

TEST(DynamoClient, NetworkErrorsAreRetriedAndTimeoutsCostMore) {
  Scripted refused;
  refused.script = {network_error("connect refused")};
  DynamoResult r = refused.call();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_EQ(refused.client->retry_tokens(), 490);
  EXPECT_EQ(r.message, "connect refused (DescribeTable orders, 3 attempts)");

  Scripted slow;
  slow.script = {network_error("timeout after 5s (reading)")};
  r = slow.call();
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(slow.client->retry_tokens(), 480);
  EXPECT_NE(r.message.find("timeout after 5s"), std::string::npos) << r.message;

  Scripted recovers;
  recovers.script = {network_error("timeout after 5s (reading)"), reply(200, "{}")};
  EXPECT_TRUE(recovers.call().ok);
  EXPECT_EQ(recovers.client->retry_tokens(), 500);
}

TEST(DynamoClient, AChecksumMismatchIsRetried) {
  Scripted s;
  net::ClientResult corrupt = reply(200, R"({"TableNames": []})");
  corrupt.headers["x-amz-crc32"] = "12345";
  s.script = {corrupt, reply(200, R"({"TableNames": ["a"]})")};
  DynamoResult r = s.call("ListTables", json::object());
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.body["TableNames"][0], "a");

  Scripted always;
  always.script = {corrupt};
  r = always.call("ListTables", json::object());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_NE(r.message.find("reply corrupted in transit: x-amz-crc32 is 12345"), std::string::npos)
      << r.message;
}

TEST(DynamoClient, AGarbledSuccessIsNotRetried) {
  Scripted s;
  s.script = {reply(200, "<html>captive portal</html>")};
  DynamoResult r = s.call();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_NE(r.message.find("reply is not JSON (HTTP 200): <html>captive portal</html>"),
            std::string::npos)
      << r.message;
}

TEST(DynamoClient, AFirstTrySuccessRefundsOneTokenUpTo500) {
  Scripted s;
  s.script = {error_reply(500, "InternalServerError", "x")};
  s.call();
  EXPECT_EQ(s.client->retry_tokens(), 490);
  s.script = {reply(200, "{}")};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(s.call().ok);
  EXPECT_EQ(s.client->retry_tokens(), 493);
  for (int i = 0; i < 20; ++i) s.call();
  EXPECT_EQ(s.client->retry_tokens(), 500);
}

TEST(DynamoClient, AnEmptyQuotaStopsRetriesUntilSuccessesRefillIt) {
  Scripted s;
  s.script = {error_reply(503, "ServiceUnavailableException", "down")};
  // Each failing call spends two retries (10 tokens): 50 calls empty the quota.
  for (int i = 0; i < 50; ++i) {
    DynamoResult r = s.call();
    ASSERT_EQ(r.attempts, 3) << i;
  }
  EXPECT_EQ(s.client->retry_tokens(), 0);
  const std::size_t waits = s.waits.size();
  DynamoResult r = s.call();
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(s.waits.size(), waits);
  EXPECT_EQ(r.message,
            "ServiceUnavailableException: down (DescribeTable orders, retry quota exhausted)");

  s.script = {reply(200, "{}")};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(s.call().ok);
  EXPECT_EQ(s.client->retry_tokens(), 5);
  s.script = {error_reply(500, "InternalServerError", "x"), reply(200, "{}")};
  r = s.call();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.attempts, 2);  // one retry affordable again
  EXPECT_EQ(s.client->retry_tokens(), 5);
}

TEST(DynamoClient, WaitsAreFullJitterFromRetryBaseCappedAt20Seconds) {
  std::vector<std::vector<core::Duration>> runs;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    Scripted s(8, "http://127.0.0.1:8000", seed);
    s.script = {error_reply(500, "InternalServerError", "x")};
    s.call();
    ASSERT_EQ(s.waits.size(), 7u);
    runs.push_back(s.waits);
  }
  // retry_base is 1 s by default: retry n waits up to min(20 s, 2^n s).
  std::vector<std::int64_t> highest(7, 0);
  for (const auto& waits : runs) {
    for (std::size_t n = 0; n < waits.size(); ++n) {
      const std::int64_t ceiling = std::min<std::int64_t>(20'000, 1'000LL << n);
      EXPECT_GE(waits[n].count(), 0);
      EXPECT_LE(waits[n].count(), ceiling) << "retry " << n;
      highest[n] = std::max(highest[n], waits[n].count());
    }
  }
  // The ceiling doubles until the cap: the largest waits seen show it.
  EXPECT_GT(highest[2], 3'000);
  EXPECT_GT(highest[4], 12'000);
  EXPECT_GT(highest[6], 18'000);
  EXPECT_LE(highest[6], 20'000);
  // Two clients with different seeds do not wait in step.
  EXPECT_NE(runs[0], runs[1]);
}

TEST(DynamoClient, StopEndsTheRetries) {
  Scripted s;
  s.keep_waiting = false;
  s.script = {error_reply(500, "InternalServerError", "x")};
  DynamoResult r = s.call();
  EXPECT_EQ(r.attempts, 1);
  EXPECT_NE(r.message.find("stopped"), std::string::npos) << r.message;

  std::atomic<bool> stop{true};
  Scripted stopped;
  stopped.script = {reply(200, "{}")};
  stopped.client->set_stop_flag(&stop);
  r = stopped.call();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(stopped.sent.empty());
}

TEST(DynamoClient, CredentialErrorsSayWhereTheCredentialsCameFrom) {
  Scripted s;
  s.script = {reply(400, R"({"__type": "com.amazon.coral.service#ExpiredTokenException",
                             "message": "The security token included in the request is expired"})")};
  DynamoResult r = s.call();
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.error_code, "ExpiredTokenException");
  EXPECT_TRUE(r.credential_failure);
  EXPECT_EQ(r.message,
            "DynamoDB eu-west-1 refused the credentials from environment variables "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: ExpiredTokenException: The security token "
            "included in the request is expired (DescribeTable orders); the session token has "
            "expired");

  s.script = {reply(400, R"({"__type": "com.amazon.coral.service#UnrecognizedClientException",
                             "Message": "The security token included in the request is invalid."})")};
  r = s.call();
  EXPECT_EQ(r.error_code, "UnrecognizedClientException");
  EXPECT_NE(r.message.find("AWS does not recognise the access key"), std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("The security token included in the request is invalid."),
            std::string::npos)
      << r.message;
}

// What real DynamoDB answers when it refuses the credentials (HTTP 400, the
// coral namespace), and what proxies and other services may (HTTP 403, the
// query protocol's names): never retried, always a credential failure. Other
// errors, a missing table included, are the service's.
TEST(DynamoClient, EveryCredentialRefusalIsACredentialFailure) {
  const std::vector<std::pair<int, std::string>> refusals = {
      {400, "UnrecognizedClientException"},
      {400, "ExpiredTokenException"},
      {400, "InvalidSignatureException"},
      {400, "AccessDeniedException"},
      {400, "MissingAuthenticationTokenException"},
      {400, "IncompleteSignatureException"},
      {403, "InvalidClientTokenId"},
      {403, "SignatureDoesNotMatch"},
      {403, "ExpiredToken"},
      {403, "MissingAuthenticationToken"},
      {400, "RequestExpired"}};
  for (const auto& [status, code] : refusals) {
    Scripted s;
    s.script = {reply(
        status, json{{"__type", "com.amazon.coral.service#" + code}, {"message", "no"}}.dump())};
    const DynamoResult r = s.call();
    EXPECT_TRUE(r.credential_failure) << code;
    EXPECT_EQ(r.attempts, 1) << code;
    EXPECT_EQ(r.message.rfind("DynamoDB eu-west-1 refused the credentials from environment "
                              "variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: " +
                                  code,
                              0),
              0u)
        << r.message;
  }
  for (const std::string& code : {"ResourceNotFoundException", "ValidationException",
                                  "ThrottlingException", "AccessDeniedToTheKmsKeyException"}) {
    Scripted s;
    s.script = {error_reply(400, code, "no")};
    EXPECT_FALSE(s.call().credential_failure) << code;
  }
  Scripted s;
  s.script = {reply(500, "{}"), network_error("connect refused")};
  EXPECT_FALSE(s.call().credential_failure);
}

// Credentials whose answers change on demand, and that record what the
// client told them.
struct Rotating : CredentialSource {
  std::shared_ptr<const Credentials> now;
  std::string why;
  std::vector<std::string> told;  // "refused eu-west-1 DescribeTable orders ExpiredTokenException"
  std::shared_ptr<const Credentials> current(std::string& w) override {
    if (!now) w = why;
    return now;
  }
  void refused(const Credentials& used, const std::string& region, const std::string& about,
               const std::string& code, const std::string& message) override {
    told.push_back("refused " + used.access_key_id + " " + region + " " + about + " " + code +
                   ": " + message);
  }
  void accepted(const Credentials& used, const std::string& region,
                const std::string& about) override {
    told.push_back("accepted " + used.access_key_id + " " + region + " " + about);
  }
  void set(const std::string& key_id) {
    Credentials c = test_credentials();
    c.access_key_id = key_id;
    now = std::make_shared<const Credentials>(c);
  }
};

TEST(DynamoClient, EachRequestIsSignedWithTheCredentialsHeldAtThatMoment) {
  auto creds = std::make_shared<Rotating>();
  creds->set("AKIDFIRST");
  Scripted s(3, "http://127.0.0.1:8000", 1, creds);
  s.script = {reply(200, "{}")};
  ASSERT_TRUE(s.call().ok);
  creds->set("AKIDSECOND");
  ASSERT_TRUE(s.call().ok);
  ASSERT_EQ(s.sent.size(), 2u);
  EXPECT_NE(header(s.sent[0], "Authorization").find("Credential=AKIDFIRST/"), std::string::npos);
  EXPECT_NE(header(s.sent[1], "Authorization").find("Credential=AKIDSECOND/"), std::string::npos);

  // A retry after a 500 signs with what is held by then.
  std::deque<net::ClientResult> script = {reply(500, "{}"), reply(200, "{}")};
  std::vector<net::ClientRequest> sent;
  DynamoOptions o;
  o.region = "eu-west-1";
  o.endpoint = "http://127.0.0.1:8000";
  o.send = [&](const net::ClientRequest& req) {
    sent.push_back(req);
    net::ClientResult r = script.front();
    script.pop_front();
    creds->set("AKIDFOURTH");  // refreshed while the first attempt was out
    return r;
  };
  o.wait = [](core::Duration) { return true; };
  creds->set("AKIDTHIRD");
  DynamoClient c(o, creds, 1);
  ASSERT_TRUE(c.call("DescribeTable", {{"TableName", "orders"}}).ok);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(header(sent[0], "Authorization").find("Credential=AKIDTHIRD/"), std::string::npos);
  EXPECT_NE(header(sent[1], "Authorization").find("Credential=AKIDFOURTH/"), std::string::npos);
}

TEST(DynamoClient, TheCredentialSourceHearsOfRefusalsAndAcceptances) {
  auto creds = std::make_shared<Rotating>();
  creds->set("AKIDA");
  Scripted s(3, "http://127.0.0.1:8000", 1, creds);
  s.script = {reply(400, R"({"__type": "com.amazon.coral.service#ExpiredTokenException",
                             "message": "The security token included in the request is expired"})")};
  s.call();
  s.script = {error_reply(400, "ResourceNotFoundException", "Requested resource not found")};
  s.call();
  s.script = {reply(200, "{}")};
  s.call();
  // Neither a throttle nor a 5xx says anything about the credentials.
  Scripted once(1, "http://127.0.0.1:8000", 1, creds);
  once.script = {error_reply(400, "ThrottlingException", "Rate exceeded")};
  once.call();
  once.script = {reply(503, "{}")};
  once.call();
  EXPECT_EQ(creds->told,
            (std::vector<std::string>{
                "refused AKIDA eu-west-1 DescribeTable orders ExpiredTokenException: The security "
                "token included in the request is expired",
                "accepted AKIDA eu-west-1 DescribeTable orders",
                "accepted AKIDA eu-west-1 DescribeTable orders"}));
}

TEST(DynamoClient, WithoutValidCredentialsNothingIsSent) {
  auto creds = std::make_shared<Rotating>();
  creds->why =
      "the credentials from profile shop in /root/.aws/credentials expired at "
      "2026-01-31T12:00:00.000Z";
  Scripted s(3, "http://127.0.0.1:8000", 1, creds);
  s.script = {reply(200, "{}")};
  const DynamoResult r = s.call();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.credential_failure);
  EXPECT_TRUE(s.sent.empty());
  EXPECT_EQ(r.attempts, 0);
  EXPECT_EQ(r.message,
            "no valid AWS credentials to sign DescribeTable orders with: the credentials from "
            "profile shop in /root/.aws/credentials expired at 2026-01-31T12:00:00.000Z");
  EXPECT_THROW(DynamoClient(s.client->options(), std::shared_ptr<CredentialSource>(), 1),
               std::invalid_argument);
}

TEST(DynamoClient, SecretsEchoedByAServerAreRedacted) {
  Scripted s;
  s.script = {reply(500, "<html>your header was secret-access-key-for-tests</html>")};
  DynamoResult r = s.call();
  EXPECT_EQ(r.message.find("secret-access-key"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("<secret>"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace drpilot::aws
