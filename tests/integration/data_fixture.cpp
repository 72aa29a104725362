#include "integration/data_fixture.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

namespace drpilot::testing {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kNodeModules = std::string(DRPILOT_SOURCE_DIR) + "/node_modules";

// The entry of `list` whose `key` is `value`; an empty object when there is
// none, so that callers can use value() on it.
json named(const json& list, const std::string& key, const std::string& value) {
  if (!list.is_array()) return json::object();
  for (const json& e : list) {
    if (e.is_object() && e.value(key, "") == value) return e;
  }
  return json::object();
}

}  // namespace

std::map<std::string, std::string> parse_env(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

void DataFixture::SetUp() {
  LabFixture::SetUp();
  if (IsSkipped()) return;
  if (!have_program("node")) GTEST_SKIP() << "node is not installed (the lab's data regions)";
  if (!std::filesystem::exists(kNodeModules + "/dynalite")) {
    GTEST_SKIP() << "dynalite is not installed in " << kNodeModules << " (scripts/install-deps)";
  }
  // Inherited by every child: the lab's dynalite from this source tree, and
  // placeholder credentials (the lab regions accept any signature).
  setenv("DRPILOT_NODE_MODULES", kNodeModules.c_str(), 1);
  setenv("AWS_ACCESS_KEY_ID", "lab-test", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "lab-test-secret", 1);
  unsetenv("AWS_SESSION_TOKEN");
  unsetenv("AWS_PROFILE");

  std::set<std::uint16_t> used = {ports_.dns, ports_.api, ports_.control, ports_.site};
  auto another = [&used] {
    std::uint16_t p;
    do {
      p = free_port();
    } while (used.count(p));
    used.insert(p);
    return p;
  };
  eu_port_ = another();
  us_port_ = another();
  agent_ports_["ams-agent"] = another();
  agent_ports_["nyc-agent"] = another();
  // Nothing listens here on either site address: a web check against it
  // fails with "connect refused".
  do {
    dead_port_ = free_port("127.0.0.11");
  } while (used.count(dead_port_) || !free_port_on("127.0.0.12", dead_port_));

  // Every line complete or the file is torn: the last line tells.
  write_file(dir_ + "/site.tmpl",
             "DATA_REGION={{data_region}}\nWRITE_REGION={{write_region}}\nROLE={{role}}\n"
             "GENERATION={{generation}}\nCOMPLETE=yes\n");
  // The applier passes the assignment in the environment; one line per reload.
  write_file(dir_ + "/reload.sh",
             "echo \"$DRPILOT_GENERATION $DRPILOT_DATA_REGION $DRPILOT_ROLE\" >> \"$1\"\n");
  agents_config_path_ = dir_ + "/agents.yaml";
  write_config(data_config(ports_.site));
  write_file(agents_config_path_, data_config(ports_.site));
}

void DataFixture::TearDown() {
  for (auto& [name, p] : agents_) {
    if (p && ::testing::Test::HasFailure()) {
      std::cerr << "---- log of " << p->log_path() << " ----\n" << p->log() << "\n";
    }
    p.reset();
  }
  agents_.clear();
  LabFixture::TearDown();
}

std::string DataFixture::data_config(std::uint16_t web_port) const {
  const std::string api = "http://127.0.0.1:" + std::to_string(ports_.api);
  std::ostringstream c;
  c << "controller:\n  vantage: controller\n"
    << "journal:\n  path: journal.db\n"
    << "api:\n  listen: 127.0.0.1:" << ports_.api << "\n  token: " << kApiToken << "\n"
    << "dns:\n  listen: [127.0.0.1:" << ports_.dns << "]\n  udp_threads: 2\n"
    << "  zones:\n    - name: example.test\n      ns:\n        - name: ns1.example.test\n"
    << "          addresses: [127.0.0.1]\n"
    << "policy:\n  failback: auto\n  hold_down: 2s\n  min_interval: 1s\n"
    << "  flap_window: 10m\n  flap_max_changes: 100\n"
    << "checks:\n"
    << "  - name: web\n    type: http\n    port: " << web_port
    << "\n    path: /healthz\n    expect_body: ok\n"
    << "    interval: 250ms\n    edge_interval: 100ms\n    connect_timeout: 200ms\n"
    << "    timeout: 300ms\n    rise: 2\n    fall: 3\n";
  for (const char* op : {"describe", "sentinel"}) {
    c << "  - name: orders-" << (std::string(op) == "describe" ? "table" : "sentinel")
      << "\n    type: dynamodb\n    operation: " << op << "\n    table: shop-orders\n";
    if (std::string(op) == "sentinel") c << "    key: '{\"pk\": {\"S\": \"drpilot-sentinel\"}}'\n";
    c << "    interval: 300ms\n    edge_interval: 100ms\n    connect_timeout: 300ms\n"
      << "    timeout: 500ms\n    rise: 2\n    fall: 2\n";
  }
  c << "sites:\n"
    << "  - name: ams\n    endpoints: [127.0.0.11]\n    priority: 1\n    checks: [web]\n"
    << "    data_regions: [eu-west-1, us-east-1]\n"
    << "  - name: nyc\n    endpoints: [127.0.0.12]\n    priority: 2\n    checks: [web]\n"
    << "    data_regions: [us-east-1, eu-west-1]\n"
    << "data_regions:\n"
    << "  - name: eu-west-1\n    endpoint: http://127.0.0.1:" << eu_port_
    << "\n    checks: [orders-table, orders-sentinel]\n"
    << "  - name: us-east-1\n    endpoint: http://127.0.0.1:" << us_port_
    << "\n    checks: [orders-table, orders-sentinel]\n"
    << "table_groups:\n  - name: " << kGroup << "\n    tables: [shop-orders]\n"
    << "    write_mode: single\n    primary_order: [eu-west-1, us-east-1]\n"
    << "    rpo_budget: 5s\n    primary_grace: 60s\n    canary_table: drpilot-canary\n"
    << "    canary_interval: 200ms\n    lag_window: 1m\n"
    << "agents:\n";
  for (const auto& [name, port] : agent_ports_) {
    const std::string site = name.substr(0, name.find('-'));
    c << "  - name: " << name << "\n    site: " << site << "\n    key: " << kAgentKey
      << "\n    controllers: [" << api << "]\n    report_interval: 200ms\n"
      << "    listen: 127.0.0.1:" << port << "\n    template: site.tmpl\n"
      << "    output: " << site << ".env\n    reload: [/bin/sh, " << dir_ << "/reload.sh, "
      << reload_log(site) << "]\n    reload_timeout: 2s\n";
  }
  c << "records:\n  - name: www.example.test\n    ttl: 30\n    sites: [ams, nyc]\n"
    << "lab:\n  control: 127.0.0.1:" << ports_.control << "\n  sites:\n"
    << "    - name: ams\n      listen: 127.0.0.11:" << ports_.site << "\n"
    << "    - name: nyc\n      listen: 127.0.0.12:" << ports_.site << "\n"
    << "  data_regions:\n"
    << "    - name: eu-west-1\n      listen: 127.0.0.1:" << eu_port_ << "\n"
    << "    - name: us-east-1\n      listen: 127.0.0.1:" << us_port_ << "\n"
    << "  replication_delay: 300ms\n";
  return c.str();
}

void DataFixture::start_world(bool with_agents) {
  ASSERT_NO_FATAL_FAILURE(start_lab());
  // The lab's regions start empty; the tables, replicas and sentinel item the
  // checks and the canary need come from the operator's bootstrap.
  CommandResult boot = drpilot({"bootstrap", "dynamodb", "-c", config_path_});
  ASSERT_EQ(boot.exit_code, 0) << boot.output;
  ASSERT_NO_FATAL_FAILURE(start_controller());
  if (with_agents) {
    for (const auto& [name, port] : agent_ports_) ASSERT_NO_FATAL_FAILURE(start_agent(name));
  }
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s)) << api_get("/api/v1/status");
  ASSERT_TRUE(wait_for_site("ams", "up", 10s)) << api_get("/api/v1/status");
  ASSERT_TRUE(wait_for_site("nyc", "up", 10s)) << api_get("/api/v1/status");
  ASSERT_TRUE(wait_until(
      [&] {
        const json s = status();
        for (const char* r : {"eu-west-1", "us-east-1"}) {
          if (named(s.value("data_regions", json()), "name", r).value("verdict", "") != "up") {
            return false;
          }
        }
        return true;
      },
      10s, 50ms))
      << api_get("/api/v1/status");
  if (!with_agents) return;
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& [name, port] : agent_ports_) {
          if (agent_status(name).value("state", "") != "ok") return false;
        }
        return rendered("ams")["DATA_REGION"] == "eu-west-1" &&
               rendered("nyc")["DATA_REGION"] == "us-east-1";
      },
      10s, 50ms))
      << api_get("/api/v1/status");
}

void DataFixture::start_agent(const std::string& name) {
  agents_[name] = std::make_unique<Process>(
      std::vector<std::string>{DRPILOT_BINARY, "agent", "-c", agents_config_path_, "--name", name},
      dir_ + "/" + name + ".log");
  Process& p = *agents_[name];
  ASSERT_TRUE(
      wait_until([&] { return p.log().find("agent_started") != std::string::npos || !p.running(); },
                 10s, 20ms))
      << p.log();
  ASSERT_TRUE(p.running()) << p.log();
}

json DataFixture::status() {
  json s = json::parse(api_get("/api/v1/status"), nullptr, false);
  return s.is_discarded() ? json::object() : s;
}

json DataFixture::group() {
  return named(status().value("table_groups", json()), "name", kGroup);
}

json DataFixture::assignment(const std::string& site) {
  return named(group().value("assignments", json()), "site", site);
}

json DataFixture::lag(const std::string& from, const std::string& to) {
  for (const json& l : group().value("lag", json::array())) {
    if (l.value("from", "") == from && l.value("to", "") == to) return l;
  }
  return json::object();
}

std::string DataFixture::move_phase() {
  return group().value("move", json::object()).value("phase", "");
}

std::uint64_t DataFixture::generation() {
  return status().value("plan", json::object()).value("generation", std::uint64_t{0});
}

json DataFixture::agent_status(const std::string& name) {
  return named(status().value("agents", json()), "name", name);
}

std::vector<json> DataFixture::history() {
  json h = json::parse(api_get("/api/v1/history?limit=1000"), nullptr, false);
  if (h.is_discarded() || !h.contains("events")) return {};
  std::vector<json> out(h["events"].begin(), h["events"].end());
  // The API answers newest first.
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
    return a.value("id", std::int64_t{0}) < b.value("id", std::int64_t{0});
  });
  return out;
}

json DataFixture::find_event(const std::string& kind, const std::vector<std::string>& parts) {
  for (const json& e : history()) {
    if (e.value("kind", "") != kind) continue;
    const std::string message = e.value("message", "");
    bool all = true;
    for (const std::string& p : parts) all = all && message.find(p) != std::string::npos;
    if (all) return e;
  }
  return json();
}

std::map<std::string, std::string> DataFixture::rendered(const std::string& site) const {
  return parse_env(read_file(output_path(site)));
}

bool DataFixture::wait_rendered(const std::string& site, const std::string& key,
                                const std::string& value, std::chrono::milliseconds timeout) {
  return wait_until([&] { return rendered(site)[key] == value; }, timeout, 20ms);
}

}  // namespace drpilot::testing
