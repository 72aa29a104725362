#include "lab/dynamo_wire.h"

#include <boost/crc.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "aws/dynamo_reply.h"

namespace drpilot::lab {

using nlohmann::json;

namespace {

// DynamoDB nests attribute values at most 32 levels deep; a body nested
// much deeper is not parsed, since copying or printing it would recurse
// without bound (a stack overflow in the proxy).
constexpr int kMaxDepth = 128;

json parse(const std::string& text) {
  // A NUL byte would end the parser's input early: `{...}<NUL>junk` is no JSON.
  if (text.find('\0') != std::string::npos || !aws::json_nesting_within(text, kMaxDepth)) {
    return json(json::value_t::discarded);
  }
  return json::parse(text, nullptr, false);
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Change put(const json& table, const json& item) {
  return {"PutItem", dump(json{{"TableName", table}, {"Item", item}})};
}

Change del(const json& table, const json& key) {
  return {"DeleteItem", dump(json{{"TableName", table}, {"Key", key}})};
}

bool has_object(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_object();
}

bool has_string(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string();
}

// BatchWriteItem's request items less those the reply left unprocessed.
json processed_items(const json& request_items, const json& reply) {
  json out = json::object();
  const json unprocessed =
      has_object(reply, "UnprocessedItems") ? reply["UnprocessedItems"] : json::object();
  for (const auto& [table, writes] : request_items.items()) {
    if (!writes.is_array()) continue;
    const json left = unprocessed.value(table, json::array());
    json kept = json::array();
    for (const json& w : writes) {
      if (std::find(left.begin(), left.end(), w) == left.end()) kept.push_back(w);
    }
    if (!kept.empty()) out[table] = kept;
  }
  return out;
}

ReplicationStep image_step(const json& table, const json& key) {
  ReplicationStep s;
  s.table = table.get<std::string>();
  s.key_json = dump(key);
  return s;
}

}  // namespace

std::string operation_of(const std::map<std::string, std::string>& headers) {
  auto it = headers.find("x-amz-target");
  if (it == headers.end()) return "";
  const size_t dot = it->second.rfind('.');
  return dot == std::string::npos ? "" : it->second.substr(dot + 1);
}

bool is_item_write(std::string_view op) {
  return op == "PutItem" || op == "UpdateItem" || op == "DeleteItem" || op == "BatchWriteItem" ||
         op == "TransactWriteItems";
}

bool is_table_change(std::string_view op) {
  return op == "CreateTable" || op == "DeleteTable" || op == "UpdateTable";
}

std::string error_body(std::string_view type, std::string_view message) {
  return dump(json{{"__type", "com.amazonaws.dynamodb.v20120810#" + std::string(type)},
                   {"message", std::string(message)}});
}

std::string crc32_text(std::string_view body) {
  boost::crc_32_type crc;
  crc.process_bytes(body.data(), body.size());
  return std::to_string(crc.checksum());
}

std::optional<std::string> as_global_table(std::string_view op, const std::string& reply,
                                           const std::vector<std::string>& regions) {
  const char* key = op == "DescribeTable"                        ? "Table"
                    : op == "CreateTable" || op == "UpdateTable" ? "TableDescription"
                                                                 : nullptr;
  if (!key) return std::nullopt;
  json j = parse(reply);
  if (!has_object(j, key)) return std::nullopt;
  json replicas = json::array();
  for (const std::string& r : regions) {
    replicas.push_back({{"RegionName", r}, {"ReplicaStatus", "ACTIVE"}});
  }
  j[key]["Replicas"] = replicas;
  j[key]["GlobalTableVersion"] = "2019.11.21";
  return dump(j);
}

std::optional<TableUpdate> strip_replica_updates(const std::string& request) {
  json j = parse(request);
  if (!j.is_object()) return std::nullopt;
  TableUpdate u;
  u.replica_updates = j.erase("ReplicaUpdates") > 0;
  u.nothing_else = true;
  for (const auto& [k, v] : j.items()) {
    if (k != "TableName") u.nothing_else = false;
  }
  u.body = dump(j);
  return u;
}

std::optional<std::string> update_reply_from_describe(const std::string& describe_reply) {
  json j = parse(describe_reply);
  if (!has_object(j, "Table")) return std::nullopt;
  return dump(json{{"TableDescription", j["Table"]}});
}

std::vector<ReplicationStep> replication_steps(std::string_view op, const std::string& request,
                                               const std::string& reply) {
  std::vector<ReplicationStep> steps;
  const json req = parse(request);
  if (!req.is_object()) return steps;
  auto ready = [&](Change c) { steps.push_back({std::move(c), "", ""}); };
  if (op == "PutItem" && has_string(req, "TableName") && has_object(req, "Item")) {
    ready(put(req["TableName"], req["Item"]));
  } else if (op == "DeleteItem" && has_string(req, "TableName") && has_object(req, "Key")) {
    ready(del(req["TableName"], req["Key"]));
  } else if (op == "UpdateItem" && has_string(req, "TableName") && has_object(req, "Key")) {
    // ALL_NEW already carries the new image; any other answer needs a read.
    const json rep = parse(reply);
    const bool all_new = has_string(req, "ReturnValues") && req["ReturnValues"] == "ALL_NEW";
    if (all_new && has_object(rep, "Attributes")) {
      ready(put(req["TableName"], rep["Attributes"]));
    } else {
      steps.push_back(image_step(req["TableName"], req["Key"]));
    }
  } else if (op == "BatchWriteItem" && has_object(req, "RequestItems")) {
    json items = processed_items(req["RequestItems"], parse(reply));
    if (!items.empty()) ready({"BatchWriteItem", dump(json{{"RequestItems", items}})});
  } else if (op == "TransactWriteItems" && req.contains("TransactItems") &&
             req["TransactItems"].is_array()) {
    for (const json& t : req["TransactItems"]) {
      if (has_object(t, "Put") && has_string(t["Put"], "TableName") &&
          has_object(t["Put"], "Item")) {
        ready(put(t["Put"]["TableName"], t["Put"]["Item"]));
      } else if (has_object(t, "Delete") && has_string(t["Delete"], "TableName") &&
                 has_object(t["Delete"], "Key")) {
        ready(del(t["Delete"]["TableName"], t["Delete"]["Key"]));
      } else if (has_object(t, "Update") && has_string(t["Update"], "TableName") &&
                 has_object(t["Update"], "Key")) {
        steps.push_back(image_step(t["Update"]["TableName"], t["Update"]["Key"]));
      }  // ConditionCheck writes nothing
    }
  }
  return steps;
}

std::string image_request(const std::string& table, const std::string& key_json) {
  return dump(json{{"TableName", table}, {"Key", parse(key_json)}, {"ConsistentRead", true}});
}

std::optional<Change> change_from_image(const std::string& table, const std::string& key_json,
                                        const std::string& get_reply) {
  const json rep = parse(get_reply);
  if (!rep.is_object()) return std::nullopt;
  if (has_object(rep, "Item")) return put(table, rep["Item"]);
  return del(table, parse(key_json));
}

}  // namespace drpilot::lab
