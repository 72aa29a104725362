// What the lab's data regions read from DynamoDB requests and replies:
// which operations replicate, the form a write takes in the other regions,
// the global-table view of a table, and bodies that are not what they claim.

#include "lab/dynamo_wire.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace drpilot::lab {
namespace {

using nlohmann::json;
using namespace std::string_literals;

json J(const std::string& s) {
  return json::parse(s);
}

TEST(DynamoWire, OperationComesFromTheTargetHeader) {
  EXPECT_EQ(operation_of({{"x-amz-target", "DynamoDB_20120810.PutItem"}}), "PutItem");
  EXPECT_EQ(operation_of({{"x-amz-target", "DynamoDB_20120810.DescribeTable"}}), "DescribeTable");
  EXPECT_EQ(operation_of({{"x-amz-target", "PutItem"}}), "");
  EXPECT_EQ(operation_of({{"content-type", "application/x-amz-json-1.0"}}), "");
  EXPECT_EQ(operation_of({}), "");
}

TEST(DynamoWire, WhichOperationsReplicate) {
  for (const char* op :
       {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}) {
    EXPECT_TRUE(is_item_write(op)) << op;
    EXPECT_FALSE(is_table_change(op)) << op;
  }
  for (const char* op : {"CreateTable", "DeleteTable", "UpdateTable"}) {
    EXPECT_TRUE(is_table_change(op)) << op;
    EXPECT_FALSE(is_item_write(op)) << op;
  }
  for (const char* op : {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems",
                         "DescribeTable", "ListTables", "", "putitem"}) {
    EXPECT_FALSE(is_item_write(op)) << op;
    EXPECT_FALSE(is_table_change(op)) << op;
  }
}

TEST(DynamoWire, ErrorBodyAndChecksumAsSdksExpect) {
  json e = J(error_body("InternalServerError", "region is down"));
  EXPECT_EQ(e["__type"], "com.amazonaws.dynamodb.v20120810#InternalServerError");
  EXPECT_EQ(e["message"], "region is down");
  // The CRC-32 check value of "123456789".
  EXPECT_EQ(crc32_text("123456789"), "3421780262");
  EXPECT_EQ(crc32_text(""), "0");
}

TEST(DynamoWire, PutItemReplicatesAsThePutItemWithoutItsCondition) {
  const std::string req =
      R"({"TableName":"shop","Item":{"pk":{"S":"a"},"n":{"N":"1"}},)"
      R"j("ConditionExpression":"attribute_not_exists(pk)","ReturnValues":"ALL_OLD"})j";
  auto steps = replication_steps("PutItem", req, "{}");
  ASSERT_EQ(steps.size(), 1u);
  ASSERT_TRUE(steps[0].change);
  EXPECT_EQ(steps[0].change->operation, "PutItem");
  EXPECT_EQ(J(steps[0].change->body),
            J(R"({"TableName":"shop","Item":{"pk":{"S":"a"},"n":{"N":"1"}}})"));
}

TEST(DynamoWire, DeleteItemReplicatesAsADeleteOfTheKey) {
  const std::string req =
      R"({"TableName":"shop","Key":{"pk":{"S":"a"}},"ConditionExpression":"n = :one",)"
      R"("ExpressionAttributeValues":{":one":{"N":"1"}}})";
  auto steps = replication_steps("DeleteItem", req, "{}");
  ASSERT_EQ(steps.size(), 1u);
  ASSERT_TRUE(steps[0].change);
  EXPECT_EQ(steps[0].change->operation, "DeleteItem");
  EXPECT_EQ(J(steps[0].change->body), J(R"({"TableName":"shop","Key":{"pk":{"S":"a"}}})"));
}

TEST(DynamoWire, UpdateItemWithTheNewImageReplicatesAsAPut) {
  const std::string req =
      R"({"TableName":"shop","Key":{"pk":{"S":"a"}},"UpdateExpression":"ADD n :one",)"
      R"("ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"ALL_NEW"})";
  const std::string reply = R"({"Attributes":{"pk":{"S":"a"},"n":{"N":"2"}}})";
  auto steps = replication_steps("UpdateItem", req, reply);
  ASSERT_EQ(steps.size(), 1u);
  ASSERT_TRUE(steps[0].change);
  EXPECT_EQ(steps[0].change->operation, "PutItem");
  // The result, not the expression: ADD is not applied twice.
  EXPECT_EQ(J(steps[0].change->body),
            J(R"({"TableName":"shop","Item":{"pk":{"S":"a"},"n":{"N":"2"}}})"));
}

TEST(DynamoWire, UpdateItemWithoutTheNewImageAsksForARead) {
  for (const std::string rv : {"", R"(,"ReturnValues":"UPDATED_NEW")",
                               R"(,"ReturnValues":"ALL_NEW")", R"(,"ReturnValues":7)"}) {
    const std::string req =
        R"({"TableName":"shop","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET n = :v")" + rv + "}";
    // ALL_NEW whose reply lacks Attributes is read too.
    auto steps = replication_steps("UpdateItem", req, R"({"Attributes":"x"})");
    ASSERT_EQ(steps.size(), 1u) << rv;
    EXPECT_FALSE(steps[0].change) << rv;
    EXPECT_EQ(steps[0].table, "shop");
    EXPECT_EQ(J(steps[0].key_json), J(R"({"pk":{"S":"a"}})"));
  }
}

TEST(DynamoWire, TheImageReadAndWhatItBecomes) {
  json get = J(image_request("shop", R"({"pk":{"S":"a"}})"));
  EXPECT_EQ(get, J(R"({"TableName":"shop","Key":{"pk":{"S":"a"}},"ConsistentRead":true})"));

  auto present = change_from_image("shop", R"({"pk":{"S":"a"}})",
                                   R"({"Item":{"pk":{"S":"a"},"n":{"N":"3"}}})");
  ASSERT_TRUE(present);
  EXPECT_EQ(present->operation, "PutItem");
  EXPECT_EQ(J(present->body), J(R"({"TableName":"shop","Item":{"pk":{"S":"a"},"n":{"N":"3"}}})"));

  // Gone by the time it was read (a delete came after): it is deleted there too.
  auto gone = change_from_image("shop", R"({"pk":{"S":"a"}})", "{}");
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->operation, "DeleteItem");
  EXPECT_EQ(J(gone->body), J(R"({"TableName":"shop","Key":{"pk":{"S":"a"}}})"));

  EXPECT_FALSE(change_from_image("shop", R"({"pk":{"S":"a"}})", "<html>"));
  EXPECT_FALSE(change_from_image("shop", R"({"pk":{"S":"a"}})", "[]"));
  EXPECT_FALSE(change_from_image("shop", R"({"pk":{"S":"a"}})", ""));
}

TEST(DynamoWire, BatchWriteItemReplicatesWhatWasProcessed) {
  const std::string req = R"({"RequestItems":{
    "shop":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}},
            {"DeleteRequest":{"Key":{"pk":{"S":"b"}}}},
            {"PutRequest":{"Item":{"pk":{"S":"c"}}}}],
    "users":[{"PutRequest":{"Item":{"id":{"S":"u"}}}}]},
    "ReturnConsumedCapacity":"TOTAL"})";
  auto all = replication_steps("BatchWriteItem", req, R"({"UnprocessedItems":{}})");
  ASSERT_EQ(all.size(), 1u);
  ASSERT_TRUE(all[0].change);
  EXPECT_EQ(all[0].change->operation, "BatchWriteItem");
  EXPECT_EQ(J(all[0].change->body), json({{"RequestItems", J(req)["RequestItems"]}}));

  // What the reply left unprocessed did not happen, so it does not replicate.
  const std::string partial = R"({"UnprocessedItems":{
    "shop":[{"PutRequest":{"Item":{"pk":{"S":"c"}}}}],
    "users":[{"PutRequest":{"Item":{"id":{"S":"u"}}}}]}})";
  auto some = replication_steps("BatchWriteItem", req, partial);
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(J(some[0].change->body), J(R"({"RequestItems":{"shop":[
    {"PutRequest":{"Item":{"pk":{"S":"a"}}}},
    {"DeleteRequest":{"Key":{"pk":{"S":"b"}}}}]}})"));

  const std::string none = R"({"UnprocessedItems":)" + J(req)["RequestItems"].dump() + "}";
  EXPECT_TRUE(replication_steps("BatchWriteItem", req, none).empty());
}

TEST(DynamoWire, TransactWriteItemsReplicatesEachWriteInOrder) {
  const std::string req = R"j({"TransactItems":[
    {"ConditionCheck":{"TableName":"shop","Key":{"pk":{"S":"x"}},
                       "ConditionExpression":"attribute_exists(pk)"}},
    {"Put":{"TableName":"shop","Item":{"pk":{"S":"a"}},
            "ConditionExpression":"attribute_not_exists(pk)"}},
    {"Update":{"TableName":"users","Key":{"id":{"S":"u"}},"UpdateExpression":"ADD n :one"}},
    {"Delete":{"TableName":"shop","Key":{"pk":{"S":"b"}}}}],
    "ClientRequestToken":"t1"})j";
  auto steps = replication_steps("TransactWriteItems", req, "{}");
  ASSERT_EQ(steps.size(), 3u);
  ASSERT_TRUE(steps[0].change);
  EXPECT_EQ(steps[0].change->operation, "PutItem");
  EXPECT_EQ(J(steps[0].change->body), J(R"({"TableName":"shop","Item":{"pk":{"S":"a"}}})"));
  EXPECT_FALSE(steps[1].change);
  EXPECT_EQ(steps[1].table, "users");
  EXPECT_EQ(J(steps[1].key_json), J(R"({"id":{"S":"u"}})"));
  ASSERT_TRUE(steps[2].change);
  EXPECT_EQ(steps[2].change->operation, "DeleteItem");
  EXPECT_EQ(J(steps[2].change->body), J(R"({"TableName":"shop","Key":{"pk":{"S":"b"}}})"));
}

TEST(DynamoWire, ReadsAndUnknownOperationsDoNotReplicate) {
  const std::string req = R"({"TableName":"shop","Key":{"pk":{"S":"a"}}})";
  EXPECT_TRUE(replication_steps("GetItem", req, "{}").empty());
  EXPECT_TRUE(replication_steps("DescribeTable", req, "{}").empty());
  EXPECT_TRUE(replication_steps("", req, "{}").empty());
}

TEST(DynamoWire, MalformedRequestsGiveNoStepsAndDoNotThrow) {
  const std::vector<std::string> bodies = {
      "",
      "not json",
      "[]",
      "null",
      "42",
      R"({"TableName":5,"Item":{}})",
      R"({"TableName":"t","Item":"x"})",
      R"({"TableName":"t"})",
      R"({"TableName":"t","Key":[1]})",
      R"({"TableName":["t"],"Key":{}})",
      R"({"RequestItems":[]})",
      R"({"RequestItems":{"t":"x","u":[1,null]}})",
      R"({"TransactItems":{}})",
      R"({"TransactItems":[1,"x",null,{"Put":[]},{"Put":{"TableName":1,"Item":{}}},)"
      R"({"Update":{"TableName":"t"}},{"Delete":{"Key":{}}}]})",
      "{\"TableName\":\"\xff\xfe\",\"Item\":{}}",
      "{\"TableName\":\"t\0\",\"Item\":{}}"s,
      std::string(10000, '['),
  };
  const std::vector<std::string> replies = {"",
                                            "{}",
                                            "[]",
                                            "garbage",
                                            R"({"UnprocessedItems":[]})",
                                            R"({"UnprocessedItems":{"t":"x"}})",
                                            R"({"Attributes":[]})"};
  for (const char* op :
       {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}) {
    for (const std::string& b : bodies) {
      for (const std::string& r : replies) {
        std::vector<ReplicationStep> steps;
        EXPECT_NO_THROW(steps = replication_steps(op, b, r)) << op << " " << b << " " << r;
        for (const auto& s : steps) {
          // Whatever comes out is well-formed DynamoDB JSON to replay.
          if (s.change) {
            EXPECT_TRUE(json::accept(s.change->body)) << op << " " << b;
          } else {
            EXPECT_FALSE(s.table.empty()) << op << " " << b;
          }
        }
      }
    }
  }
  // A batch with a non-array table is replicated without it.
  auto steps = replication_steps("BatchWriteItem",
                                 R"({"RequestItems":{"t":"x","u":[{"PutRequest":{}}]}})", "{}");
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(J(steps[0].change->body), J(R"({"RequestItems":{"u":[{"PutRequest":{}}]}})"));
}

TEST(DynamoWire, DescribeTableShowsEveryRegionAsAnActiveReplica) {
  const std::string reply =
      R"({"Table":{"TableName":"shop","TableStatus":"ACTIVE",)"
      R"("Replicas":[{"RegionName":"elsewhere","ReplicaStatus":"CREATING"}]}})";
  auto g = as_global_table("DescribeTable", reply, {"eu-west-1", "us-east-1", "ap-south-1"});
  ASSERT_TRUE(g);
  json t = J(*g)["Table"];
  EXPECT_EQ(t["TableName"], "shop");
  EXPECT_EQ(t["TableStatus"], "ACTIVE");
  EXPECT_EQ(t["GlobalTableVersion"], "2019.11.21");
  EXPECT_EQ(t["Replicas"], J(R"([{"RegionName":"eu-west-1","ReplicaStatus":"ACTIVE"},
    {"RegionName":"us-east-1","ReplicaStatus":"ACTIVE"},
    {"RegionName":"ap-south-1","ReplicaStatus":"ACTIVE"}])"));
}

TEST(DynamoWire, CreateAndUpdateTableRepliesAreGlobalToo) {
  for (const char* op : {"CreateTable", "UpdateTable"}) {
    auto g = as_global_table(op, R"({"TableDescription":{"TableName":"shop"}})", {"a", "b"});
    ASSERT_TRUE(g) << op;
    EXPECT_EQ(J(*g)["TableDescription"]["Replicas"].size(), 2u) << op;
    EXPECT_EQ(J(*g)["TableDescription"]["GlobalTableVersion"], "2019.11.21") << op;
  }
}

TEST(DynamoWire, RepliesWithoutATableAreLeftAlone) {
  EXPECT_FALSE(as_global_table("DescribeTable", R"({"TableDescription":{}})", {"a"}));
  EXPECT_FALSE(as_global_table("CreateTable", R"({"Table":{}})", {"a"}));
  EXPECT_FALSE(as_global_table("DescribeTable", R"({"Table":"shop"})", {"a"}));
  EXPECT_FALSE(as_global_table("DescribeTable", "", {"a"}));
  EXPECT_FALSE(as_global_table("DescribeTable", "{{{", {"a"}));
  EXPECT_FALSE(as_global_table("DescribeTable", "[]", {"a"}));
  EXPECT_FALSE(as_global_table("GetItem", R"({"Table":{}})", {"a"}));
  EXPECT_FALSE(as_global_table("DeleteTable", R"({"TableDescription":{}})", {"a"}));
}

TEST(DynamoWire, ReplicaUpdatesAreTakenOutOfUpdateTable) {
  auto only = strip_replica_updates(
      R"({"TableName":"shop","ReplicaUpdates":[{"Create":{"RegionName":"us-east-1"}}]})");
  ASSERT_TRUE(only);
  EXPECT_TRUE(only->replica_updates);
  EXPECT_TRUE(only->nothing_else);
  EXPECT_EQ(J(only->body), J(R"({"TableName":"shop"})"));

  auto more = strip_replica_updates(R"({"TableName":"shop","BillingMode":"PAY_PER_REQUEST",)"
                                    R"("ReplicaUpdates":[{"Delete":{"RegionName":"us-east-1"}}]})");
  ASSERT_TRUE(more);
  EXPECT_TRUE(more->replica_updates);
  EXPECT_FALSE(more->nothing_else);
  EXPECT_EQ(J(more->body), J(R"({"TableName":"shop","BillingMode":"PAY_PER_REQUEST"})"));

  auto plain = strip_replica_updates(R"({"TableName":"shop","BillingMode":"PROVISIONED"})");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->replica_updates);
  EXPECT_FALSE(plain->nothing_else);

  EXPECT_FALSE(strip_replica_updates(""));
  EXPECT_FALSE(strip_replica_updates("[1]"));
  EXPECT_FALSE(strip_replica_updates("nope"));
}

TEST(DynamoWire, AnUpdateReplyIsMadeFromADescribeReply) {
  auto r = update_reply_from_describe(R"({"Table":{"TableName":"shop","TableStatus":"ACTIVE"}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(J(*r), J(R"({"TableDescription":{"TableName":"shop","TableStatus":"ACTIVE"}})"));
  EXPECT_FALSE(update_reply_from_describe("{}"));
  EXPECT_FALSE(update_reply_from_describe("x"));
}

}  // namespace
}  // namespace drpilot::lab
