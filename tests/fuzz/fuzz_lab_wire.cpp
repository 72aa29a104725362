// libFuzzer target for what the lab's DynamoDB proxy reads from its clients
// and from the regions behind it: the X-Amz-Target header, write requests
// turned into replication steps, UpdateTable requests stripped of replica
// updates, and replies rewritten as global tables or read as item images.
//
// Input: X-AMZ-TARGET \n REQUEST \n--\n REPLY
//
// Invariants (violations trap):
//  - nothing throws;
//  - only item writes replicate, and every step is well formed: a PutItem
//    of an Item, a DeleteItem of a Key or a BatchWriteItem of some of the
//    request's writes, each naming its table, or an item to read whose
//    GetItem request and image change are well formed in turn;
//  - a PutItem replicates its own item, and nothing else;
//  - a stripped UpdateTable holds no ReplicaUpdates, and "nothing else"
//    means just its TableName;
//  - a global-table view lists exactly the lab's regions;
//  - the checksum and error bodies the proxy writes read back in the AWS
//    client as they were meant;
//  - once per run, bodies nested a million levels deep (within the proxy's
//    16 MiB limit, beyond libFuzzer's input sizes) are refused, not copied
//    or printed until the stack overflows.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/dynamo_reply.h"
#include "aws/dynamodb.h"
#include "fuzz_input.h"
#include "lab/dynamo_wire.h"

namespace {

using namespace drpilot;
using nlohmann::json;

const std::vector<std::string> kRegions = {"eu-west-1", "us-east-1"};

// Strict JSON: no raw NUL byte (nlohmann's parser would stop reading there).
json parse(const std::string& text) {
  if (text.find('\0') != std::string::npos) return json(json::value_t::discarded);
  return json::parse(text, nullptr, false);
}

bool has(const json& j, const char* key, json::value_t type) {
  return j.is_object() && j.contains(key) && j.at(key).type() == type;
}

void check_change(const lab::Change& c, const json& request_items) {
  const json body = parse(c.body);
  if (c.operation == "PutItem") {
    FUZZ_CHECK(has(body, "TableName", json::value_t::string) &&
               has(body, "Item", json::value_t::object) && body.size() == 2);
  } else if (c.operation == "DeleteItem") {
    FUZZ_CHECK(has(body, "TableName", json::value_t::string) &&
               has(body, "Key", json::value_t::object) && body.size() == 2);
  } else {
    FUZZ_CHECK(c.operation == "BatchWriteItem");
    FUZZ_CHECK(has(body, "RequestItems", json::value_t::object) && body.size() == 1);
    FUZZ_CHECK(!body["RequestItems"].empty());
    for (const auto& [table, writes] : body["RequestItems"].items()) {
      FUZZ_CHECK(request_items.contains(table) && writes.is_array() && !writes.empty());
      for (const json& w : writes) {
        const json& asked = request_items[table];
        FUZZ_CHECK(std::find(asked.begin(), asked.end(), w) != asked.end());
      }
    }
  }
}

void check_deep_bodies() {
  const std::size_t depth = 1'000'000;
  const std::string deep = std::string(depth, '[') + std::string(depth, ']');
  const std::string put = R"({"TableName":"shop","Item":{"a":)" + deep + "}}";
  FUZZ_CHECK(lab::replication_steps("PutItem", put, "{}").empty());
  FUZZ_CHECK(!lab::strip_replica_updates(R"({"TableName":"shop","x":)" + deep + "}"));
  FUZZ_CHECK(!lab::as_global_table("DescribeTable", R"({"Table":{"x":)" + deep + "}}", kRegions));
  FUZZ_CHECK(!lab::change_from_image("shop", R"({"pk":{"S":"a"}})", R"({"Item":)" + deep + "}"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool deep_checked = (check_deep_bodies(), true);
  (void)deep_checked;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string target = fuzz::next_line(in);
  const std::string request = fuzz::next_part(in, "\n--\n");
  const std::string reply(in);
  const json req = parse(request);

  try {
    const std::string op = lab::operation_of({{"x-amz-target", target}});
    FUZZ_CHECK(op.find('.') == std::string::npos);
    FUZZ_CHECK(op.empty() || (target.size() > op.size() &&
                              target.compare(target.size() - op.size(), op.size(), op) == 0));

    const std::vector<lab::ReplicationStep> steps = lab::replication_steps(op, request, reply);
    if (!lab::is_item_write(op) || !req.is_object()) FUZZ_CHECK(steps.empty());
    const json request_items =
        has(req, "RequestItems", json::value_t::object) ? req["RequestItems"] : json::object();
    for (const lab::ReplicationStep& s : steps) {
      if (s.change) {
        check_change(*s.change, request_items);
        continue;
      }
      FUZZ_CHECK(op == "UpdateItem" || op == "TransactWriteItems");
      FUZZ_CHECK(parse(s.key_json).is_object());
      const json get = parse(lab::image_request(s.table, s.key_json));
      FUZZ_CHECK(get.is_object() && get["TableName"] == s.table && get["Key"] == parse(s.key_json));
      const std::optional<lab::Change> image = lab::change_from_image(s.table, s.key_json, reply);
      FUZZ_CHECK(image.has_value() == parse(reply).is_object());
      if (image) check_change(*image, request_items);
    }
    if (op == "PutItem" && has(req, "TableName", json::value_t::string) &&
        has(req, "Item", json::value_t::object)) {
      FUZZ_CHECK(steps.size() == 1 && steps[0].change);
      FUZZ_CHECK(parse(steps[0].change->body)["Item"] == req["Item"]);
    }

    const std::optional<lab::TableUpdate> update = lab::strip_replica_updates(request);
    FUZZ_CHECK(update.has_value() == req.is_object());
    if (update) {
      const json body = parse(update->body);
      FUZZ_CHECK(body.is_object() && !body.contains("ReplicaUpdates"));
      FUZZ_CHECK(update->replica_updates == req.contains("ReplicaUpdates"));
      FUZZ_CHECK(update->nothing_else ==
                 (body.empty() || (body.size() == 1 && body.contains("TableName"))));
    }

    for (const char* table_op : {"DescribeTable", "CreateTable", "UpdateTable"}) {
      if (const std::optional<std::string> g = lab::as_global_table(table_op, reply, kRegions)) {
        const json view = parse(*g);
        const char* key =
            std::string_view(table_op) == "DescribeTable" ? "Table" : "TableDescription";
        FUZZ_CHECK(has(view, key, json::value_t::object));
        FUZZ_CHECK(view[key]["Replicas"].size() == kRegions.size());
      }
    }
    if (const std::optional<std::string> u = lab::update_reply_from_describe(reply)) {
      FUZZ_CHECK(has(parse(*u), "TableDescription", json::value_t::object));
    }

    FUZZ_CHECK(lab::crc32_text(reply) == std::to_string(aws::crc32(reply)));
    // An error the proxy injects reads back, in the client, as that error.
    if (!op.empty() && std::all_of(op.begin(), op.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c));
        })) {
      net::ClientResult r;
      r.ok = true;
      r.status = 400;
      r.body = lab::error_body(op, reply.substr(0, 64));
      r.headers["x-amz-crc32"] = lab::crc32_text(r.body);
      const aws::ReplyOutcome o = aws::interpret_reply(r, 1 << 20);
      FUZZ_CHECK(!o.ok && o.error_code == op);
    }
  } catch (...) {
    FUZZ_CHECK(!"a lab wire function threw");
  }
  return 0;
}
