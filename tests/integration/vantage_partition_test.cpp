// The verdict rule across vantages (docs/vantages.md) under real partitions.
// Three sites (ams, nyc, sgp), each a namespace running its lab site and its
// own `drpilot agent` (which checks the site from inside and the other two
// from outside); the two data regions (eu-west-1, local to ams; us-east-1,
// local to nyc and sgp) in a namespace of their own; and the controllers,
// one (`drpilot run`) or three (`drpilot run --member` on a three-member
// etcd), each in its own namespace too. Links are cut with iptables
// (support/net_lab.h).
//
// Every row of the rule's table is played with one and with three
// controllers, and each asserts the DNS answers of every controller, the
// data assignments and the reasons; then a partition that heals during the
// hold-down, a flapping front door, and loss in one direction only.
//
// The row "every external vantage stale" cannot be made with real
// processes: a controller's own checks never fall silent (a failing check is
// a "down" observation), so every controller is always a fresh external
// vantage. The engine's tests play it (EngineVantageTest,
// tests/core/vantage_verdict_test.cpp).
//
// Skips, saying why, where namespaces cannot be made (not root), or etcd,
// dig, node or dynalite are missing.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "net/http.h"
#include "support/etcd_cluster.h"
#include "support/net_lab.h"
#include "support/process.h"

namespace drpilot {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

const std::vector<std::string> kSites = {"ams", "nyc", "sgp"};
const std::map<std::string, std::string> kLocalRegion = {
    {"ams", "eu-west-1"}, {"nyc", "us-east-1"}, {"sgp", "us-east-1"}};
// Every node has a namespace of its own, so the ports are fixed.
constexpr std::uint16_t kApiPort = 8080;
constexpr std::uint16_t kDnsPort = 53;
constexpr std::uint16_t kSitePort = 8080;
constexpr std::uint16_t kLabControlPort = 8079;
constexpr std::uint16_t kAgentPort = 8091;
constexpr std::uint16_t kEuPort = 8101;
constexpr std::uint16_t kUsPort = 8102;
const std::string kToken = "test-operator-token";
const std::string kAgentKey = "vantage-agent-key-5f2c81d0";
const std::string kName = "www.example.test";
const std::string kNodeModules = std::string(DRPILOT_SOURCE_DIR) + "/node_modules";

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

json get_json(const std::string& host, const std::string& path) {
  net::ClientRequest req;
  req.host = host;
  req.port = kApiPort;
  req.method = "GET";
  req.target = path;
  req.timeout = 2s;
  req.headers.push_back({"Authorization", "Bearer " + kToken});
  req.max_body = 4 << 20;  // a status with every vantage's view is larger than the default
  net::ClientResult r = net::http_request_sync(req);
  if (!r.ok || r.status != 200) return json();
  return json::parse(r.body, nullptr, false);
}

// The entry of `list` whose "name" is `name` (an empty object when none).
json named(const json& list, const std::string& name) {
  if (list.is_array()) {
    for (const json& e : list) {
      if (e.is_object() && e.value("name", "") == name) return e;
    }
  }
  return json::object();
}

// One suite per number of controllers; everything is started once per suite
// and each test begins from the steady state (every site and region up, DNS
// on ams, each site on its local region).
template <int Controllers>
class VantagePartition : public ::testing::Test {
 protected:
  static constexpr bool kCluster = Controllers > 1;

  static void SetUpTestSuite() {
    skip_ = testing::NetLab::unavailable();
    if (skip_.empty() && kCluster && !testing::EtcdCluster::installed()) {
      skip_ = "etcd is not installed";
    }
    if (skip_.empty() && !testing::have_program("dig")) skip_ = "dig (dnsutils) is not installed";
    if (skip_.empty() && !testing::have_program("node")) skip_ = "node is not installed";
    if (skip_.empty() && !std::filesystem::exists(kNodeModules + "/dynalite")) {
      skip_ = "dynalite is not installed in " + kNodeModules + " (scripts/install-deps)";
    }
    if (!skip_.empty()) return;
    // Inherited by every child: the lab's dynalite from this source tree, and
    // placeholder credentials (the lab regions accept any signature).
    setenv("DRPILOT_NODE_MODULES", kNodeModules.c_str(), 1);
    setenv("AWS_ACCESS_KEY_ID", "lab-test", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "lab-test-secret", 1);
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_PROFILE");
    world_ = new World();
    world_->start();
  }
  static void TearDownTestSuite() {
    delete world_;
    world_ = nullptr;
  }

  // Everything the suite runs, in the order it must stop: processes before
  // the namespaces they run in.
  struct World {
    testing::NetLab net;
    std::unique_ptr<testing::EtcdCluster> etcd;
    std::string dir = testing::make_temp_dir("drpilot-vantage-partition");
    std::vector<std::string> members;  // controller nodes
    std::vector<std::unique_ptr<testing::Process>> labs, agents, controllers;
    std::string error;  // why the world did not start

    ~World() {
      controllers.clear();
      agents.clear();
      labs.clear();
      etcd.reset();
      if (::testing::UnitTest::GetInstance()->failed_test_count() == 0) testing::remove_tree(dir);
    }

    std::string at(const std::string& node) const { return net.address(node); }

    void start() {
      if (!net.ok()) {
        error = net.why();
        return;
      }
      if (kCluster) {
        members = {"alpha", "bravo", "charlie"};
        etcd = std::make_unique<testing::EtcdCluster>(3, net);
        if (!etcd->ok()) {
          error = etcd->why();
          return;
        }
      } else {
        members = {"solo"};
      }
      for (const std::string& m : members) net.add(m);
      for (const std::string& s : kSites) net.add(s);
      net.add("data");
      testing::write_file(dir + "/site.tmpl",
                          "DATA_REGION={{data_region}}\nWRITE_REGION={{write_region}}\n");
      const std::string config = dir + "/drpilot.yaml";
      testing::write_file(config, common() + controllers_text());
      // The lab's processes, one per node.
      testing::write_file(dir + "/lab-data.yaml", common() + data_lab_text());
      labs.push_back(std::make_unique<testing::Process>(
          net.in("data", {DRPILOT_BINARY, "lab", "-c", dir + "/lab-data.yaml"}),
          dir + "/lab-data.log"));
      for (const std::string& s : kSites) {
        testing::write_file(dir + "/lab-" + s + ".yaml", common() + site_lab_text(s));
        labs.push_back(std::make_unique<testing::Process>(
            net.in(s, {DRPILOT_BINARY, "lab", "-c", dir + "/lab-" + s + ".yaml"}),
            dir + "/lab-" + s + ".log"));
      }
      const std::vector<std::string> lab_nodes = {"data", kSites[0], kSites[1], kSites[2]};
      for (std::size_t i = 0; i < lab_nodes.size(); ++i) {
        const std::string& node = lab_nodes[i];
        if (!testing::wait_until(
                [&] {
                  return testing::run_command({DRPILOT_BINARY, "lab", "--control",
                                               at(node) + ":" + std::to_string(kLabControlPort),
                                               "status"})
                             .exit_code == 0;
                },
                30s, 100ms)) {
          error = "the lab in " + node + " did not start:\n" + labs[i]->log();
          return;
        }
      }
      // The regions start empty: the tables, replicas and sentinel item the
      // checks need come from the operator's bootstrap.
      testing::CommandResult boot =
          testing::run_command({DRPILOT_BINARY, "bootstrap", "dynamodb", "-c", config});
      if (boot.exit_code != 0) {
        error = "bootstrap failed: " + boot.output;
        return;
      }
      for (const std::string& m : members) {
        std::vector<std::string> argv = {DRPILOT_BINARY, "run", "-c", config};
        if (kCluster) argv.insert(argv.end(), {"--member", m});
        controllers.push_back(
            std::make_unique<testing::Process>(net.in(m, argv), dir + "/" + m + ".log"));
      }
      for (const std::string& s : kSites) {
        agents.push_back(std::make_unique<testing::Process>(
            net.in(s, {DRPILOT_BINARY, "agent", "-c", config, "--name", s + "-agent"}),
            dir + "/" + s + "-agent.log"));
      }
    }

    // What every process reads.
    std::string common() const {
      // As the cluster suites' (cluster/cluster_settings.h), but a lone
      // controller listens on its own node.
      const std::string solo = kCluster ? "" : at("solo");
      std::ostringstream c;
      c << "journal:\n  path: journal.db\n"
        << "api:\n"
        << (kCluster ? "" : "  listen: " + solo + ":" + std::to_string(kApiPort) + "\n")
        << "  tokens:\n    - name: test\n      role: operator\n      token: " << kToken << "\n"
        << "dns:\n  listen: [" << (kCluster ? "127.0.0.1:0" : solo + ":" + std::to_string(kDnsPort))
        << "]\n  udp_threads: 1\n"
        << "  zones:\n    - name: example.test\n      ns:\n        - name: ns1.example.test\n"
        << "          addresses: [127.0.0.1]\n"
        << "policy:\n  failback: auto\n  hold_down: 2s\n  min_interval: 1s\n"
        << "  flap_window: 10m\n  flap_max_changes: 100\n"
        << "checks:\n  - name: web\n    type: http\n    port: " << kSitePort
        << "\n    path: /healthz\n    expect_body: ok\n"
        << "    interval: 250ms\n    edge_interval: 100ms\n    connect_timeout: 200ms\n"
        << "    timeout: 300ms\n    rise: 2\n    fall: 3\n"
        << "  - name: orders-table\n    type: dynamodb\n    operation: sentinel\n"
        << "    key: '{\"pk\": {\"S\": \"drpilot-sentinel\"}}'\n"
        << "    table: shop-orders\n    interval: 300ms\n    edge_interval: 100ms\n"
        << "    connect_timeout: 200ms\n    timeout: 400ms\n    rise: 2\n    fall: 2\n"
        << "sites:\n";
      for (std::size_t i = 0; i < kSites.size(); ++i) {
        const std::string& s = kSites[i];
        const std::string other = kLocalRegion.at(s) == "eu-west-1" ? "us-east-1" : "eu-west-1";
        c << "  - name: " << s << "\n    endpoints: [" << at(s) << "]\n    priority: " << i + 1
          << "\n    checks: [web]\n    data_regions: [" << kLocalRegion.at(s) << ", " << other
          << "]\n";
      }
      c << "data_regions:\n"
        << "  - name: eu-west-1\n    endpoint: http://" << at("data") << ":" << kEuPort
        << "\n    checks: [orders-table]\n"
        << "  - name: us-east-1\n    endpoint: http://" << at("data") << ":" << kUsPort
        << "\n    checks: [orders-table]\n"
        << "table_groups:\n  - name: shop\n    tables: [shop-orders]\n"
        << "    write_mode: single\n    primary_order: [eu-west-1, us-east-1]\n"
        << "    rpo_budget: 5s\n    primary_grace: 60s\n"
        << "agents:\n";
      for (const std::string& s : kSites) {
        c << "  - name: " << s << "-agent\n    site: " << s << "\n    key: " << kAgentKey
          << "\n    controllers: [";
        for (std::size_t i = 0; i < members.size(); ++i) {
          c << (i ? ", " : "") << "http://" << at(members[i]) << ":" << kApiPort;
        }
        c << "]\n    report_interval: 200ms\n    listen: " << at(s) << ":" << kAgentPort
          << "\n    template: site.tmpl\n    output: " << s << ".env\n    reload: [/bin/true]\n";
      }
      c << "records:\n  - name: " << kName << "\n    ttl: 30\n    sites: [ams, nyc, sgp]\n";
      return c.str();
    }

    std::string controllers_text() const {
      if (!kCluster) return "";
      std::ostringstream c;
      c << "cluster:\n  members:\n";
      for (const std::string& m : members) {
        c << "    - name: " << m << "\n      api: http://" << at(m) << ":" << kApiPort
          << "\n      dns: [" << at(m) << ":" << kDnsPort << "]\n      journal: " << m << ".db\n";
      }
      c << "  etcd:\n    prefix: /vantages/\n    lease_ttl: 2s\n    timeout: 500ms\n"
        << "    endpoints: [";
      for (int i = 0; i < etcd->size(); ++i) c << (i ? ", " : "") << etcd->endpoint(i);
      c << "]\n";
      return c.str();
    }

    std::string site_lab_text(const std::string& s) const {
      return "lab:\n  control: " + at(s) + ":" + std::to_string(kLabControlPort) +
             "\n  sites:\n    - name: " + s + "\n      listen: " + at(s) + ":" +
             std::to_string(kSitePort) + "\n";
    }
    std::string data_lab_text() const {
      return "lab:\n  control: " + at("data") + ":" + std::to_string(kLabControlPort) +
             "\n  sites: []\n  data_regions:\n    - name: eu-west-1\n      listen: " + at("data") +
             ":" + std::to_string(kEuPort) +
             "\n    - name: us-east-1\n      listen: " + at("data") + ":" +
             std::to_string(kUsPort) + "\n  replication_delay: 100ms\n";
    }
  };

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_EQ(world_->error, "");
    net().heal_all();
    if (kCluster) ASSERT_EQ(world_->etcd->restart_stopped(), "");
    for (const std::string& s : kSites) lab("heal", s);
    lab("heal", "eu-west-1", "data");
    lab("heal", "us-east-1", "data");
    ASSERT_TRUE(steady()) << dump_state();
  }

  void TearDown() override {
    if (!skip_.empty() || !world_) return;
    if (HasFailure()) {
      for (const auto& p : world_->controllers) {
        std::cerr << "---- " << p->log_path() << " (last lines) ----\n" << tail(p->log()) << "\n";
      }
    }
    net().heal_all();
  }

  static std::string tail(const std::string& log) {
    return log.size() > 6000 ? log.substr(log.size() - 6000) : log;
  }

  testing::NetLab& net() { return world_->net; }
  const std::vector<std::string>& members() const { return world_->members; }
  std::string at(const std::string& node) const { return world_->at(node); }

  void lab(const std::string& action, const std::string& what, const std::string& node = "") {
    const std::string where = node.empty() ? what : node;
    testing::CommandResult r =
        testing::run_command({DRPILOT_BINARY, "lab", "--control",
                              at(where) + ":" + std::to_string(kLabControlPort), action, what});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  json status(const std::string& member) { return get_json(at(member), "/api/v1/status"); }
  // The member that leads (the only one without a cluster); "" if none.
  std::string leader() {
    if (!kCluster) return members()[0];
    for (const std::string& m : members()) {
      const json s = status(m);
      if (s.is_object() && s["cluster"].value("role", "") == "leader") return m;
    }
    return "";
  }
  json leader_status() {
    const std::string l = leader();
    return l.empty() ? json() : status(l);
  }
  std::vector<std::string> dig(const std::string& member) {
    return testing::dig_short_at(at(member), kDnsPort, kName);
  }
  // Every controller answers `site`.
  bool answering(const std::string& site) {
    for (const std::string& m : members()) {
      if (dig(m) != std::vector<std::string>{at(site)}) return false;
    }
    return true;
  }
  std::string answers() {
    std::string s;
    for (const std::string& m : members()) s += m + " answers " + json(dig(m)).dump() + "; ";
    return s;
  }
  // The leader's view of `site`: its verdict and reason.
  json site_status(const std::string& site) {
    const json s = leader_status();
    return s.is_object() ? named(s["sites"], site) : json::object();
  }
  // `site`'s assignment in the table group, from the leader.
  json assignment(const std::string& site) {
    const json s = leader_status();
    if (!s.is_object()) return json::object();
    const json g = named(s.value("table_groups", json()), "shop");
    const json a = g.value("assignments", json::object());
    if (a.is_object() && a.contains(site)) return a[site];
    if (a.is_array()) {
      for (const json& e : a) {
        if (e.is_object() && e.value("site", "") == site) return e;
      }
    }
    return json::object();
  }
  std::string region_of(const std::string& site) {
    return assignment(site).value("data_region", "");
  }

  // Every site and region up in the leader's eyes, seen fresh by every
  // vantage; every controller answering ams; each site on its local region.
  bool steady(std::chrono::milliseconds within = 60s) {
    return testing::wait_until(
        [&] {
          const json s = leader_status();
          if (!s.is_object()) return false;
          for (const std::string& site : kSites) {
            const json v = named(s["sites"], site);
            if (v.value("verdict", "") != "up") return false;
            // Every controller and every agent reports it, fresh.
            const json views = v["checks"][0]["vantages"];
            std::size_t fresh = 0;
            for (const json& x : views) fresh += x.value("fresh", false) && x["state"] == "up";
            if (fresh != members().size() + kSites.size()) return false;
            if (region_of(site) != kLocalRegion.at(site)) return false;
          }
          for (const char* r : {"eu-west-1", "us-east-1"}) {
            if (named(s["data_regions"], r).value("verdict", "") != "up") return false;
          }
          if (!s["controller"]["cut_off_vantages"].empty()) return false;
          return answering("ams");
        },
        within, 100ms);
  }

  std::string dump_state() {
    const json s = leader_status();
    std::string out = answers() + "\n";
    if (!s.is_object()) return out + "no leader status";
    return out + "sites: " + s["sites"].dump() + "\ndata: " + s["data_regions"].dump() +
           "\ngroups: " + s.value("table_groups", json()).dump() +
           "\ncontroller: " + s["controller"].dump() + "\nalerts: " + s["alerts"].dump();
  }

  // Within `within`, every controller answers `site`.
  ::testing::AssertionResult all_answer(const std::string& site,
                                        std::chrono::milliseconds within = 10s) {
    if (testing::wait_until([&] { return answering(site); }, within, 50ms)) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "not every controller answers " << site << ": " << dump_state();
  }
  // For `period`, every controller keeps answering `site` and the plan's
  // generation (the leader's) does not change.
  ::testing::AssertionResult nothing_moves(std::chrono::milliseconds period = 3s) {
    const std::uint64_t gen = generation();
    const Steady::time_point end = Steady::now() + period;
    while (Steady::now() < end) {
      if (!answering("ams")) {
        return ::testing::AssertionFailure() << "the answer moved: " << dump_state();
      }
      std::this_thread::sleep_for(100ms);
    }
    if (generation() != gen) {
      return ::testing::AssertionFailure()
             << "a new plan (generation " << gen << " -> " << generation() << "): " << dump_state();
    }
    return ::testing::AssertionSuccess();
  }
  std::uint64_t generation() {
    const json s = leader_status();
    return s.is_object() ? s["plan"].value("generation", std::uint64_t{0}) : 0;
  }
  // Waits until `vantage` sees `site`'s web check as `state` (fresh) in the
  // leader's status.
  bool seen_as(const std::string& site, const std::string& vantage, const std::string& state,
               std::chrono::milliseconds within = 10s) {
    return testing::wait_until(
        [&] {
          for (const json& x : web_check(site).value("vantages", json::array())) {
            if (x.value("vantage", "") == vantage) {
              return x.value("fresh", false) && x.value("state", "") == state;
            }
          }
          return false;
        },
        within, 100ms);
  }
  // The leader reports `vantage` as cut off.
  bool reported_cut_off(const std::string& vantage, std::chrono::milliseconds within = 10s) {
    return testing::wait_until(
        [&] {
          const json s = leader_status();
          if (!s.is_object()) return false;
          for (const json& v : s["controller"]["cut_off_vantages"]) {
            if (v == vantage) return true;
          }
          // A controller that is itself the one cut off has an alert of its own.
          if (vantage == vantage_of(leader())) {
            for (const json& a : s["alerts"]) {
              if (has(a.get<std::string>(), "probably the one cut off")) return true;
            }
          }
          return false;
        },
        within, 100ms);
  }
  // The vantage name a controller reports under: its member name, or the
  // lone controller's `controller.vantage`.
  std::string vantage_of(const std::string& member) const {
    return kCluster ? member : "controller";
  }
  // How the leader's status shows `site`'s web check (its reason and every
  // vantage's view).
  json web_check(const std::string& site) {
    const json checks = site_status(site).value("checks", json::array());
    return checks.empty() ? json::object() : checks[0];
  }
  // A follower when there is one (the leader otherwise).
  std::string some_follower() {
    const std::string l = leader();
    for (const std::string& m : members()) {
      if (m != l) return m;
    }
    return l;
  }

  static std::string skip_;
  static World* world_;
};

template <int C>
std::string VantagePartition<C>::skip_;
template <int C>
typename VantagePartition<C>::World* VantagePartition<C>::world_ = nullptr;

// The rows, written once and played by both suites.
#define VANTAGE_ROWS(Suite)                                                 \
  TEST_F(Suite, UnreachableFromOutsideButHealthyInsideFailsOver) {          \
    unreachable_from_outside();                                             \
  }                                                                         \
  TEST_F(Suite, BrokenInsideAndOutsideFailsOver) {                          \
    broken_everywhere();                                                    \
  }                                                                         \
  TEST_F(Suite, AControllerCutOffFromEverySiteMovesNothingAndIsReported) {  \
    controller_cut_off();                                                   \
  }                                                                         \
  TEST_F(Suite, AnAgentCutOffFromEveryOtherSiteMovesNothingAndIsReported) { \
    agent_cut_off();                                                        \
  }                                                                         \
  TEST_F(Suite, TheLinkBetweenTwoSitesBrokenMovesNothing) {                 \
    sites_cut_apart();                                                      \
  }                                                                         \
  TEST_F(Suite, ASiteDeadWithItsAgentIsDecidedByTheOthers) {                \
    dead_with_its_agent();                                                  \
  }                                                                         \
  TEST_F(Suite, AMinorityOfExternalVantagesSeeingItDownMovesNothing) {      \
    minority_down();                                                        \
  }                                                                         \
  TEST_F(Suite, ASiteThatCannotReachItsLocalRegionMovesItsReadsAlone) {     \
    region_unreachable_from_site();                                         \
  }                                                                         \
  TEST_F(Suite, AControllerThatCannotReachARegionMovesNoData) {             \
    region_cut_from_controller();                                           \
  }                                                                         \
  TEST_F(Suite, ARegionDownForEveryoneMovesItsSites) {                      \
    region_down();                                                          \
  }                                                                         \
  TEST_F(Suite, APartitionHealedDuringTheHoldDownReturnsOnceAfterIt) {      \
    heals_in_hold_down();                                                   \
  }                                                                         \
  TEST_F(Suite, AFlappingFrontDoorMakesAtMostOneChange) {                   \
    flapping();                                                             \
  }                                                                         \
  TEST_F(Suite, LossInOneDirectionFromAControllerMovesNothing) {            \
    one_way_from_controller();                                              \
  }                                                                         \
  TEST_F(Suite, ASiteWhoseRepliesAreLostFailsOver) {                        \
    replies_lost();                                                         \
  }

template <int C>
class Rows : public VantagePartition<C> {
 protected:
  using Base = VantagePartition<C>;
  using Base::answering;
  using Base::assignment;
  using Base::at;
  using Base::dump_state;
  using Base::lab;
  using Base::leader;
  using Base::members;
  using Base::net;
  using Base::region_of;
  using Base::seen_as;
  using Base::site_status;

  // Row 1: the front door is gone; inside, the site works.
  void unreachable_from_outside() {
    net().close_port("ams", kSitePort);
    EXPECT_TRUE(this->all_answer("nyc"));
    const json ams = site_status("ams");
    EXPECT_EQ(ams.value("verdict", ""), "down") << ams.dump();
    const std::string why = ams.value("reason", "");
    EXPECT_TRUE(has(why, "external vantages see it down")) << why;
    EXPECT_TRUE(has(why, "its own agent sees it up")) << why;
    // History keeps the vantage matrix behind the change.
    const json h = get_json(at(leader()), "/api/v1/history?limit=500");
    json change;
    for (const json& e : h.value("events", json::array())) {
      if (e["kind"] == "verdict" && e["subject"] == "ams/web" &&
          e["data"]["after"].value("state", "") == "down") {
        change = e;
        break;  // newest first
      }
    }
    ASSERT_TRUE(change.is_object()) << h.dump();
    std::map<std::string, std::string> matrix;
    for (const json& v : change["data"]["vantages"]) {
      matrix[v.value("vantage", "")] = v.value("side", "") + "/" + v.value("state", "");
    }
    EXPECT_EQ(matrix["ams-agent"], "internal/up") << change.dump();
    EXPECT_EQ(matrix.size(), members().size() + kSites.size()) << change.dump();
    // The data side has no reason to move.
    EXPECT_EQ(region_of("ams"), "eu-west-1") << dump_state();
    EXPECT_EQ(region_of("nyc"), "us-east-1") << dump_state();
  }

  // Row 2: 503 for everyone, inside too.
  void broken_everywhere() {
    lab("break", "ams");
    EXPECT_TRUE(this->all_answer("nyc"));
    // The outside may decide before ams's own agent has counted its failures
    // (fall 3): then the reason says so a moment later.
    std::string why;
    EXPECT_TRUE(testing::wait_until(
        [&] {
          why = site_status("ams").value("reason", "");
          return has(why, "its own agent sees it down too");
        },
        5s, 100ms))
        << why;
    EXPECT_EQ(region_of("nyc"), "us-east-1") << dump_state();
  }

  // Row 3, a controller: its checks of every site fail (the agents still
  // reach it).
  void controller_cut_off() {
    const std::string member = this->some_follower(), who = this->vantage_of(member);
    for (const std::string& s : kSites) net().cut_port(member, s, kSitePort);
    EXPECT_TRUE(seen_as("ams", who, "down")) << dump_state();
    EXPECT_TRUE(this->reported_cut_off(who)) << dump_state();
    EXPECT_TRUE(this->nothing_moves());
    for (const std::string& s : kSites) {
      EXPECT_EQ(site_status(s).value("verdict", ""), "up") << site_status(s).dump();
    }
  }

  // Row 3, an agent: nyc's agent loses its path to the other sites.
  void agent_cut_off() {
    for (const char* s : {"ams", "sgp"}) net().cut_port("nyc", s, kSitePort);
    EXPECT_TRUE(seen_as("ams", "nyc-agent", "down")) << this->web_check("ams").dump();
    EXPECT_TRUE(this->reported_cut_off("nyc-agent")) << dump_state();
    EXPECT_TRUE(this->nothing_moves());
    const std::string why = this->web_check("ams").value("reason", "");
    EXPECT_TRUE(has(why, "not a majority: nyc-agent")) << why;
  }

  // Row 4: ams and nyc cannot reach each other; the controllers reach both.
  void sites_cut_apart() {
    net().cut("ams", "nyc");
    EXPECT_TRUE(seen_as("ams", "nyc-agent", "down")) << dump_state();
    EXPECT_TRUE(seen_as("nyc", "ams-agent", "down")) << dump_state();
    EXPECT_TRUE(this->nothing_moves());
    EXPECT_EQ(site_status("ams").value("verdict", ""), "up");
    EXPECT_EQ(site_status("nyc").value("verdict", ""), "up");
  }

  // Row 5: ams and its agent leave the network together.
  void dead_with_its_agent() {
    const Steady::time_point cut = Steady::now();
    net().unplug("ams");
    EXPECT_TRUE(this->all_answer("nyc"));
    // Decided by the external vantages as soon as they see it: no wait for
    // the dead agent's vote to go stale (freshness 5 s).
    EXPECT_LT(Steady::now() - cut, 4s);
    const std::string why = site_status("ams").value("reason", "");
    EXPECT_TRUE(has(why, "external vantages see it down")) << why;
  }

  // Row 6: only sgp's agent sees ams down.
  void minority_down() {
    net().cut_port("sgp", "ams", kSitePort);
    EXPECT_TRUE(seen_as("ams", "sgp-agent", "down")) << dump_state();
    EXPECT_TRUE(this->nothing_moves());
    const json ams = site_status("ams");
    EXPECT_EQ(ams.value("verdict", ""), "up");
    // Status says who sees what.
    const std::string why = this->web_check("ams").value("reason", "");
    EXPECT_TRUE(has(why, "only 1 of")) << why;
    EXPECT_TRUE(has(why, "not a majority: sgp-agent")) << why;
  }

  // The data side: ams's agent cannot reach eu-west-1; everyone else can.
  void region_unreachable_from_site() {
    net().cut_port("ams", "data", kEuPort);
    EXPECT_TRUE(testing::wait_until([&] { return region_of("ams") == "us-east-1"; }, 10s, 100ms))
        << dump_state();
    const std::string why = assignment("ams").value("reason", "");
    EXPECT_TRUE(has(why, "eu-west-1 is down as seen from ams")) << why;
    EXPECT_TRUE(has(why, "though the other vantages reach it")) << why;
    const json s = this->leader_status();
    EXPECT_EQ(named(s["data_regions"], "eu-west-1").value("verdict", ""), "up") << dump_state();
    EXPECT_EQ(named(s["table_groups"], "shop").value("primary", ""), "eu-west-1");
    EXPECT_EQ(region_of("nyc"), "us-east-1");
    EXPECT_EQ(region_of("sgp"), "us-east-1");
    EXPECT_TRUE(answering("ams")) << dump_state();
    // Reachable again: back after the hold-down.
    net().heal_all();
    EXPECT_TRUE(testing::wait_until([&] { return region_of("ams") == "eu-west-1"; }, 10s, 100ms))
        << dump_state();
  }

  // One controller's path to eu-west-1 fails: no data moves.
  void region_cut_from_controller() {
    net().cut_port(this->some_follower(), "data", kEuPort);
    EXPECT_TRUE(this->nothing_moves(4s));
    EXPECT_EQ(region_of("ams"), "eu-west-1") << dump_state();
  }

  // eu-west-1 fails for everyone: ams reads from us-east-1, and writes move
  // there (the group has no canary, so no RPO guard holds them).
  void region_down() {
    lab("break", "eu-west-1", "data");
    EXPECT_TRUE(testing::wait_until(
        [&] {
          const json s = this->leader_status();
          return s.is_object() &&
                 named(s["data_regions"], "eu-west-1").value("verdict", "") == "down" &&
                 named(s["table_groups"], "shop").value("primary", "") == "us-east-1" &&
                 region_of("ams") == "us-east-1";
        },
        10s, 100ms))
        << dump_state();
    // The plan that moved ams says why (its own agent may have seen the
    // region fail first: then ams moved alone, before the others agreed).
    const json h = get_json(at(leader()), "/api/v1/history?limit=500");
    bool explained = false;
    for (const json& e : h.value("events", json::array())) {
      const std::string m = e.value("message", "");
      explained |=
          e["kind"] == "plan" &&
          (has(m, "eu-west-1 is down (") || has(m, "eu-west-1 is down as seen from ams")) &&
          has(m, "so ams uses us-east-1");
    }
    EXPECT_TRUE(explained) << h.dump();
    const json g = named(this->leader_status()["table_groups"], "shop");
    EXPECT_TRUE(has(g.value("primary_change_reason", ""), "eu-west-1 is down")) << g.dump();
    EXPECT_TRUE(answering("ams")) << dump_state();
  }

  // Unreachable, failed over, reachable again within the hold-down: no
  // answer changes until the hold-down has passed, then exactly one.
  void heals_in_hold_down() {
    net().close_port("ams", kSitePort);
    ASSERT_TRUE(this->all_answer("nyc"));
    net().open_port("ams", kSitePort);
    const Steady::time_point healed = Steady::now();
    // Seen up again by the vantages (rise 2), still answered nyc.
    ASSERT_TRUE(testing::wait_until([&] { return site_status("ams").value("verdict", "") == "up"; },
                                    5s, 50ms));
    EXPECT_TRUE(answering("nyc")) << dump_state();
    ASSERT_TRUE(this->all_answer("ams"));
    EXPECT_GE(Steady::now() - healed, 2s) << "back before the 2 s hold-down";
  }

  // The front door closed 1 s, open 1 s, for 20 s: at most one change of
  // answer, and none back while it flaps.
  void flapping() {
    std::vector<std::vector<std::string>> seen{this->dig(members()[0])};
    const Steady::time_point end = Steady::now() + 20s;
    bool closed = false;
    Steady::time_point toggle = Steady::now();
    while (Steady::now() < end) {
      if (Steady::now() >= toggle) {
        closed ? net().open_port("ams", kSitePort) : net().close_port("ams", kSitePort);
        closed = !closed;
        toggle += 1s;
      }
      const std::vector<std::string> now = this->dig(members()[0]);
      if (now != seen.back()) seen.push_back(now);
      std::this_thread::sleep_for(50ms);
    }
    if (closed) net().open_port("ams", kSitePort);
    EXPECT_LE(seen.size(), 2u) << json(seen).dump();
  }

  // Packets from a controller to ams are lost; ams's to it pass.
  void one_way_from_controller() {
    const std::string member = this->some_follower(), who = this->vantage_of(member);
    net().cut_one_way(member, "ams");
    EXPECT_TRUE(seen_as("ams", who, "down")) << dump_state();
    EXPECT_TRUE(this->nothing_moves());
  }

  // Everything ams sends is lost (its replies included): nobody outside
  // gets an answer from it, so it is down.
  void replies_lost() {
    net().mute("ams");
    EXPECT_TRUE(this->all_answer("nyc"));
    const std::string why = site_status("ams").value("reason", "");
    EXPECT_TRUE(has(why, "external vantages see it down") || has(why, "vantages see it down"))
        << why;
  }
};

using OneController = Rows<1>;
using ThreeControllers = Rows<3>;
VANTAGE_ROWS(OneController)
VANTAGE_ROWS(ThreeControllers)

}  // namespace
}  // namespace drpilot
