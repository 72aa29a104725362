#include "aws/table_state.h"

namespace drpilot::aws {

using nlohmann::json;

std::string string_at(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<TableState> parse_table_state(const json& reply, std::string& error) {
  const json* table = nullptr;
  if (reply.is_object()) {
    auto it = reply.find("Table");
    if (it != reply.end() && it->is_object()) table = &*it;
  }
  if (!table) {
    error = "DescribeTable's reply has no Table object";
    return std::nullopt;
  }
  TableState s;
  s.status = string_at(*table, "TableStatus");
  if (s.status.empty()) {
    error = "DescribeTable's reply has no Table.TableStatus";
    return std::nullopt;
  }

  std::map<std::string, std::string> types;
  auto defs = table->find("AttributeDefinitions");
  if (defs != table->end() && defs->is_array()) {
    for (const json& d : *defs)
      types[string_at(d, "AttributeName")] = string_at(d, "AttributeType");
  }
  auto keys = table->find("KeySchema");
  if (keys == table->end() || !keys->is_array()) {
    error = "DescribeTable's reply has no Table.KeySchema";
    return std::nullopt;
  }
  for (const json& k : *keys) {
    KeyAttribute a{string_at(k, "AttributeName"), ""};
    a.type = types[a.name];
    const std::string kind = string_at(k, "KeyType");
    if (kind == "HASH") {
      s.hash_key = a;
    } else if (kind == "RANGE") {
      s.range_key = a;
    }
  }
  if (s.hash_key.name.empty()) {
    error = "DescribeTable's reply has no HASH key in Table.KeySchema";
    return std::nullopt;
  }

  auto stream = table->find("StreamSpecification");
  if (stream != table->end() && stream->is_object()) {
    auto enabled = stream->find("StreamEnabled");
    s.stream_enabled = enabled != stream->end() && enabled->is_boolean() && enabled->get<bool>();
    s.stream_view_type = string_at(*stream, "StreamViewType");
  }
  auto replicas = table->find("Replicas");
  if (replicas != table->end() && replicas->is_array()) {
    for (const json& r : *replicas) {
      const std::string region = string_at(r, "RegionName");
      if (!region.empty()) s.replicas[region] = string_at(r, "ReplicaStatus");
    }
  }
  return s;
}

std::string not_active_reason(const TableState& s) {
  auto shown = [](const std::string& status) {
    return status.empty() ? std::string("without a status") : "is " + status;
  };
  if (s.status != "ACTIVE") return "table " + shown(s.status);
  for (const auto& [region, status] : s.replicas) {
    if (status != "ACTIVE") return "replica " + region + " " + shown(status);
  }
  return "";
}

json create_table_request(const std::string& table, const KeyAttribute& hash_key,
                          const std::optional<KeyAttribute>& range_key) {
  json defs = json::array({{{"AttributeName", hash_key.name}, {"AttributeType", hash_key.type}}});
  json schema = json::array({{{"AttributeName", hash_key.name}, {"KeyType", "HASH"}}});
  if (range_key) {
    defs.push_back({{"AttributeName", range_key->name}, {"AttributeType", range_key->type}});
    schema.push_back({{"AttributeName", range_key->name}, {"KeyType", "RANGE"}});
  }
  return {
      {"TableName", table},
      {"AttributeDefinitions", defs},
      {"KeySchema", schema},
      {"BillingMode", "PAY_PER_REQUEST"},
      {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "NEW_AND_OLD_IMAGES"}}}};
}

std::string describe_key(const KeyAttribute& hash_key,
                         const std::optional<KeyAttribute>& range_key) {
  std::string s = hash_key.name + " (" + hash_key.type + ")";
  if (range_key) s += ", " + range_key->name + " (" + range_key->type + ")";
  return s;
}

}  // namespace drpilot::aws
