// The DynamoDB client against fake_dynamodb, a real server on loopback that
// checks SigV4 with its own code and fails on request: 500s, throttling,
// corrupted replies, slow replies, garbage, dropped connections, and refused
// credentials. Each gives the retry behaviour of the standard mode and a
// message that says what happened.

#include <gtest/gtest.h>

#include <thread>

#include "aws/aws_fixture.h"
#include "aws/table_state.h"

namespace drpilot::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class FakeDynamo : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fake_.ok()); }

  aws::DynamoClient client(aws::Credentials creds = fake_credentials(), aws::DynamoOptions o = {}) {
    if (o.endpoint.empty()) o = test_options(fake_.endpoint());
    return aws::DynamoClient(o, std::move(creds), 7);
  }
  // The statuses the fake answered, in order.
  std::vector<int> answered() {
    std::vector<int> out;
    for (const json& r : fake_.requests()) out.push_back(r.value("status", -1));
    return out;
  }

  FakeDynamoProcess fake_;
};

TEST_F(FakeDynamo, TablesItemsAndReplicasRoundTrip) {
  fake_.set_state({{"create_delay_ms", 100}, {"replica_delay_ms", 100}});
  aws::DynamoClient c = client();
  aws::DynamoResult r =
      c.call("CreateTable", aws::create_table_request("orders", {"pk", "S"}, std::nullopt));
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.body["TableDescription"]["TableStatus"], "CREATING");

  std::string error, status;
  ASSERT_TRUE(wait_until(
      [&] {
        aws::DynamoResult d = c.call("DescribeTable", {{"TableName", "orders"}});
        auto s = d.ok ? aws::parse_table_state(d.body, error) : std::nullopt;
        status = s ? aws::not_active_reason(*s) : d.message;
        return s && status.empty();
      },
      10s, 20ms))
      << status;

  const json item = {{"pk", {{"S", "k1"}}}, {"n", {{"N", "42"}}}};
  ASSERT_TRUE(c.call("PutItem", {{"TableName", "orders"}, {"Item", item}}).ok);
  r = c.call("GetItem", {{"TableName", "orders"}, {"Key", {{"pk", {{"S", "k1"}}}}}});
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.body["Item"], item);

  r = c.call("UpdateTable", {{"TableName", "orders"},
                             {"ReplicaUpdates", {{{"Create", {{"RegionName", "us-east-1"}}}}}}});
  ASSERT_TRUE(r.ok) << r.message;
  ASSERT_TRUE(wait_until(
      [&] {
        aws::DynamoResult d = c.call("DescribeTable", {{"TableName", "orders"}});
        auto s = d.ok ? aws::parse_table_state(d.body, error) : std::nullopt;
        status = s ? aws::not_active_reason(*s) : d.message;
        return s && status.empty() && s->replicas.count("us-east-1");
      },
      10s, 20ms))
      << status;

  // The replica answers in its own region: the client signs for it.
  aws::DynamoClient us(test_options(fake_.endpoint(), "us-east-1"), fake_credentials(), 8);
  r = us.call("ListTables", json::object());
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.body["TableNames"], json::array({"orders"}));
  r = us.call("GetItem", {{"TableName", "orders"}, {"Key", {{"pk", {{"S", "k1"}}}}}});
  EXPECT_EQ(r.body["Item"], item);
  EXPECT_EQ(c.retry_tokens(), 500);
}

TEST_F(FakeDynamo, ServiceErrorsAreNotRetried) {
  aws::DynamoClient c = client();
  aws::DynamoResult r = c.call("DescribeTable", {{"TableName", "missing"}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.error_code, "ResourceNotFoundException");
  EXPECT_EQ(r.message,
            "ResourceNotFoundException: Requested resource not found: Table: missing not found "
            "(DescribeTable missing)");
  r = c.call("CreateTable", {{"TableName", "x"}});
  EXPECT_EQ(r.error_code, "ValidationException");
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(answered(), (std::vector<int>{400, 400}));
}

TEST_F(FakeDynamo, ServerErrorsAreRetried) {
  aws::DynamoClient c = client();
  fake_.fault({{"mode", "status"}, {"status", 500}, {"count", 2}});
  aws::DynamoResult r = c.call("ListTables", json::object());
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(answered(), (std::vector<int>{500, 500, 200}));
  EXPECT_EQ(c.retry_tokens(), 495);

  fake_.clear_requests();
  fake_.fault({{"mode", "status"}, {"status", 500}});
  r = c.call("ListTables", json::object());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(r.http_status, 500);
  EXPECT_EQ(r.message, "InternalServerError: injected fault (ListTables, 3 attempts)");
  EXPECT_EQ(answered(), (std::vector<int>{500, 500, 500}));
  EXPECT_EQ(c.retry_tokens(), 485);
}

TEST_F(FakeDynamo, ThrottlingIsRetried) {
  aws::DynamoClient c = client();
  fake_.fault({{"mode", "status"}, {"status", 400}, {"code", "ThrottlingException"}, {"count", 1}});
  aws::DynamoResult r = c.call("ListTables", json::object());
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_TRUE(r.throttled);

  fake_.fault(
      {{"mode", "status"}, {"status", 400}, {"code", "ProvisionedThroughputExceededException"}});
  r = c.call("ListTables", json::object());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_TRUE(r.throttled);
  EXPECT_EQ(r.error_code, "ProvisionedThroughputExceededException");
  EXPECT_NE(r.message.find("The level of configured provisioned throughput"), std::string::npos)
      << r.message;
}

TEST_F(FakeDynamo, ACorruptedReplyFailsItsChecksumAndIsRetried) {
  aws::DynamoClient c = client();
  fake_.fault({{"mode", "corrupt"}, {"count", 1}});
  aws::DynamoResult r = c.call("DescribeTable", {{"TableName", "missing"}});
  // The corrupted first answer is not believed; the second is the real one.
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.error_code, "ResourceNotFoundException");

  fake_.fault({{"mode", "corrupt"}});
  r = c.call("ListTables", json::object());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_NE(r.message.find("reply corrupted in transit: x-amz-crc32 is "), std::string::npos)
      << r.message;
}

TEST_F(FakeDynamo, ASlowReplyTimesOutAndTheRetryCostsMore) {
  aws::DynamoOptions o = test_options(fake_.endpoint());
  o.timeout = 300ms;
  aws::DynamoClient c = client(fake_credentials(), o);
  fake_.fault({{"mode", "slow"}, {"delay_ms", 1500}, {"count", 1}});
  aws::DynamoResult r = c.call("ListTables", json::object());
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(c.retry_tokens(), 500);  // 10 taken, 10 given back

  o.max_attempts = 2;
  aws::DynamoClient once_more = client(fake_credentials(), o);
  fake_.fault({{"mode", "slow"}, {"delay_ms", 1500}});
  const auto start = std::chrono::steady_clock::now();
  r = once_more.call("ListTables", json::object());
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_EQ(r.message.rfind("timeout after ", 0), 0u) << r.message;
  EXPECT_NE(r.message.find("(ListTables, 2 attempts)"), std::string::npos) << r.message;
  EXPECT_EQ(once_more.retry_tokens(), 490);
  EXPECT_LT(took, 1500ms);  // it did not wait for the slow replies
  fake_.fault({{"mode", "none"}});
}

TEST_F(FakeDynamo, GarbageIsAFailureAndRetriedOnlyAsAServerError) {
  aws::DynamoClient c = client();
  fake_.fault({{"mode", "garbage"}, {"status", 200}, {"body", "<html>login</html>"}});
  aws::DynamoResult r = c.call("ListTables", json::object());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.message, "reply is not JSON (HTTP 200): <html>login</html> (ListTables)");

  fake_.fault({{"mode", "garbage"}, {"status", 502}});
  r = c.call("ListTables", json::object());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(r.http_status, 502);
  EXPECT_NE(r.message.find("HTTP 502 (not JSON): <html><head><title>502 Bad Gateway"),
            std::string::npos)
      << r.message;
}

TEST_F(FakeDynamo, ADroppedConnectionIsRetried) {
  aws::DynamoClient c = client();
  fake_.fault({{"mode", "drop"}, {"count", 1}});
  aws::DynamoResult r = c.call("ListTables", json::object());
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.attempts, 2);
}

TEST_F(FakeDynamo, ARefusedConnectionIsRetriedAndNamed) {
  aws::DynamoOptions o = test_options("http://127.0.0.1:" + std::to_string(free_port()));
  aws::DynamoClient c(o, fake_credentials(), 1);
  aws::DynamoResult r = c.call("ListTables", json::object());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_NE(r.message.find("refused"), std::string::npos) << r.message;
}

TEST_F(FakeDynamo, AWrongSecretIsASignatureErrorThatNamesWhereItCameFrom) {
  aws::Credentials wrong = fake_credentials();
  wrong.secret_access_key = "not-the-secret-the-fake-knows";
  aws::DynamoClient c = client(wrong);
  aws::DynamoResult r = c.call("ListTables", json::object());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.error_code, "InvalidSignatureException");
  EXPECT_NE(r.message.find("The request signature we calculated does not match"), std::string::npos)
      << r.message;
  EXPECT_TRUE(r.credential_failure);
  EXPECT_NE(r.message.find("DynamoDB eu-west-1 refused the credentials from the test's "
                           "credentials: InvalidSignatureException"),
            std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("check the secret access key and the system clock"), std::string::npos)
      << r.message;
}

TEST_F(FakeDynamo, AnUnknownKeyOrSessionTokenIsUnrecognized) {
  aws::Credentials unknown = fake_credentials();
  unknown.access_key_id = "AKIDNOBODYKNOWS";
  aws::DynamoResult r = client(unknown).call("ListTables", json::object());
  EXPECT_EQ(r.error_code, "UnrecognizedClientException");
  EXPECT_EQ(r.attempts, 1);
  EXPECT_TRUE(r.credential_failure);
  EXPECT_NE(r.message.find("refused the credentials from the test's credentials"),
            std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("AWS does not recognise the access key or session token"),
            std::string::npos)
      << r.message;

  aws::Credentials with_token = fake_credentials();
  with_token.session_token = "a-token-the-fake-never-issued";
  r = client(with_token).call("ListTables", json::object());
  EXPECT_EQ(r.error_code, "UnrecognizedClientException");
}

TEST_F(FakeDynamo, SessionTokensAreSignedAndAnExpiredOneSaysToRefresh) {
  fake_.set_state({{"credentials",
                    {{{"access_key_id", "ASIATEMPORARY"},
                      {"secret_access_key", "temporary-secret"},
                      {"session_token", "session-token-1"},
                      {"expired", false}},
                     {{"access_key_id", "ASIAOLD"},
                      {"secret_access_key", "old-secret"},
                      {"session_token", "session-token-0"},
                      {"expired", true}}}}});
  aws::Credentials temporary{"ASIATEMPORARY", "temporary-secret", "session-token-1",
                             "profile ci in /home/ci/.aws/credentials"};
  aws::DynamoResult r = client(temporary).call("ListTables", json::object());
  EXPECT_TRUE(r.ok) << r.message;

  aws::Credentials old{"ASIAOLD", "old-secret", "session-token-0",
                       "profile ci in /home/ci/.aws/credentials"};
  r = client(old).call("ListTables", json::object());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.error_code, "ExpiredTokenException");
  EXPECT_TRUE(r.credential_failure);
  EXPECT_EQ(r.message,
            "DynamoDB eu-west-1 refused the credentials from profile ci in "
            "/home/ci/.aws/credentials: ExpiredTokenException: The security token included in "
            "the request is expired (ListTables); the session token has expired");
}

}  // namespace
}  // namespace drpilot::testing
