#pragma once
// The pieces of DynamoDB's JSON protocol the lab's data regions look at:
// which operation a request is, what a successful write means for the other
// regions, and how a table is shown as a global table. Pure functions on
// request and reply bodies.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lab/change.h"

namespace drpilot::lab {

inline constexpr const char* kDynamoContentType = "application/x-amz-json-1.0";

// "DynamoDB_20120810.PutItem" in X-Amz-Target → "PutItem"; "" when absent.
std::string operation_of(const std::map<std::string, std::string>& headers);
// PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems.
bool is_item_write(std::string_view op);
// CreateTable, DeleteTable, UpdateTable: a global table's structure is shared.
bool is_table_change(std::string_view op);

// An error reply body as DynamoDB writes it; `type` is the short name,
// e.g. "InternalServerError".
std::string error_body(std::string_view type, std::string_view message);
// The x-amz-crc32 header value (CRC-32 of the body, decimal) that SDKs check.
std::string crc32_text(std::string_view body);

// A successful DescribeTable, CreateTable or UpdateTable reply with the table
// shown as a global table (version 2019.11.21) replicated to `regions`, all
// ACTIVE; nullopt when the reply carries no table.
std::optional<std::string> as_global_table(std::string_view op, const std::string& reply,
                                           const std::vector<std::string>& regions);

// UpdateTable with its ReplicaUpdates taken out: the lab's tables are
// replicated everywhere already, so adding or removing a replica is answered
// as done. `nothing_else` when no other change is left to apply.
struct TableUpdate {
  std::string body;
  bool replica_updates = false;
  bool nothing_else = false;
};
std::optional<TableUpdate> strip_replica_updates(const std::string& request);
// The UpdateTable reply for a request that changed replicas only, made from
// a DescribeTable reply.
std::optional<std::string> update_reply_from_describe(const std::string& describe_reply);

// How a successful write reaches the other regions: as the item's resulting
// state (a put of its new image, or a delete), never as the request itself,
// so that conditions and update expressions are not evaluated twice. A step
// is either ready, or names an item whose new image must be read first.
struct ReplicationStep {
  std::optional<Change> change;
  std::string table;     // when !change: the item to read
  std::string key_json;  // its key, DynamoDB JSON
};
std::vector<ReplicationStep> replication_steps(std::string_view op, const std::string& request,
                                               const std::string& reply);

// The GetItem request that reads an item's new image.
std::string image_request(const std::string& table, const std::string& key_json);
// The change that replays an image read: a put of the item, or a delete
// when it is gone; nullopt when the reply is not a GetItem reply.
std::optional<Change> change_from_image(const std::string& table, const std::string& key_json,
                                        const std::string& get_reply);

}  // namespace drpilot::lab
