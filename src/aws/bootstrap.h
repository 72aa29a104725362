#pragma once
// `drpilot bootstrap dynamodb`: makes the DynamoDB side of a configuration
// exist. For each table: created in its first region if missing (on-demand,
// stream NEW_AND_OLD_IMAGES, as global tables need), the missing replicas
// added one at a time (UpdateTable ReplicaUpdates Create), waited for until
// the table and every replica are ACTIVE, and the sentinel item written.
//
// It first looks at everything (reads only) and prints what it will do, then
// does it; a dry run stops after printing. Running it again changes nothing
// and says so. A table that exists with another key schema is an error, never
// changed. Replicas that the plan does not name are left alone.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "aws/dynamodb.h"
#include "aws/table_state.h"
#include "core/time.h"

namespace drpilot::aws {

struct RegionSpec {
  std::string region;    // "eu-west-1"
  std::string endpoint;  // empty: https://dynamodb.<region>.amazonaws.com
};

struct TableSpec {
  std::string name;
  // An empty name: the key schema is not known. Such a table is not
  // created (a missing one is an error) and its existing key is not checked.
  KeyAttribute hash_key;
  std::optional<KeyAttribute> range_key;
  std::vector<std::string> regions;  // where replicas live; the table is created in the first
  // The item to write, in DynamoDB's JSON ({"pk": {"S": "drpilot-sentinel"},
  // "note": {"S": "..."}}); null for none. It must carry the key attributes.
  nlohmann::json sentinel;
};

struct BootstrapPlan {
  std::vector<RegionSpec> regions;  // every region a table names must be here
  std::vector<TableSpec> tables;
  bool dry_run = false;
  // How long one table, or one replica, may take to become ACTIVE. Real
  // replicas take minutes.
  core::Duration wait_timeout{20 * 60'000};
  core::Duration poll_interval{5'000};
};

struct BootstrapResult {
  bool ok = false;
  int changes = 0;    // made, or in a dry run to be made
  std::string error;  // when !ok
};

// One DynamoDB operation in one region: a DynamoClient per region in
// production (make_regional_call), a fake in tests.
using DynamoCall = std::function<DynamoResult(
    const std::string& region, const std::string& operation, const nlohmann::json& request)>;
using BootstrapOutput = std::function<void(const std::string& line)>;

// Empty when the plan is usable; else what is wrong with it.
std::string validate_plan(const BootstrapPlan& plan);

BootstrapResult bootstrap_dynamodb(const BootstrapPlan& plan, const DynamoCall& call,
                                   const BootstrapOutput& out);

// A DynamoCall with one client per region of `regions` (made on first use),
// each with `options` and the region's own endpoint. An unknown region is a
// failed DynamoResult.
DynamoCall make_regional_call(std::vector<RegionSpec> regions,
                              std::shared_ptr<CredentialSource> credentials, DynamoOptions options,
                              std::uint64_t seed);

}  // namespace drpilot::aws
