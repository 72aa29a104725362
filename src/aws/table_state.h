#pragma once
// A table as bootstrap sees it: DescribeTable's reply read defensively (a
// reply of the wrong shape is an error, never a crash), and the requests that
// create a table and its replicas.

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>

namespace drpilot::aws {

struct KeyAttribute {
  std::string name;
  std::string type = "S";  // S, N or B
};

struct TableState {
  std::string status;  // CREATING, UPDATING, ACTIVE, ...
  KeyAttribute hash_key;
  std::optional<KeyAttribute> range_key;
  bool stream_enabled = false;
  std::string stream_view_type;                 // NEW_AND_OLD_IMAGES, ...
  std::map<std::string, std::string> replicas;  // region -> ReplicaStatus
};

// `j[key]` when `j` is an object holding a string there, else "": replies
// of the wrong shape read as missing fields, never throw.
std::string string_at(const nlohmann::json& j, const char* key);

// From DescribeTable's reply; nothing and `error` when it lacks what is needed.
std::optional<TableState> parse_table_state(const nlohmann::json& reply, std::string& error);

// Empty when the table and every replica in it are ACTIVE; otherwise why
// not, in one line ("replica us-east-1 is CREATING"). Every other status is
// not healthy, whether DynamoDB documents it (UPDATING, ARCHIVED,
// INACCESSIBLE_ENCRYPTION_CREDENTIALS, ...), is newer than this code, or is
// missing from the reply.
std::string not_active_reason(const TableState& s);

// CreateTable: on-demand, with the stream global tables need.
nlohmann::json create_table_request(const std::string& table, const KeyAttribute& hash_key,
                                    const std::optional<KeyAttribute>& range_key);

// "pk (S), sk (N)"
std::string describe_key(const KeyAttribute& hash_key,
                         const std::optional<KeyAttribute>& range_key);

}  // namespace drpilot::aws
