// The drpilot binary's DynamoDB commands as an operator runs them:
// `drpilot dynamodb OPERATION` against dynalite and fake_dynamodb, and
// `drpilot bootstrap dynamodb` against the lab's data regions (dynalite
// behind the replicating proxy) and against fake_dynamodb (which adds
// replicas the way DynamoDB does, slowly).

#include <gtest/gtest.h>

#include <csignal>
#include <sstream>

#include "aws/aws_environment.h"
#include "aws/aws_fixture.h"
#include "aws/dynamodb.h"

namespace drpilot::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Every test runs drpilot with the fake's keys in the environment and a HOME
// of its own, so that nothing of the machine's AWS setup leaks in.
class AwsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    AwsEnvironment::set("AWS_ACCESS_KEY_ID", kFakeAccessKey);
    AwsEnvironment::set("AWS_SECRET_ACCESS_KEY", kFakeSecret);
  }
  void TearDown() override {
    if (lab_ && HasFailure()) std::cerr << "---- lab log ----\n" << lab_->log() << "\n";
    if (lab_ && lab_->stop(SIGTERM, 10s) == -1) lab_->kill_hard();
    lab_.reset();
  }

  static CommandResult drpilot(std::vector<std::string> args) {
    args.insert(args.begin(), DRPILOT_BINARY);
    return run_command(args, 120s);
  }
  static CommandResult dynamodb(const std::string& endpoint, const std::string& op,
                                const std::string& input, const std::string& region = "eu-west-1") {
    return drpilot({"dynamodb", op, "--region", region, "--endpoint", endpoint, input});
  }
  std::string write_config(const std::string& text) {
    const std::string path = dir_ + "/drpilot.yaml";
    write_file(path, text);
    return path;
  }

  // A configuration with data regions eu-west-1 and us-east-1 at the given
  // endpoints, a sentinel check of orders and a group with a canary table.
  static std::string data_config(const std::string& eu, const std::string& us,
                                 const std::string& extra = "") {
    return R"(sites:
  - name: ams
    endpoints: [127.0.0.1]
    data_regions: [eu-west-1, us-east-1]
records:
  - name: www.example.test
    sites: [ams]
checks:
  - name: orders-sentinel
    type: dynamodb
    operation: sentinel
    table: orders
    key: '{"pk": {"S": "drpilot-sentinel"}}'
data_regions:
  - name: eu-west-1
    endpoint: )" +
           eu + R"(
    checks: [orders-sentinel]
  - name: us-east-1
    endpoint: )" +
           us + R"(
    checks: [orders-sentinel]
table_groups:
  - name: shop
    tables: [orders]
    canary_table: shop-canary
)" + extra;
  }

  AwsEnvironment env_;  // HOME is a directory of the test's own
  const std::string& dir_ = env_.home();
  std::unique_ptr<Process> lab_;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---- drpilot dynamodb ---------------------------------------------------------

TEST_F(AwsCli, DynamodbPrintsTheReplyAsJson) {
  DynaliteServer dynalite;
  ASSERT_TRUE(dynalite.ok());
  CommandResult r = dynamodb(dynalite.endpoint(), "CreateTable",
                             R"({"TableName": "orders", "BillingMode": "PAY_PER_REQUEST",
                                 "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                                 "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json reply = json::parse(r.output, nullptr, false);
  ASSERT_FALSE(reply.is_discarded()) << r.output;
  EXPECT_EQ(reply["TableDescription"]["TableName"], "orders");

  r = dynamodb(dynalite.endpoint(), "ListTables", "{}");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(json::parse(r.output, nullptr, false), json({{"TableNames", {"orders"}}})) << r.output;

  r = drpilot({"dynamodb", "DescribeTable", "--region", "eu-west-1", "--endpoint",
               dynalite.endpoint(), R"({"TableName": "orders"})"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  reply = json::parse(r.output, nullptr, false);
  EXPECT_EQ(reply["Table"]["TableName"], "orders") << r.output;
  EXPECT_EQ(reply["Table"]["KeySchema"][0]["AttributeName"], "pk") << r.output;
}

TEST_F(AwsCli, DynamodbServiceErrorsExitNonZeroWithTypeAndMessage) {
  DynaliteServer dynalite;
  ASSERT_TRUE(dynalite.ok());
  CommandResult r = dynamodb(dynalite.endpoint(), "DescribeTable", R"({"TableName": "missing"})");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(
      contains(r.output, "drpilot: ResourceNotFoundException: Requested resource not found"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "(DescribeTable missing)")) << r.output;

  r = dynamodb(dynalite.endpoint(), "PutItem", R"({"TableName": "missing", "Item": {}})");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "drpilot: ")) << r.output;
  EXPECT_TRUE(contains(r.output, "Exception")) << r.output;
}

TEST_F(AwsCli, DynamodbRefusesBadInputWithoutCallingAnything) {
  FakeDynamoProcess fake;
  ASSERT_TRUE(fake.ok());
  CommandResult r = dynamodb(fake.endpoint(), "DescribeTable", R"({"TableName": )");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "drpilot: the request is not valid JSON: parse error at line 1"))
      << r.output;

  r = dynamodb(fake.endpoint(), "DescribeTable", R"(["orders"])");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "drpilot: the request must be a JSON object")) << r.output;

  r = dynamodb(fake.endpoint(), "Describe-Table", "{}");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "'Describe-Table' is not a DynamoDB operation name")) << r.output;

  r = drpilot({"dynamodb", "ListTables", "--region", "eu-west-1", "--endpoint", "ftp://x", "{}"});
  EXPECT_EQ(r.exit_code, 2) << r.output;

  EXPECT_EQ(fake.requests().size(), 0u);

  // And a good request does reach it, signed so that it accepts it.
  r = dynamodb(fake.endpoint(), "ListTables", "{}");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST_F(AwsCli, DynamodbWithoutCredentialsNamesWhatToSet) {
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  CommandResult r = dynamodb("http://127.0.0.1:9", "ListTables", "{}");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "AWS_ACCESS_KEY_ID")) << r.output;
  EXPECT_TRUE(contains(r.output, "~/.aws/credentials")) << r.output;

  ::setenv("AWS_ACCESS_KEY_ID", kFakeAccessKey, 1);
  r = dynamodb("http://127.0.0.1:9", "ListTables", "{}");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"))
      << r.output;
}

// ---- drpilot bootstrap dynamodb --------------------------------------------------

TEST_F(AwsCli, BootstrapTheLabTwiceAndTheSecondRunChangesNothing) {
  const std::uint16_t eu = free_port(), us = free_port(), site = free_port(), control = free_port();
  const std::string eu_url = "http://127.0.0.1:" + std::to_string(eu);
  const std::string us_url = "http://127.0.0.1:" + std::to_string(us);
  const std::string config = write_config(data_config(
      eu_url, us_url,
      "lab:\n  control: 127.0.0.1:" + std::to_string(control) +
          "\n  replication_delay: 50ms\n  sites:\n    - name: ams\n      listen: 127.0.0.1:" +
          std::to_string(site) +
          "\n  data_regions:\n    - name: eu-west-1\n      listen: "
          "127.0.0.1:" +
          std::to_string(eu) +
          "\n    - name: us-east-1\n      listen: 127.0.0.1:" + std::to_string(us) + "\n"));
  lab_ = std::make_unique<Process>(std::vector<std::string>{DRPILOT_BINARY, "lab", "-c", config},
                                   dir_ + "/lab.log");
  aws::DynamoClient eu_client(test_options(eu_url, "eu-west-1"), fake_credentials(), 1);
  aws::DynamoClient us_client(test_options(us_url, "us-east-1"), fake_credentials(), 2);
  ASSERT_TRUE(wait_until(
      [&] {
        return eu_client.call("ListTables", json::object()).ok &&
               us_client.call("ListTables", json::object()).ok;
      },
      30s, 100ms))
      << lab_->log();

  // A dry run says what it would do, and does nothing.
  CommandResult r = drpilot({"bootstrap", "dynamodb", "-c", config, "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "looking at 2 table(s) in eu-west-1, us-east-1")) << r.output;
  EXPECT_TRUE(contains(r.output, "plan (dry run):")) << r.output;
  EXPECT_TRUE(contains(r.output,
                       "  create table orders in eu-west-1: key pk (S), on-demand, "
                       "stream NEW_AND_OLD_IMAGES"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "  write the sentinel item pk=drpilot-sentinel to orders"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "  create table shop-canary in eu-west-1: key pk (S)"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "dry run: 5 change(s) listed above; nothing was changed"))
      << r.output;
  EXPECT_EQ(eu_client.call("ListTables", json::object()).body["TableNames"], json::array());

  // The real run: the lab creates each table in both regions at once and
  // shows both as replicas, so no replica needs adding.
  r = drpilot({"bootstrap", "dynamodb", "-c", config});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "plan:\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "orders: creating the table in eu-west-1")) << r.output;
  EXPECT_TRUE(contains(r.output, "orders: table and replicas: ACTIVE")) << r.output;
  EXPECT_TRUE(contains(r.output, "orders: writing the sentinel item pk=drpilot-sentinel"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "done: 3 change(s) made")) << r.output;
  // The plan came before the first change.
  EXPECT_LT(r.output.find("plan:\n"), r.output.find("orders: creating the table"));

  aws::DynamoResult tables = us_client.call("ListTables", json::object());
  EXPECT_EQ(tables.body["TableNames"], json::array({"orders", "shop-canary"})) << tables.message;
  std::string seen;
  EXPECT_TRUE(wait_until(
      [&] {
        aws::DynamoResult g =
            us_client.call("GetItem", {{"TableName", "orders"},
                                       {"Key", {{"pk", {{"S", "drpilot-sentinel"}}}}},
                                       {"ConsistentRead", true}});
        seen = g.ok ? g.body.dump() : g.message;
        return g.ok && g.body.contains("Item");
      },
      10s, 50ms))
      << "the sentinel item never reached us-east-1: " << seen;

  // Again: nothing to do, and it says so.
  r = drpilot({"bootstrap", "dynamodb", "-c", config});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output,
                       "  orders: in place (ACTIVE in eu-west-1, us-east-1), sentinel "
                       "item present"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "  shop-canary: in place (ACTIVE in eu-west-1, us-east-1)"))
      << r.output;
  EXPECT_TRUE(
      contains(r.output, "nothing to change: every table, replica and sentinel item is in place"))
      << r.output;
  EXPECT_FALSE(contains(r.output, "creating")) << r.output;
  EXPECT_FALSE(contains(r.output, "writing")) << r.output;

  r = drpilot({"bootstrap", "dynamodb", "-c", config, "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "nothing to change")) << r.output;
}

TEST_F(AwsCli, BootstrapAddsReplicasOneAtATimeWithProfileCredentials) {
  FakeDynamoProcess fake;
  ASSERT_TRUE(fake.ok());
  fake.set_state({{"create_delay_ms", 300}, {"replica_delay_ms", 600}});
  // Credentials from the configuration's aws section, not the environment.
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  write_file(dir_ + "/aws-credentials", std::string("[bootstrap]\naws_access_key_id = ") +
                                            kFakeAccessKey +
                                            "\naws_secret_access_key = " + kFakeSecret + "\n");
  const std::string config = write_config(
      data_config(fake.endpoint(), fake.endpoint(),
                  "aws:\n  profile: bootstrap\n  credentials_file: aws-credentials\n"));

  CommandResult r = drpilot({"bootstrap", "dynamodb", "-c", config});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "  add a replica of orders in us-east-1")) << r.output;
  EXPECT_TRUE(contains(r.output, "  add a replica of shop-canary in us-east-1")) << r.output;
  EXPECT_TRUE(contains(r.output, "orders: waiting for table in eu-west-1: table CREATING"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "orders: adding a replica in us-east-1")) << r.output;
  EXPECT_TRUE(contains(r.output,
                       "orders: waiting for replica in us-east-1: table UPDATING, "
                       "us-east-1 CREATING"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "orders: replica in us-east-1: ACTIVE")) << r.output;
  EXPECT_TRUE(contains(r.output, "done: 5 change(s) made")) << r.output;

  const json state = fake.state();
  ASSERT_EQ(state["tables"].size(), 2u) << state.dump();
  for (const json& t : state["tables"]) {
    EXPECT_EQ(t["regions"], json({{"eu-west-1", "ACTIVE"}, {"us-east-1", "ACTIVE"}})) << t.dump();
    EXPECT_EQ(t["billing_mode"], "PAY_PER_REQUEST");
    EXPECT_EQ(t["stream"], json({{"enabled", true}, {"view_type", "NEW_AND_OLD_IMAGES"}}));
    if (t["name"] == "orders") {
      ASSERT_EQ(t["items"].size(), 1u) << t.dump();
      EXPECT_EQ(t["items"][0]["pk"], json({{"S", "drpilot-sentinel"}}));
      EXPECT_TRUE(t["items"][0].contains("drpilot_note"));
    } else {
      EXPECT_EQ(t["name"], "shop-canary");
      EXPECT_TRUE(t["items"].empty());
    }
  }

  fake.clear_requests();
  r = drpilot({"bootstrap", "dynamodb", "-c", config});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "nothing to change")) << r.output;
  EXPECT_EQ(fake.state(), state);
  // Only reads: DescribeTable and GetItem bodies, nothing that creates or writes.
  for (const json& req : fake.requests()) {
    const std::string body = req.value("body", "");
    EXPECT_FALSE(contains(body, "KeySchema") || contains(body, "ReplicaUpdates") ||
                 contains(body, "\"Item\""))
        << body;
  }
}

TEST_F(AwsCli, BootstrapRefusesBadConfigurationsAndMissingCredentials) {
  CommandResult r = drpilot({"bootstrap", "dynamodb", "-c", write_config("sites: [\n")});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "drpilot.yaml:")) << r.output;
  EXPECT_TRUE(contains(r.output, "nothing was changed")) << r.output;

  r = drpilot(
      {"bootstrap", "dynamodb", "-c",
       write_config("sites:\n  - name: ams\n    endpoints: [127.0.0.1]\nrecords:\n  - name: "
                    "www.example.test\n    sites: [ams]\n")});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "has no data_regions: nothing to bootstrap")) << r.output;

  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  const std::string config =
      write_config(data_config("http://127.0.0.1:9", "http://127.0.0.1:9",
                               "aws:\n  profile: shop\n  credentials_file: missing-credentials\n"));
  r = drpilot({"bootstrap", "dynamodb", "-c", config});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "cannot read " + dir_ + "/missing-credentials")) << r.output;

  r = drpilot({"bootstrap", "dynamodb"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

}  // namespace
}  // namespace drpilot::testing
