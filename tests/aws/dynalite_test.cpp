// The DynamoDB client against dynalite, an independent implementation of
// DynamoDB's JSON protocol: tables, items and the errors it answers with.

#include <gtest/gtest.h>

#include "aws/aws_fixture.h"
#include "aws/table_state.h"

namespace drpilot::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class Dynalite : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.ok()); }

  DynaliteServer server_;  // first: the client is made with its endpoint
  aws::DynamoClient client_{test_options(server_.endpoint()), fake_credentials(), 3};
};

bool wait_active(aws::DynamoClient& c, const std::string& table, std::string& why) {
  return wait_until(
      [&] {
        aws::DynamoResult d = c.call("DescribeTable", {{"TableName", table}});
        std::string error;
        auto s = d.ok ? aws::parse_table_state(d.body, error) : std::nullopt;
        why = s ? aws::not_active_reason(*s) : d.message + error;
        return s && why.empty();
      },
      20s, 20ms);
}

TEST_F(Dynalite, CreateDescribePutGetListRoundTrip) {
  aws::DynamoResult r =
      client_.call("CreateTable",
                   aws::create_table_request("orders", {"pk", "S"}, aws::KeyAttribute{"sk", "N"}));
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.body["TableDescription"]["TableName"], "orders");
  EXPECT_EQ(r.body["TableDescription"]["TableStatus"], "CREATING");

  std::string why;
  ASSERT_TRUE(wait_active(client_, "orders", why)) << why;
  r = client_.call("DescribeTable", {{"TableName", "orders"}});
  ASSERT_TRUE(r.ok) << r.message;
  std::string error;
  auto state = aws::parse_table_state(r.body, error);
  ASSERT_TRUE(state) << error;
  EXPECT_EQ(aws::describe_key(state->hash_key, state->range_key), "pk (S), sk (N)");
  // dynalite implements no streams: it drops StreamSpecification.
  EXPECT_FALSE(state->stream_enabled);
  EXPECT_TRUE(state->replicas.empty());
  EXPECT_EQ(aws::not_active_reason(*state), "");
  EXPECT_EQ(r.body["Table"]["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");

  const json item = {{"pk", {{"S", "drpilot-sentinel"}}},
                     {"sk", {{"N", "0"}}},
                     {"note", {{"S", "caf\u00e9 \u2713"}}}};
  r = client_.call("PutItem", {{"TableName", "orders"}, {"Item", item}});
  ASSERT_TRUE(r.ok) << r.message;
  r = client_.call("GetItem", {{"TableName", "orders"},
                               {"Key", {{"pk", {{"S", "drpilot-sentinel"}}}, {"sk", {{"N", "0"}}}}},
                               {"ConsistentRead", true}});
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.body["Item"], item);
  r = client_.call("GetItem", {{"TableName", "orders"},
                               {"Key", {{"pk", {{"S", "absent"}}}, {"sk", {{"N", "0"}}}}}});
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_FALSE(r.body.contains("Item"));

  ASSERT_TRUE(client_.call("CreateTable", aws::create_table_request("carts", {"id", "S"}, {})).ok);
  r = client_.call("ListTables", json::object());
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.body["TableNames"], json::array({"carts", "orders"}));
  r = client_.call("ListTables", {{"Limit", 1}});
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.body["TableNames"], json::array({"carts"}));
  EXPECT_EQ(r.body["LastEvaluatedTableName"], "carts");
  EXPECT_EQ(client_.retry_tokens(), 500);
}

TEST_F(Dynalite, ItsErrorsAreParsedAndNotRetried) {
  aws::DynamoResult r = client_.call("DescribeTable", {{"TableName", "missing"}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.error_code, "ResourceNotFoundException");
  EXPECT_EQ(r.message.rfind("ResourceNotFoundException: Requested resource not found", 0), 0u)
      << r.message;
  EXPECT_NE(r.message.find("(DescribeTable missing)"), std::string::npos) << r.message;

  ASSERT_TRUE(client_.call("CreateTable", aws::create_table_request("orders", {"pk", "S"}, {})).ok);
  r = client_.call("CreateTable", aws::create_table_request("orders", {"pk", "S"}, {}));
  EXPECT_EQ(r.error_code, "ResourceInUseException");
  EXPECT_EQ(r.attempts, 1);

  std::string why;
  ASSERT_TRUE(wait_active(client_, "orders", why)) << why;
  r = client_.call("PutItem", {{"TableName", "orders"}, {"Item", {{"pk", {{"N", "1"}}}}}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, "ValidationException");
  EXPECT_EQ(r.attempts, 1);
  EXPECT_FALSE(r.message.empty());

  r = client_.call("NoSuchOperation", json::object());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.error_code, "UnknownOperationException");
}

}  // namespace
}  // namespace drpilot::testing
