// `drpilot lab` with data regions, as a real process: three dynalite
// children behind the lab's endpoints, driven with plain DynamoDB JSON over
// HTTP and with the `drpilot lab` commands. Shows that the regions behave
// like one global table (tables everywhere, writes replicated after the
// delay and in order), that pausing replication and faults do what the
// operator asked, and that the children never outlive the lab.

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/http.h"
#include "net/loop.h"
#include "support/process.h"

namespace drpilot::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> kRegions = {"eu-west-1", "us-east-1", "ap-south-1"};
constexpr auto kDelay = 300ms;

// A DynamoDB request as an SDK sends it; the lab (like dynalite) wants it
// signed but does not check the signature.
net::ClientResult dynamo(std::uint16_t port, const std::string& op, const json& body) {
  net::ClientRequest c;
  c.method = "POST";
  c.host = "127.0.0.1";
  c.port = port;
  c.body = body.dump();
  c.max_body = 1024 * 1024;
  c.timeout = 5s;
  c.headers = {{"Content-Type", "application/x-amz-json-1.0"},
               {"X-Amz-Target", "DynamoDB_20120810." + op},
               {"X-Amz-Date", "20240101T000000Z"},
               {"Authorization",
                "AWS4-HMAC-SHA256 Credential=test/20240101/eu-west-1/dynamodb/aws4_request, "
                "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00"}};
  return net::http_request_sync(std::move(c));
}

json body_of(const net::ClientResult& r) {
  return json::parse(r.body, nullptr, false);
}

// Whether a process is alive (a zombie that nobody reaps is not), and its
// command line.
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

// Live processes whose command line mentions `needle`.
std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    const pid_t pid = std::stoi(name);
    if (cmdline.find(needle) != std::string::npos && pid != ::getpid() && alive(pid)) {
      out.push_back(pid);
    }
  }
  return out;
}

class DataLab : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("labdata");
    control_ = free_port();
    site_ = free_port();
    for (size_t i = 0; i < kRegions.size(); ++i) {
      std::uint16_t p;
      do {
        p = free_port();
      } while (p == control_ || p == site_ ||
               std::find(ports_.begin(), ports_.end(), p) != ports_.end());
      ports_.push_back(p);
    }
    config_ = dir_ + "/lab.yaml";
    write_file(config_, config_text());
  }

  void TearDown() override {
    if (lab_ && ::testing::Test::HasFailure()) {
      std::cerr << "---- log of " << lab_->log_path() << " ----\n" << lab_->log() << "\n";
    }
    lab_.reset();
    if (!dir_.empty()) remove_tree(dir_);
  }

  std::string config_text() const {
    std::string c = "sites:\n  - name: ams\n    endpoints: [127.0.0.11]\n    data_regions: [";
    for (size_t i = 0; i < kRegions.size(); ++i) c += (i ? ", " : "") + kRegions[i];
    c += "]\ndata_regions:\n";
    for (size_t i = 0; i < kRegions.size(); ++i) {
      c += "  - name: " + kRegions[i] +
           "\n    endpoint: http://127.0.0.1:" + std::to_string(ports_[i]) + "\n";
    }
    c += "records:\n  - name: www.example.test\n    sites: [ams]\n";
    c += "lab:\n  control: 127.0.0.1:" + std::to_string(control_) + "\n";
    c += "  replication_delay: " + std::to_string(kDelay.count()) + "ms\n";
    c += "  sites:\n    - name: ams\n      listen: 127.0.0.1:" + std::to_string(site_) + "\n";
    c += "  data_regions:\n";
    for (size_t i = 0; i < kRegions.size(); ++i) {
      c += "    - name: " + kRegions[i] + "\n      listen: 127.0.0.1:" + std::to_string(ports_[i]) +
           "\n";
    }
    return c;
  }

  // Starts `drpilot lab` (with `env` in front, e.g. DRPILOT_NODE_MODULES=...).
  std::unique_ptr<Process> spawn_lab(const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv;
    if (!env.empty()) {
      argv.push_back("/usr/bin/env");
      argv.insert(argv.end(), env.begin(), env.end());
    }
    argv.insert(argv.end(), {DRPILOT_BINARY, "lab", "-c", config_});
    return std::make_unique<Process>(argv, dir_ + "/lab.log");
  }

  void start_lab() {
    if (!have_program("node")) GTEST_SKIP() << "node is not installed (scripts/install-deps)";
    lab_ = spawn_lab();
    ASSERT_TRUE(wait_until([&] { return lab_cmd({"status"}).exit_code == 0; }, 30s, 50ms))
        << lab_->log();
  }

  CommandResult lab_cmd(std::vector<std::string> args) {
    args.insert(args.begin(), {DRPILOT_BINARY, "lab", "-c", config_});
    return run_command(args);
  }

  json regions_status() {
    net::ClientRequest c;
    c.host = "127.0.0.1";
    c.port = control_;
    c.target = "/data-regions";
    c.max_body = 64 * 1024;
    net::ClientResult r = net::http_request_sync(c);
    EXPECT_EQ(r.status, 200) << r.error << r.body;
    return json::parse(r.body, nullptr, false);
  }

  json region_status(const std::string& name) {
    json all = regions_status();
    for (const json& r : all.value("data_regions", json::array())) {
      if (r.value("name", "") == name) return r;
    }
    ADD_FAILURE() << "no data region " << name << " in " << all.dump();
    return json::object();
  }

  std::uint16_t port(const std::string& region) const {
    for (size_t i = 0; i < kRegions.size(); ++i) {
      if (kRegions[i] == region) return ports_[i];
    }
    ADD_FAILURE() << "unknown region " << region;
    return 0;
  }

  // Creates table `t` (hash key pk) through `region` and waits until every
  // region shows it ACTIVE.
  void create_table(const std::string& region, const std::string& t = "shop") {
    json req = {{"TableName", t},
                {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
                {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
                {"BillingMode", "PAY_PER_REQUEST"}};
    net::ClientResult r = dynamo(port(region), "CreateTable", req);
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    for (const std::string& other : kRegions) {
      ASSERT_TRUE(wait_until(
          [&] {
            net::ClientResult d = dynamo(port(other), "DescribeTable", {{"TableName", t}});
            return d.status == 200 && body_of(d)["Table"].value("TableStatus", "") == "ACTIVE";
          },
          10s, 50ms))
          << t << " is not ACTIVE in " << other;
    }
  }

  void put(const std::string& region, const json& item, const std::string& t = "shop") {
    net::ClientResult r = dynamo(port(region), "PutItem", {{"TableName", t}, {"Item", item}});
    ASSERT_EQ(r.status, 200) << r.error << r.body;
  }

  // The item with key `pk` in `region`: null when absent.
  json get(const std::string& region, const std::string& pk, const std::string& t = "shop") {
    net::ClientResult r =
        dynamo(port(region), "GetItem",
               {{"TableName", t}, {"Key", {{"pk", {{"S", pk}}}}}, {"ConsistentRead", true}});
    EXPECT_EQ(r.status, 200) << r.error << r.body;
    json b = body_of(r);
    return b.is_object() && b.contains("Item") ? b["Item"] : json();
  }

  std::string dir_, config_;
  std::uint16_t control_ = 0, site_ = 0;
  std::vector<std::uint16_t> ports_;
  std::unique_ptr<Process> lab_;
};

TEST_F(DataLab, TablesAreCreatedEverywhereAndShownAsGlobalTables) {
  start_lab();
  create_table("us-east-1");
  for (const std::string& region : kRegions) {
    net::ClientResult d = dynamo(port(region), "DescribeTable", {{"TableName", "shop"}});
    ASSERT_EQ(d.status, 200) << d.body;
    json t = body_of(d)["Table"];
    EXPECT_EQ(t["GlobalTableVersion"], "2019.11.21") << region;
    ASSERT_EQ(t["Replicas"].size(), kRegions.size()) << region;
    for (size_t i = 0; i < kRegions.size(); ++i) {
      EXPECT_EQ(t["Replicas"][i]["RegionName"], kRegions[i]) << region;
      EXPECT_EQ(t["Replicas"][i]["ReplicaStatus"], "ACTIVE") << region;
    }
  }

  // Adding a replica is answered as done: every lab region has it already.
  net::ClientResult u = dynamo(
      port("eu-west-1"), "UpdateTable",
      {{"TableName", "shop"}, {"ReplicaUpdates", {{{"Create", {{"RegionName", "sa-east-1"}}}}}}});
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(body_of(u)["TableDescription"]["TableName"], "shop");
  EXPECT_EQ(body_of(u)["TableDescription"]["Replicas"].size(), kRegions.size());

  // Dropping it in one region drops it everywhere.
  ASSERT_TRUE(wait_until(
      [&] {
        return dynamo(port("ap-south-1"), "DeleteTable", {{"TableName", "shop"}}).status == 200;
      },
      5s, 100ms));
  for (const std::string& region : kRegions) {
    EXPECT_TRUE(wait_until(
        [&] {
          net::ClientResult d = dynamo(port(region), "DescribeTable", {{"TableName", "shop"}});
          return d.status == 400 && d.body.find("ResourceNotFoundException") != std::string::npos;
        },
        10s, 50ms))
        << "shop still exists in " << region;
  }
}

TEST_F(DataLab, AWriteReachesTheOtherRegionsAfterTheDelay) {
  start_lab();
  create_table("eu-west-1");
  const json item = {{"pk", {{"S", "order-1"}}}, {"total", {{"N", "42"}}}};
  const auto sent = Clock::now();
  put("eu-west-1", item);
  EXPECT_EQ(get("eu-west-1", "order-1"), item);
  for (const std::string other : {"us-east-1", "ap-south-1"}) {
    Clock::time_point seen{};
    ASSERT_TRUE(wait_until(
        [&] {
          if (get(other, "order-1").is_null()) return false;
          seen = Clock::now();
          return true;
        },
        5s, 10ms))
        << other;
    // Not before about the delay, and not long after it.
    EXPECT_GE(seen - sent, kDelay / 2) << other;
    EXPECT_LT(seen - sent, kDelay + 2s) << other;
    EXPECT_EQ(get(other, "order-1"), item) << other;
  }

  // An update reaches the others as its result: ADD is not applied twice.
  net::ClientResult u = dynamo(port("us-east-1"), "UpdateItem",
                               {{"TableName", "shop"},
                                {"Key", {{"pk", {{"S", "order-1"}}}}},
                                {"UpdateExpression", "ADD #t :d"},
                                {"ExpressionAttributeNames", {{"#t", "total"}}},
                                {"ExpressionAttributeValues", {{":d", {{"N", "8"}}}}}});
  ASSERT_EQ(u.status, 200) << u.body;
  for (const std::string& region : kRegions) {
    EXPECT_TRUE(wait_until(
        [&] {
          return get(region, "order-1")["total"] == json{{"N", "50"}};
        },
        5s, 20ms))
        << region << ": " << get(region, "order-1").dump();
  }
  // Two replication delays: a late, older write would have landed by now.
  std::this_thread::sleep_for(2 * kDelay);
  for (const std::string& region : kRegions) {
    EXPECT_EQ(get(region, "order-1")["total"], json({{"N", "50"}})) << region;
  }

  // A delete too.
  ASSERT_EQ(dynamo(port("ap-south-1"), "DeleteItem",
                   {{"TableName", "shop"}, {"Key", {{"pk", {{"S", "order-1"}}}}}})
                .status,
            200);
  for (const std::string& region : kRegions) {
    EXPECT_TRUE(wait_until([&] { return get(region, "order-1").is_null(); }, 5s, 20ms)) << region;
  }
}

TEST_F(DataLab, BatchesAndUpdatesReplicateTheirResults) {
  start_lab();
  create_table("eu-west-1");
  put("eu-west-1", {{"pk", {{"S", "stock"}}}, {"n", {{"N", "10"}}}});
  put("eu-west-1", {{"pk", {{"S", "old"}}}});
  net::ClientResult b = dynamo(port("eu-west-1"), "BatchWriteItem",
                               {{"RequestItems",
                                 {{"shop",
                                   {{{"PutRequest", {{"Item", {{"pk", {{"S", "batch-1"}}}}}}}},
                                    {{"PutRequest", {{"Item", {{"pk", {{"S", "batch-2"}}}}}}}},
                                    {{"DeleteRequest", {{"Key", {{"pk", {{"S", "old"}}}}}}}}}}}}});
  ASSERT_EQ(b.status, 200) << b.body;
  // Without ReturnValues the lab reads the new image to replicate it.
  net::ClientResult u = dynamo(port("eu-west-1"), "UpdateItem",
                               {{"TableName", "shop"},
                                {"Key", {{"pk", {{"S", "stock"}}}}},
                                {"UpdateExpression", "ADD n :d"},
                                {"ExpressionAttributeValues", {{":d", {{"N", "-3"}}}}}});
  ASSERT_EQ(u.status, 200) << u.body;
  for (const std::string other : {"us-east-1", "ap-south-1"}) {
    EXPECT_TRUE(wait_until(
        [&] {
          return !get(other, "batch-1").is_null() && !get(other, "batch-2").is_null() &&
                 get(other, "old").is_null() && get(other, "stock")["n"] == json{{"N", "7"}};
        },
        5s, 20ms))
        << other << ": stock " << get(other, "stock").dump();
  }
  // Settled: two replication delays later, nothing was applied twice.
  std::this_thread::sleep_for(2 * kDelay);
  for (const std::string& region : kRegions) {
    EXPECT_EQ(get(region, "stock")["n"], json({{"N", "7"}})) << region;
  }
  EXPECT_EQ(region_status("eu-west-1")["queued"], 0);
}

TEST_F(DataLab, PausedReplicationQueuesAndResumeDeliversInOrder) {
  start_lab();
  create_table("eu-west-1");
  CommandResult p = lab_cmd({"pause-replication", "eu-west-1"});
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(p.output.find("paused"), std::string::npos) << p.output;

  constexpr int kWrites = 20;
  for (int i = 1; i <= kWrites; ++i) {
    put("eu-west-1", {{"pk", {{"S", "counter"}}}, {"n", {{"N", std::to_string(i)}}}});
    put("eu-west-1", {{"pk", {{"S", "item-" + std::to_string(i)}}}});
  }
  // Writes in the other direction are not paused.
  put("us-east-1", {{"pk", {{"S", "from-us"}}}});
  EXPECT_TRUE(wait_until([&] { return !get("eu-west-1", "from-us").is_null(); }, 5s, 20ms));

  // Three replication delays, in which the paused writes would have arrived
  // had they been sent (the other direction's did).
  std::this_thread::sleep_for(3 * kDelay);
  EXPECT_TRUE(get("us-east-1", "counter").is_null());
  EXPECT_TRUE(get("ap-south-1", "item-1").is_null());
  json st = region_status("eu-west-1");
  EXPECT_EQ(st["replication"], "paused");
  EXPECT_EQ(st["queued"], 2 * kWrites);
  EXPECT_EQ(st["queued_to"]["us-east-1"], 2 * kWrites);
  CommandResult s = lab_cmd({"status"});
  ASSERT_EQ(s.exit_code, 0) << s.output;
  EXPECT_NE(s.output.find("DATA REGIONS"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("paused"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find(std::to_string(2 * kWrites) + " queued"), std::string::npos) << s.output;
  for (const std::string& region : kRegions) {
    EXPECT_NE(s.output.find(region), std::string::npos) << s.output;
  }

  CommandResult r = lab_cmd({"resume-replication", "eu-west-1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("running"), std::string::npos) << r.output;
  // The counter only ever moves forward in the other regions: the writes
  // arrive in the order they were made.
  int last = 0;
  bool backwards = false;
  ASSERT_TRUE(wait_until(
      [&] {
        json c = get("us-east-1", "counter");
        if (c.is_null()) return false;
        const int n = std::stoi(c["n"]["N"].get<std::string>());
        if (n < last) backwards = true;
        last = n;
        return n == kWrites;
      },
      10s, 1ms));
  EXPECT_FALSE(backwards);
  for (int i = 1; i <= kWrites; ++i) {
    for (const std::string region : {"us-east-1", "ap-south-1"}) {
      EXPECT_TRUE(
          wait_until([&] { return !get(region, "item-" + std::to_string(i)).is_null(); }, 5s, 20ms))
          << region << " item-" << i;
    }
  }
  EXPECT_TRUE(wait_until([&] { return region_status("eu-west-1")["queued"] == 0; }, 5s, 20ms));
  EXPECT_EQ(region_status("eu-west-1")["replication"], "running");
}

TEST_F(DataLab, ABrokenRegionAnswers500AndCatchesUpAfterHeal) {
  start_lab();
  create_table("eu-west-1");
  CommandResult b = lab_cmd({"break", "eu-west-1"});
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_NE(b.output.find("500"), std::string::npos) << b.output;

  net::ClientResult r = dynamo(port("eu-west-1"), "PutItem",
                               {{"TableName", "shop"}, {"Item", {{"pk", {{"S", "lost"}}}}}});
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("InternalServerError"), std::string::npos) << r.body;
  r = dynamo(port("eu-west-1"), "DescribeTable", {{"TableName", "shop"}});
  EXPECT_EQ(r.status, 500);

  // The other regions work, and replicate among themselves but not into
  // the broken one.
  put("us-east-1", {{"pk", {{"S", "during"}}}});
  EXPECT_TRUE(wait_until([&] { return !get("ap-south-1", "during").is_null(); }, 5s, 20ms));
  // Two replication delays: a write into the broken region would have been
  // attempted (and dequeued) by now.
  std::this_thread::sleep_for(2 * kDelay);
  json st = region_status("us-east-1");
  EXPECT_EQ(st["queued_to"]["eu-west-1"], 1) << st.dump();
  EXPECT_EQ(region_status("eu-west-1")["fault"], "broken");
  EXPECT_EQ(region_status("eu-west-1")["receiving"], false);

  CommandResult h = lab_cmd({"heal", "eu-west-1"});
  ASSERT_EQ(h.exit_code, 0) << h.output;
  EXPECT_TRUE(wait_until([&] { return !get("eu-west-1", "during").is_null(); }, 5s, 20ms));
  EXPECT_TRUE(get("us-east-1", "lost").is_null());
  EXPECT_EQ(region_status("us-east-1")["queued"], 0);

  // Refused and blackholed regions are down too; slow ones are up.
  ASSERT_EQ(lab_cmd({"refuse", "ap-south-1"}).exit_code, 0);
  EXPECT_FALSE(dynamo(port("ap-south-1"), "ListTables", json::object()).ok);
  ASSERT_EQ(lab_cmd({"heal", "ap-south-1"}).exit_code, 0);
  ASSERT_EQ(lab_cmd({"slow", "ap-south-1", "400"}).exit_code, 0);
  const auto before = Clock::now();
  EXPECT_EQ(dynamo(port("ap-south-1"), "ListTables", json::object()).status, 200);
  EXPECT_GE(Clock::now() - before, 400ms);
  EXPECT_EQ(region_status("ap-south-1")["receiving"], true);
}

TEST_F(DataLab, UnknownRegionsAndActionsAreRefused) {
  start_lab();
  CommandResult r = lab_cmd({"pause-replication", "mars-1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("mars-1"), std::string::npos) << r.output;
  r = lab_cmd({"pause-replication", "ams"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("site"), std::string::npos) << r.output;
}

TEST_F(DataLab, WithoutDynaliteTheLabSaysHowToInstallItAndStartsNothing) {
  const std::string empty = dir_ + "/empty_node_modules";
  std::filesystem::create_directories(empty);
  auto lab = spawn_lab({"DRPILOT_NODE_MODULES=" + empty});
  const int code = lab->wait_exit(20s);
  EXPECT_NE(code, 0) << lab->log();
  EXPECT_NE(code, -1) << "it did not exit: " << lab->log();
  EXPECT_NE(lab->log().find("scripts/install-deps"), std::string::npos) << lab->log();
  EXPECT_TRUE(processes_mentioning(empty).empty());
  // Nothing listens: the endpoints were never opened.
  EXPECT_TRUE(free_port_on("127.0.0.1", ports_[0]));
  EXPECT_TRUE(free_port_on("127.0.0.1", control_));
}

TEST_F(DataLab, ADynaliteThatFailsToStartStopsTheLabAndTheOthers) {
  if (!have_program("node")) GTEST_SKIP() << "node is not installed";
  // The first child to load this "dynalite" fails; the others run the real
  // one, and must not be left behind when the lab gives up.
  const std::string modules = dir_ + "/flaky_node_modules";
  std::filesystem::create_directories(modules + "/dynalite");
  write_file(modules + "/dynalite/index.js",
             "const fs = require('fs');\n"
             "try { fs.writeFileSync(__dirname + '/claimed', '', {flag: 'wx'}); }\n"
             "catch (e) { module.exports = require('" DRPILOT_SOURCE_DIR
             "/node_modules/dynalite'); return; }\n"
             "process.stderr.write('simulated dynalite failure\\n');\n"
             "process.exit(3);\n");
  auto lab = spawn_lab({"DRPILOT_NODE_MODULES=" + modules});
  const int code = lab->wait_exit(30s);
  EXPECT_NE(code, 0) << lab->log();
  EXPECT_NE(code, -1) << "it did not exit: " << lab->log();
  EXPECT_NE(lab->log().find("simulated dynalite failure"), std::string::npos) << lab->log();
  EXPECT_NE(lab->log().find("exited with status 3"), std::string::npos) << lab->log();
  EXPECT_TRUE(wait_until([&] { return processes_mentioning(modules).empty(); }, 5s))
      << processes_mentioning(modules).size() << " dynalite processes outlived the lab";
}

TEST_F(DataLab, AnEndpointThatCannotListenStopsTheLabAndItsDynalites) {
  if (!have_program("node")) GTEST_SKIP() << "node is not installed";
  // The real dynalite under a path of this test's own, to find its children by.
  const std::string modules = dir_ + "/node_modules";
  std::filesystem::create_directories(modules);
  std::filesystem::create_directory_symlink(DRPILOT_SOURCE_DIR "/node_modules/dynalite",
                                            modules + "/dynalite");
  // Another server holds the second region's address.
  net::Loop loop;
  net::HttpServer squatter(loop, "127.0.0.1", ports_[1],
                           [](const net::ServerRequest&, net::Responder r) { r({}); });
  squatter.start();
  auto lab = spawn_lab({"DRPILOT_NODE_MODULES=" + modules});
  const int code = lab->wait_exit(30s);
  EXPECT_NE(code, 0) << lab->log();
  EXPECT_NE(code, -1) << "it did not exit: " << lab->log();
  EXPECT_NE(lab->log().find("127.0.0.1:" + std::to_string(ports_[1])), std::string::npos)
      << lab->log();
  EXPECT_TRUE(wait_until([&] { return processes_mentioning(modules).empty(); }, 5s))
      << processes_mentioning(modules).size() << " dynalite processes outlived the lab";
  EXPECT_TRUE(free_port_on("127.0.0.1", ports_[0]));
  squatter.stop();
}

class DataLabExit : public DataLab, public ::testing::WithParamInterface<int> {};

TEST_P(DataLabExit, TheDynalitesDieWithTheLab) {
  start_lab();
  std::vector<pid_t> children;
  const json all = regions_status();
  for (const json& r : all["data_regions"]) {
    ASSERT_TRUE(r["dynalite"]["running"].get<bool>()) << r.dump();
    children.push_back(r["dynalite"]["pid"].get<pid_t>());
  }
  ASSERT_EQ(children.size(), kRegions.size());
  for (pid_t c : children) ASSERT_TRUE(alive(c)) << c;
  for (pid_t c : children) {
    std::ifstream in("/proc/" + std::to_string(c) + "/cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_NE(cmdline.find("dynalite"), std::string::npos) << cmdline;
  }

  const int status = lab_->stop(GetParam(), 10s);
  ASSERT_NE(status, -1) << "the lab did not exit";
  if (GetParam() == SIGTERM) {
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  for (pid_t c : children) {
    EXPECT_TRUE(wait_until([&] { return !alive(c); }, 5s))
        << "dynalite " << c << " outlived the lab";
  }
  for (std::uint16_t p : ports_) EXPECT_TRUE(free_port_on("127.0.0.1", p)) << p;
}

INSTANTIATE_TEST_SUITE_P(Signals, DataLabExit, ::testing::Values(SIGTERM, SIGKILL),
                         [](const auto& info) {
                           return info.param == SIGTERM ? "SIGTERM" : "SIGKILL";
                         });

}  // namespace
}  // namespace drpilot::testing
