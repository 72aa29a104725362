// Bootstrap against an in-memory DynamoDB whose tables and replicas take a
// few polls to become ACTIVE, and the plan a configuration implies.

#include "aws/bootstrap.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <vector>

#include "aws/bootstrap_config.h"
#include "config/config.h"

namespace drpilot::aws {
namespace {

using nlohmann::json;

// Global tables as bootstrap sees them from their home region. A new table
// or replica answers CREATING (the table UPDATING) for `delay` describes.
class FakeDynamo {
 public:
  struct Table {
    json key_schema, attribute_definitions;
    bool stream = false;
    std::string view;
    int creating = 0;  // describes left until ACTIVE
    int updating = 0;
    std::map<std::string, int> replicas;                // region -> describes left until ACTIVE
    std::map<std::string, std::string> replica_status;  // forced statuses
    std::vector<json> items;
  };

  int delay = 2;
  std::map<std::string, Table> tables;
  std::vector<std::string> log;              // "region Operation"
  std::map<std::string, DynamoResult> fail;  // operation -> its answer

  DynamoCall call() {
    return [this](const std::string& region, const std::string& op, const json& req) {
      log.push_back(region + " " + op);
      if (auto it = fail.find(op); it != fail.end()) return it->second;
      return handle(op, req);
    };
  }

  int count(const std::string& op) const {
    int n = 0;
    for (const std::string& l : log) n += l.substr(l.find(' ') + 1) == op;
    return n;
  }
  bool only_reads() const {
    for (const std::string& l : log) {
      if (l.find("DescribeTable") == std::string::npos && l.find("GetItem") == std::string::npos)
        return false;
    }
    return true;
  }

  void add_table(const std::string& name, const std::string& hash, bool stream,
                 std::vector<std::string> replicas = {}) {
    Table t;
    t.key_schema = json::array({{{"AttributeName", hash}, {"KeyType", "HASH"}}});
    t.attribute_definitions = json::array({{{"AttributeName", hash}, {"AttributeType", "S"}}});
    t.stream = stream;
    t.view = stream ? "NEW_AND_OLD_IMAGES" : "";
    for (const std::string& r : replicas) t.replicas[r] = 0;
    tables[name] = t;
  }

 private:
  static DynamoResult ok(json body) {
    DynamoResult r;
    r.ok = true;
    r.http_status = 200;
    r.body = std::move(body);
    r.attempts = 1;
    return r;
  }
  static DynamoResult error(const std::string& code, const std::string& message) {
    DynamoResult r;
    r.http_status = 400;
    r.error_code = code;
    r.message = code + ": " + message;
    r.attempts = 1;
    return r;
  }

  DynamoResult handle(const std::string& op, const json& req) {
    const std::string name = req.value("TableName", "");
    auto it = tables.find(name);
    if (op == "CreateTable") {
      if (it != tables.end()) return error("ResourceInUseException", "Table already exists");
      Table t;
      t.key_schema = req["KeySchema"];
      t.attribute_definitions = req["AttributeDefinitions"];
      t.stream = req["StreamSpecification"].value("StreamEnabled", false);
      t.view = req["StreamSpecification"].value("StreamViewType", "");
      t.creating = delay;
      tables[name] = t;
      return ok({{"TableDescription", {{"TableName", name}, {"TableStatus", "CREATING"}}}});
    }
    if (it == tables.end())
      return error("ResourceNotFoundException", "Requested resource not found");
    Table& t = it->second;
    if (op == "DescribeTable") {
      if (t.creating > 0) --t.creating;
      if (t.updating > 0) --t.updating;
      json replicas = json::array();
      for (auto& [region, left] : t.replicas) {
        std::string status = left > 0 ? "CREATING" : "ACTIVE";
        if (left > 0) --left;
        if (auto f = t.replica_status.find(region); f != t.replica_status.end()) status = f->second;
        replicas.push_back({{"RegionName", region}, {"ReplicaStatus", status}});
      }
      json d = {{"TableName", name},
                {"TableStatus", t.creating > 0   ? "CREATING"
                                : t.updating > 0 ? "UPDATING"
                                                 : "ACTIVE"},
                {"KeySchema", t.key_schema},
                {"AttributeDefinitions", t.attribute_definitions}};
      if (t.stream)
        d["StreamSpecification"] = {{"StreamEnabled", true}, {"StreamViewType", t.view}};
      if (!replicas.empty()) d["Replicas"] = replicas;
      return ok({{"Table", d}});
    }
    if (t.creating > 0 || t.updating > 0) {
      return error("ResourceInUseException", "Table is being updated: " + name);
    }
    if (op == "UpdateTable") {
      if (req.contains("StreamSpecification")) {
        t.stream = true;
        t.view = req["StreamSpecification"]["StreamViewType"].get<std::string>();
        t.updating = delay;
      }
      if (req.contains("ReplicaUpdates")) {
        if (req["ReplicaUpdates"].size() != 1) return error("ValidationException", "one at a time");
        if (!t.stream || t.view != "NEW_AND_OLD_IMAGES")
          return error("ValidationException", "needs a NEW_AND_OLD_IMAGES stream");
        t.replicas[req["ReplicaUpdates"][0]["Create"]["RegionName"].get<std::string>()] = delay;
        t.updating = delay;
      }
      return ok({{"TableDescription", {{"TableName", name}}}});
    }
    const std::string hash = t.key_schema[0]["AttributeName"].get<std::string>();
    if (op == "GetItem") {
      for (const json& item : t.items) {
        if (item.at(hash) == req["Key"].at(hash)) return ok({{"Item", item}});
      }
      return ok(json::object());
    }
    if (op == "PutItem") {
      std::erase_if(t.items, [&](const json& i) { return i.at(hash) == req["Item"].at(hash); });
      t.items.push_back(req["Item"]);
      return ok(json::object());
    }
    return error("UnknownOperationException", op);
  }
};

json sentinel_item() {
  return {{"pk", {{"S", "drpilot-sentinel"}}}, {"note", {{"S", "keep"}}}};
}

BootstrapPlan three_regions() {
  BootstrapPlan p;
  p.regions = {{"eu-west-1", ""}, {"us-east-1", ""}, {"ap-south-1", ""}};
  TableSpec t;
  t.name = "orders";
  t.hash_key = {"pk", "S"};
  t.regions = {"eu-west-1", "us-east-1", "ap-south-1"};
  t.sentinel = sentinel_item();
  p.tables.push_back(t);
  p.poll_interval = core::Duration{1};
  p.wait_timeout = core::Duration{10'000};
  return p;
}

struct Outcome {
  BootstrapResult result;
  std::vector<std::string> lines;
  bool said(const std::string& part) const {
    for (const std::string& l : lines) {
      if (l.find(part) != std::string::npos) return true;
    }
    return false;
  }
  std::string text() const {
    std::string s;
    for (const std::string& l : lines) s += l + "\n";
    return s;
  }
};

Outcome run(const BootstrapPlan& plan, FakeDynamo& fake) {
  Outcome r;
  r.result = bootstrap_dynamodb(plan, fake.call(),
                                [&r](const std::string& line) { r.lines.push_back(line); });
  return r;
}

TEST(Bootstrap, CreatesTheTableAddsReplicasOneAtATimeAndWritesTheSentinel) {
  FakeDynamo fake;
  Outcome r = run(three_regions(), fake);
  ASSERT_TRUE(r.result.ok) << r.result.error << "\n" << r.text();
  EXPECT_EQ(r.result.changes, 4);
  EXPECT_EQ(fake.count("CreateTable"), 1);
  EXPECT_EQ(fake.count("UpdateTable"), 2);
  EXPECT_EQ(fake.count("PutItem"), 1);
  // Every call goes to the table's first region.
  for (const std::string& l : fake.log) EXPECT_EQ(l.rfind("eu-west-1 ", 0), 0u) << l;

  const FakeDynamo::Table& t = fake.tables.at("orders");
  EXPECT_TRUE(t.stream);
  EXPECT_EQ(t.view, "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(t.replicas.size(), 2u);
  ASSERT_EQ(t.items.size(), 1u);
  EXPECT_EQ(t.items[0], sentinel_item());

  // The plan first, then progress, then the summary.
  const std::string out = r.text();
  const auto plan_at = out.find("plan:\n");
  const auto create_at = out.find(
      "  create table orders in eu-west-1: key pk (S), on-demand, "
      "stream NEW_AND_OLD_IMAGES");
  const auto creating_at = out.find("orders: creating the table in eu-west-1");
  ASSERT_NE(plan_at, std::string::npos) << out;
  ASSERT_NE(create_at, std::string::npos) << out;
  ASSERT_NE(creating_at, std::string::npos) << out;
  EXPECT_LT(plan_at, create_at);
  EXPECT_LT(create_at, creating_at);
  EXPECT_TRUE(r.said("  add a replica of orders in us-east-1")) << out;
  EXPECT_TRUE(r.said("  add a replica of orders in ap-south-1")) << out;
  EXPECT_TRUE(r.said("  write the sentinel item pk=drpilot-sentinel to orders")) << out;
  EXPECT_TRUE(r.said("orders: waiting for table in eu-west-1: table CREATING")) << out;
  EXPECT_TRUE(
      r.said("orders: waiting for replica in us-east-1: table UPDATING, us-east-1 "
             "CREATING"))
      << out;
  EXPECT_TRUE(r.said("orders: replica in ap-south-1: ACTIVE")) << out;
  EXPECT_EQ(r.lines.back(),
            "done: 4 change(s) made; every table, replica and sentinel item is in place");
}

TEST(Bootstrap, ASecondRunChangesNothingAndSaysSo) {
  FakeDynamo fake;
  ASSERT_TRUE(run(three_regions(), fake).result.ok);
  fake.log.clear();
  Outcome again = run(three_regions(), fake);
  ASSERT_TRUE(again.result.ok) << again.result.error;
  EXPECT_EQ(again.result.changes, 0);
  EXPECT_TRUE(fake.only_reads()) << again.text();
  EXPECT_TRUE(
      again.said("  orders: in place (ACTIVE in eu-west-1, us-east-1, ap-south-1), "
                 "sentinel item present"))
      << again.text();
  EXPECT_EQ(again.lines.back(),
            "nothing to change: every table, replica and sentinel item is in place");
}

TEST(Bootstrap, ADryRunOnlyReadsAndListsTheChanges) {
  FakeDynamo fake;
  BootstrapPlan plan = three_regions();
  plan.dry_run = true;
  Outcome r = run(plan, fake);
  ASSERT_TRUE(r.result.ok) << r.result.error;
  EXPECT_EQ(r.result.changes, 4);
  EXPECT_TRUE(fake.only_reads());
  EXPECT_TRUE(fake.tables.empty());
  EXPECT_TRUE(r.said("plan (dry run):"));
  EXPECT_TRUE(r.said("  create table orders in eu-west-1"));
  EXPECT_EQ(r.lines.back(), "dry run: 4 change(s) listed above; nothing was changed");

  // Half done: only the missing replica and the sentinel are listed.
  fake.add_table("orders", "pk", true, {"us-east-1"});
  r = run(plan, fake);
  ASSERT_TRUE(r.result.ok) << r.result.error;
  EXPECT_EQ(r.result.changes, 2);
  EXPECT_FALSE(r.said("create table"));
  EXPECT_FALSE(r.said("replica of orders in us-east-1"));
  EXPECT_TRUE(r.said("  add a replica of orders in ap-south-1"));
  EXPECT_TRUE(fake.only_reads());
}

TEST(Bootstrap, AnExistingTableWithoutAStreamGetsOneBeforeReplicas) {
  FakeDynamo fake;
  fake.add_table("orders", "pk", false);
  Outcome r = run(three_regions(), fake);
  ASSERT_TRUE(r.result.ok) << r.result.error << "\n" << r.text();
  EXPECT_TRUE(r.said("  enable the stream (NEW_AND_OLD_IMAGES) of orders"));
  EXPECT_EQ(fake.count("UpdateTable"), 3);
  EXPECT_EQ(r.result.changes, 4);  // stream, two replicas, sentinel
  EXPECT_EQ(fake.tables.at("orders").view, "NEW_AND_OLD_IMAGES");
}

TEST(Bootstrap, WhatItWillNotChangeIsAnErrorBeforeAnyChange) {
  {
    FakeDynamo fake;
    fake.add_table("orders", "id", true);
    Outcome r = run(three_regions(), fake);
    EXPECT_FALSE(r.result.ok);
    EXPECT_EQ(r.result.error,
              "table orders in eu-west-1 has key id (S) but the configuration says pk (S); "
              "drpilot does not change key schemas");
    EXPECT_TRUE(fake.only_reads());
  }
  {
    FakeDynamo fake;
    fake.add_table("orders", "pk", true);
    fake.tables["orders"].view = "KEYS_ONLY";
    Outcome r = run(three_regions(), fake);
    EXPECT_FALSE(r.result.ok);
    EXPECT_NE(r.result.error.find("has a stream of KEYS_ONLY; replicas need NEW_AND_OLD_IMAGES"),
              std::string::npos)
        << r.result.error;
    EXPECT_TRUE(fake.only_reads());
  }
}

TEST(Bootstrap, ServiceErrorsStopItWithTheirMessage) {
  FakeDynamo fake;
  DynamoResult denied;
  denied.http_status = 400;
  denied.error_code = "AccessDeniedException";
  denied.message = "AccessDeniedException: not authorized (DescribeTable orders)";
  fake.fail["DescribeTable"] = denied;
  Outcome r = run(three_regions(), fake);
  EXPECT_FALSE(r.result.ok);
  EXPECT_EQ(r.result.error, "cannot look at table orders in eu-west-1: " + denied.message);

  FakeDynamo put_fails;
  DynamoResult validation;
  validation.http_status = 400;
  validation.error_code = "ValidationException";
  validation.message = "ValidationException: bad item";
  put_fails.fail["PutItem"] = validation;
  r = run(three_regions(), put_fails);
  EXPECT_FALSE(r.result.ok);
  EXPECT_EQ(r.result.error,
            "cannot write the sentinel item of orders: ValidationException: bad item");
  EXPECT_EQ(r.result.changes, 3);
}

TEST(Bootstrap, AFailedReplicaAndAnEndlessWaitAreErrors) {
  FakeDynamo fake;
  fake.add_table("orders", "pk", true, {"us-east-1", "ap-south-1"});
  fake.tables["orders"].replica_status["ap-south-1"] = "CREATION_FAILED";
  Outcome r = run(three_regions(), fake);
  EXPECT_FALSE(r.result.ok);
  EXPECT_EQ(r.result.error,
            "the replica of orders in ap-south-1 failed to be created (CREATION_FAILED)");

  FakeDynamo stuck;
  stuck.add_table("orders", "pk", true, {"us-east-1", "ap-south-1"});
  stuck.tables["orders"].replica_status["us-east-1"] = "INACCESSIBLE_ENCRYPTION_CREDENTIALS";
  BootstrapPlan plan = three_regions();
  plan.wait_timeout = core::Duration{100};
  r = run(plan, stuck);
  EXPECT_FALSE(r.result.ok);
  EXPECT_EQ(r.result.error,
            "orders: table and replicas not ACTIVE after 100ms (table ACTIVE, us-east-1 "
            "INACCESSIBLE_ENCRYPTION_CREDENTIALS, ap-south-1 ACTIVE)");
}

TEST(Bootstrap, ASentinelWithMoreAttributesIsKept) {
  FakeDynamo fake;
  fake.add_table("orders", "pk", true, {"us-east-1", "ap-south-1"});
  json item = sentinel_item();
  item["checked_by"] = {{"S", "ops"}};
  fake.tables["orders"].items.push_back(item);
  Outcome r = run(three_regions(), fake);
  ASSERT_TRUE(r.result.ok) << r.result.error;
  EXPECT_EQ(r.result.changes, 0);
  EXPECT_EQ(fake.count("PutItem"), 0);

  // Another value of a configured attribute is rewritten.
  fake.tables["orders"].items[0]["note"] = {{"S", "changed"}};
  r = run(three_regions(), fake);
  ASSERT_TRUE(r.result.ok) << r.result.error;
  EXPECT_EQ(r.result.changes, 1);
  EXPECT_EQ(fake.tables["orders"].items[0], sentinel_item());
}

TEST(Bootstrap, ATableWithoutAKnownKeyIsNotCreatedButGetsItsReplicas) {
  BootstrapPlan plan = three_regions();
  plan.tables[0].hash_key = {};
  plan.tables[0].sentinel = json();
  FakeDynamo missing;
  Outcome r = run(plan, missing);
  EXPECT_FALSE(r.result.ok);
  EXPECT_NE(r.result.error.find("table orders does not exist in eu-west-1 and its key schema "
                                "is not known"),
            std::string::npos)
      << r.result.error;
  EXPECT_TRUE(missing.only_reads());

  FakeDynamo existing;
  existing.add_table("orders", "anything", true);
  r = run(plan, existing);
  ASSERT_TRUE(r.result.ok) << r.result.error;
  EXPECT_EQ(r.result.changes, 2);
  EXPECT_EQ(existing.tables["orders"].replicas.size(), 2u);
}

TEST(Bootstrap, PlansThatCannotWorkAreRefused) {
  auto error_of = [](const std::function<void(BootstrapPlan&)>& change) {
    BootstrapPlan p = three_regions();
    change(p);
    return validate_plan(p);
  };
  EXPECT_EQ(error_of([](BootstrapPlan&) {}), "");
  EXPECT_EQ(error_of([](BootstrapPlan& p) { p.tables[0].regions.push_back("sa-east-1"); }),
            "table orders: region sa-east-1 is not a data region");
  EXPECT_EQ(error_of([](BootstrapPlan& p) { p.tables[0].regions.push_back("us-east-1"); }),
            "table orders: region us-east-1 is listed twice");
  EXPECT_EQ(error_of([](BootstrapPlan& p) { p.tables.push_back(p.tables[0]); }),
            "table orders is listed twice");
  EXPECT_EQ(error_of([](BootstrapPlan& p) { p.tables[0].name = "a b"; }),
            "'a b' is not a DynamoDB table name (3 to 255 of a-z A-Z 0-9 _ - .)");
  EXPECT_EQ(error_of([](BootstrapPlan& p) { p.tables[0].hash_key.type = "X"; }),
            "table orders: key attribute types are S, N or B");
  EXPECT_EQ(error_of([](BootstrapPlan& p) { p.tables[0].sentinel.erase("pk"); }),
            "table orders: sentinel item lacks the key attribute pk");
  EXPECT_EQ(error_of([](BootstrapPlan& p) {
              p.tables[0].sentinel["pk"] = {{"N", "1"}};
            }),
            "table orders: sentinel item: key attribute pk must be of type S, as {\"S\": ...}");
  EXPECT_EQ(error_of([](BootstrapPlan& p) { p.tables[0].hash_key = {}; }),
            "table orders has a range key or a sentinel item but no hash key");
  EXPECT_EQ(error_of([](BootstrapPlan& p) { p.regions.push_back(p.regions[0]); }),
            "region eu-west-1 is listed twice");
  EXPECT_EQ(error_of([](BootstrapPlan& p) { p.tables[0].regions.clear(); }),
            "table orders names no region");

  FakeDynamo fake;
  BootstrapPlan bad = three_regions();
  bad.tables[0].regions.push_back("sa-east-1");
  EXPECT_FALSE(run(bad, fake).result.ok);
  EXPECT_TRUE(fake.log.empty());
}

// ---- the plan a configuration implies ---------------------------------------

config::Config load(const std::string& extra) {
  const std::string text = R"(sites:
  - name: ams
    endpoints: [192.0.2.1]
    data_regions: [eu, us]
records:
  - name: www.example.test
    sites: [ams]
aws:
  profile: shop
  credentials_file: /etc/drpilot/aws-credentials
data_regions:
  - name: eu
    region: eu-west-1
    endpoint: http://127.0.0.1:8001
    checks: [orders-sentinel]
  - name: us
    region: us-east-1
)" + extra;
  config::LoadResult r = config::load_config_string(text, "test.yaml", "/tmp");
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.ok() ? *r.config : config::Config{};
}

const std::string kGroups = R"(checks:
  - name: orders-sentinel
    type: dynamodb
    operation: sentinel
    table: orders
    key: '{"tenant": {"S": "drpilot"}, "id": {"N": "0"}}'
  - name: orders-describe
    type: dynamodb
    table: orders
table_groups:
  - name: shop
    tables: [orders, carts]
    primary_order: [us]
    canary_table: shop-canary
    canary_key: beat
)";

TEST(BootstrapConfig, RegionsTablesKeysAndSentinelsFromTheConfiguration) {
  const config::Config cfg = load(kGroups);
  std::string error;
  auto plan = bootstrap_plan_from_config(cfg, error);
  ASSERT_TRUE(plan) << error;
  ASSERT_EQ(plan->regions.size(), 2u);
  EXPECT_EQ(plan->regions[0].region, "eu-west-1");
  EXPECT_EQ(plan->regions[0].endpoint, "http://127.0.0.1:8001");
  EXPECT_EQ(plan->regions[1].region, "us-east-1");
  EXPECT_EQ(plan->regions[1].endpoint, "");
  ASSERT_EQ(plan->tables.size(), 3u);
  EXPECT_EQ(validate_plan(*plan), "");

  const TableSpec& orders = plan->tables[0];
  EXPECT_EQ(orders.name, "orders");
  // The write-primary preference first.
  EXPECT_EQ(orders.regions, (std::vector<std::string>{"us-east-1", "eu-west-1"}));
  // The key as written: hash key first, whatever the alphabet says.
  EXPECT_EQ(orders.hash_key.name, "tenant");
  EXPECT_EQ(orders.hash_key.type, "S");
  ASSERT_TRUE(orders.range_key);
  EXPECT_EQ(orders.range_key->name, "id");
  EXPECT_EQ(orders.range_key->type, "N");
  EXPECT_EQ(orders.sentinel["tenant"], json({{"S", "drpilot"}}));
  EXPECT_EQ(orders.sentinel["id"], json({{"N", "0"}}));
  EXPECT_TRUE(orders.sentinel.contains(kSentinelNoteAttribute));

  const TableSpec& carts = plan->tables[1];
  EXPECT_EQ(carts.name, "carts");
  EXPECT_EQ(carts.hash_key.name, "");  // no check names its key
  EXPECT_TRUE(carts.sentinel.is_null());

  const TableSpec& canary = plan->tables[2];
  EXPECT_EQ(canary.name, "shop-canary");
  EXPECT_EQ(canary.hash_key.name, "beat");
  EXPECT_EQ(canary.hash_key.type, "S");
  EXPECT_FALSE(canary.range_key);

  const CredentialOptions creds = credential_options_from_config(cfg);
  EXPECT_EQ(creds.profile, "shop");
  EXPECT_EQ(creds.credentials_file, "/etc/drpilot/aws-credentials");
}

TEST(BootstrapConfig, AnyWriterGroupsUseTheDataRegionOrder) {
  const config::Config cfg = load(R"(checks:
  - name: orders-sentinel
    type: dynamodb
    operation: sentinel
    table: orders
    key: '{"pk": {"S": "s"}}'
table_groups:
  - name: shop
    tables: [orders]
    write_mode: any
)");
  std::string error;
  auto plan = bootstrap_plan_from_config(cfg, error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->tables[0].regions, (std::vector<std::string>{"eu-west-1", "us-east-1"}));
}

TEST(BootstrapConfig, DisagreementsAndGapsAreErrors) {
  auto error_of = [](const std::string& extra) {
    std::string error;
    EXPECT_FALSE(bootstrap_plan_from_config(load(extra), error)) << extra;
    return error;
  };
  const std::string orders_check = R"(checks:
  - name: orders-sentinel
    type: dynamodb
    operation: sentinel
    table: orders
    key: '{"pk": {"S": "s"}}'
)";
  EXPECT_EQ(error_of(orders_check), "test.yaml has no table_groups: nothing to bootstrap");
  EXPECT_EQ(error_of(orders_check + R"(  - name: other
    type: dynamodb
    operation: sentinel
    table: orders
    key: '{"pk": {"S": "t"}}'
table_groups:
  - name: shop
    tables: [orders]
)"),
            "sentinel checks orders-sentinel and other of table orders read different items; "
            "bootstrap writes one sentinel item per table");
  EXPECT_EQ(error_of(orders_check + R"(  - name: other
    type: dynamodb
    operation: sentinel
    table: canary
    key: '{"id": {"N": "1"}}'
table_groups:
  - name: shop
    tables: [orders]
    canary_table: canary
)"),
            "table canary: sentinel check other gives the key id (N) but table group shop's "
            "canary_key gives pk (S)");
  EXPECT_EQ(error_of(R"(checks:
  - name: orders-sentinel
    type: dynamodb
    operation: sentinel
    table: orders
    key: '{"a": {"S": "1"}, "b": {"S": "2"}, "c": {"S": "3"}}'
table_groups:
  - name: shop
    tables: [orders]
)"),
            "sentinel check orders-sentinel: key must name one or two attributes (hash key "
            "first) in DynamoDB JSON, such as {\"pk\": {\"S\": \"drpilot-sentinel\"}}");
  EXPECT_EQ(error_of(R"(checks:
  - name: orders-sentinel
    type: dynamodb
    operation: sentinel
    table: orders
    key: '{"a": {"BOOL": true}}'
table_groups:
  - name: shop
    tables: [orders]
)"),
            "sentinel check orders-sentinel: key attribute a is of type BOOL; key attributes are "
            "S, N or B");
  EXPECT_EQ(error_of(orders_check + R"(table_groups:
  - name: shop
    tables: [orders]
  - name: more
    tables: [orders]
)"),
            "table orders is in more than one table group");
}

}  // namespace
}  // namespace drpilot::aws
