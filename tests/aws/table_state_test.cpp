// DescribeTable's reply read defensively: the wrong shape is an error, never
// a crash, and any status but ACTIVE, known or not, is not healthy.

#include "aws/table_state.h"

#include <gtest/gtest.h>

namespace drpilot::aws {
namespace {

using nlohmann::json;

json describe(json table) {
  return {{"Table", std::move(table)}};
}

json global_table() {
  return json::parse(R"({
    "TableName": "orders",
    "TableStatus": "ACTIVE",
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "N"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                  {"AttributeName": "sk", "KeyType": "RANGE"}],
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    "Replicas": [{"RegionName": "eu-west-1", "ReplicaStatus": "ACTIVE"},
                 {"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"}],
    "GlobalTableVersion": "2019.11.21"
  })");
}

TEST(TableState, ReadsAGlobalTable) {
  std::string error;
  auto s = parse_table_state(describe(global_table()), error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->status, "ACTIVE");
  EXPECT_EQ(s->hash_key.name, "pk");
  EXPECT_EQ(s->hash_key.type, "S");
  ASSERT_TRUE(s->range_key);
  EXPECT_EQ(s->range_key->name, "sk");
  EXPECT_EQ(s->range_key->type, "N");
  EXPECT_TRUE(s->stream_enabled);
  EXPECT_EQ(s->stream_view_type, "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(s->replicas.size(), 2u);
  EXPECT_EQ(s->replicas.at("us-east-1"), "ACTIVE");
  EXPECT_EQ(not_active_reason(*s), "");
  EXPECT_EQ(describe_key(s->hash_key, s->range_key), "pk (S), sk (N)");
}

TEST(TableState, WrongShapesAreErrors) {
  struct Case {
    json reply;
    std::string error;
  };
  json no_status = global_table();
  no_status.erase("TableStatus");
  json numeric_status = global_table();
  numeric_status["TableStatus"] = 1;
  json no_keys = global_table();
  no_keys.erase("KeySchema");
  json keys_object = global_table();
  keys_object["KeySchema"] = json::object();
  json no_hash = global_table();
  no_hash["KeySchema"] = json::array({{{"AttributeName", "sk"}, {"KeyType", "RANGE"}}});
  json odd_keys = global_table();
  odd_keys["KeySchema"] = json::array({1, "x", nullptr});
  const Case cases[] = {
      {json(), "DescribeTable's reply has no Table object"},
      {json::array(), "DescribeTable's reply has no Table object"},
      {{{"Table", "orders"}}, "DescribeTable's reply has no Table object"},
      {{{"TableDescription", global_table()}}, "DescribeTable's reply has no Table object"},
      {describe(no_status), "DescribeTable's reply has no Table.TableStatus"},
      {describe(numeric_status), "DescribeTable's reply has no Table.TableStatus"},
      {describe(no_keys), "DescribeTable's reply has no Table.KeySchema"},
      {describe(keys_object), "DescribeTable's reply has no Table.KeySchema"},
      {describe(no_hash), "DescribeTable's reply has no HASH key in Table.KeySchema"},
      {describe(odd_keys), "DescribeTable's reply has no HASH key in Table.KeySchema"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_FALSE(parse_table_state(c.reply, error)) << c.reply.dump();
    EXPECT_EQ(error, c.error) << c.reply.dump();
  }
}

TEST(TableState, OddPartsAreReadAsAbsent) {
  json t = global_table();
  t["AttributeDefinitions"] = "S";
  t["StreamSpecification"] = {{"StreamEnabled", "yes"}, {"StreamViewType", 3}};
  t["Replicas"] = json::array({"eu-west-1",
                               {{"ReplicaStatus", "ACTIVE"}},
                               {{"RegionName", "ap-south-1"}, {"ReplicaStatus", 7}}});
  std::string error;
  auto s = parse_table_state(describe(t), error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->hash_key.type, "");
  EXPECT_FALSE(s->stream_enabled);
  EXPECT_EQ(s->stream_view_type, "");
  ASSERT_EQ(s->replicas.size(), 1u);
  EXPECT_EQ(s->replicas.at("ap-south-1"), "");
  EXPECT_EQ(not_active_reason(*s), "replica ap-south-1 without a status");

  t["Replicas"] = "none";
  s = parse_table_state(describe(t), error);
  ASSERT_TRUE(s) << error;
  EXPECT_TRUE(s->replicas.empty());
}

TEST(TableState, AnyStatusButActiveIsNotHealthy) {
  for (const char* status : {"CREATING", "UPDATING", "DELETING", "ARCHIVING", "ARCHIVED",
                             "INACCESSIBLE_ENCRYPTION_CREDENTIALS", "SOMETHING_NEW", "active"}) {
    json t = global_table();
    t["TableStatus"] = status;
    std::string error;
    auto s = parse_table_state(describe(t), error);
    ASSERT_TRUE(s) << error;
    EXPECT_EQ(not_active_reason(*s), std::string("table is ") + status);
  }
  for (const char* status : {"CREATING", "CREATION_FAILED", "UPDATING", "DELETING",
                             "INACCESSIBLE_ENCRYPTION_CREDENTIALS", "REGION_DISABLED",
                             "REPLICATION_NOT_AUTHORIZED", "SOMETHING_NEW", ""}) {
    json t = global_table();
    t["Replicas"][1]["ReplicaStatus"] = status;
    std::string error;
    auto s = parse_table_state(describe(t), error);
    ASSERT_TRUE(s) << error;
    const std::string expected = *status ? std::string("replica us-east-1 is ") + status
                                         : std::string("replica us-east-1 without a status");
    EXPECT_EQ(not_active_reason(*s), expected);
  }
}

TEST(TableState, CreateTableRequestIsOnDemandWithTheStreamGlobalTablesNeed) {
  json r = create_table_request("orders", {"pk", "S"}, KeyAttribute{"sk", "N"});
  EXPECT_EQ(r["TableName"], "orders");
  EXPECT_EQ(r["BillingMode"], "PAY_PER_REQUEST");
  EXPECT_EQ(r["StreamSpecification"],
            json({{"StreamEnabled", true}, {"StreamViewType", "NEW_AND_OLD_IMAGES"}}));
  EXPECT_EQ(r["KeySchema"], json::parse(R"([{"AttributeName": "pk", "KeyType": "HASH"},
                                             {"AttributeName": "sk", "KeyType": "RANGE"}])"));
  EXPECT_EQ(r["AttributeDefinitions"],
            json::parse(R"([{"AttributeName": "pk", "AttributeType": "S"},
                            {"AttributeName": "sk", "AttributeType": "N"}])"));
  json single = create_table_request("t1", {"id", "B"}, std::nullopt);
  EXPECT_EQ(single["KeySchema"].size(), 1u);
  EXPECT_EQ(single["AttributeDefinitions"].size(), 1u);
  EXPECT_FALSE(single.contains("ProvisionedThroughput"));
}

}  // namespace
}  // namespace drpilot::aws
