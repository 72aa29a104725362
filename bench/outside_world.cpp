#include "outside_world.h"

#include <csignal>
#include <sstream>

#include "dns/client.h"
#include "lab_bench.h"
#include "support/net_lab.h"
#include "support/process.h"

namespace drpilot::bench {

using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kSites = {"ams", "nyc"};
// Every node has a namespace of its own, so the ports are fixed.
constexpr std::uint16_t kApiPort = 8080;
constexpr std::uint16_t kDnsPort = 53;
constexpr std::uint16_t kSitePort = 8000;
constexpr std::uint16_t kControlPort = 8079;
constexpr std::uint16_t kAgentPort = 8091;

}  // namespace

struct OutsideWorld::Parts {
  testing::NetLab net;
  TempDir dir{"bench-rto-outside"};
  std::vector<std::unique_ptr<testing::Process>> processes;  // stopped before the namespaces go

  ~Parts() {
    for (auto& p : processes) p->stop(SIGTERM);
    processes.clear();
  }

  std::string at(const std::string& node) const { return net.address(node); }

  // examples/lab.yaml's checks, policy and agents, on the namespaces'
  // addresses; no data regions (the fault is the site's).
  std::string config() const {
    std::ostringstream c;
    c << "journal:\n  path: journal.db\n"
      << "api:\n  listen: " << at("controller") << ":" << kApiPort << "\n"
      << "dns:\n  listen: [" << at("controller") << ":" << kDnsPort << "]\n"
      << "  zones:\n    - name: example.test\n      ns:\n        - name: ns1.example.test\n"
      << "          addresses: [127.0.0.1]\n"
      << "policy:\n  failback: auto\n  hold_down: 1s\n  min_interval: 0s\n"
      << "  flap_window: 10m\n  flap_max_changes: 1000\n"
      << "checks:\n  - name: web\n    type: http\n    port: " << kSitePort
      << "\n    path: /healthz\n    expect_status: [200]\n    expect_body: ok\n"
      << "    interval: 250ms\n    edge_interval: 100ms\n    jitter: 10%\n"
      << "    connect_timeout: 200ms\n    timeout: 300ms\n    rise: 2\n    fall: 3\n"
      << "sites:\n";
    for (std::size_t i = 0; i < kSites.size(); ++i) {
      c << "  - name: " << kSites[i] << "\n    endpoints: [" << at(kSites[i])
        << "]\n    priority: " << i + 1 << "\n    checks: [web]\n";
    }
    c << "agents:\n";
    for (const std::string& s : kSites) {
      c << "  - name: " << s << "-agent\n    site: " << s
        << "\n    key: bench-agent-key-0001\n    controllers: [http://" << at("controller") << ":"
        << kApiPort << "]\n    report_interval: 500ms\n    listen: " << at(s) << ":" << kAgentPort
        << "\n    template: " << dir.path << "/site.tmpl\n    output: " << s
        << ".env\n    reload: [/bin/true]\n";
    }
    c << "records:\n  - name: www.example.test\n    type: A\n    mode: failover\n    ttl: 30\n"
      << "    sites: [ams, nyc]\n";
    return c.str();
  }
};

std::string OutsideWorld::unavailable() {
  return testing::NetLab::unavailable();
}

OutsideWorld::OutsideWorld(const std::string& drpilot) : p_(std::make_unique<Parts>()) {
  if (!p_->net.ok()) die("network namespaces: " + p_->net.why());
  p_->net.add("controller");
  for (const std::string& s : kSites) p_->net.add(s);
  const std::string& dir = p_->dir.path;
  testing::write_file(dir + "/site.tmpl", "DATA_REGION={{data_region}}\n");
  const std::string config = p_->config();
  testing::write_file(dir + "/drpilot.yaml", config);
  for (const std::string& s : kSites) {
    testing::write_file(dir + "/lab-" + s + ".yaml", config + "lab:\n  control: " + p_->at(s) +
                                                         ":" + std::to_string(kControlPort) +
                                                         "\n  sites:\n    - name: " + s +
                                                         "\n      listen: " + p_->at(s) + ":" +
                                                         std::to_string(kSitePort) + "\n");
    p_->processes.push_back(std::make_unique<testing::Process>(
        p_->net.in(s, {drpilot, "lab", "-c", dir + "/lab-" + s + ".yaml"}),
        dir + "/lab-" + s + ".log"));
  }
  p_->processes.push_back(std::make_unique<testing::Process>(
      p_->net.in("controller", {drpilot, "run", "-c", dir + "/drpilot.yaml"}),
      dir + "/controller.log"));
  for (const std::string& s : kSites) {
    p_->processes.push_back(std::make_unique<testing::Process>(
        p_->net.in(s, {drpilot, "agent", "-c", dir + "/drpilot.yaml", "--name", s + "-agent"}),
        dir + "/" + s + "-agent.log"));
  }
  if (!wait_for([&] { return settled(); }, 30s)) {
    die("the namespaces' lab did not settle within 30s\n" + controller_log());
  }
}

OutsideWorld::~OutsideWorld() = default;

std::string OutsideWorld::site_address(const std::string& site) const {
  return p_->at(site);
}

std::vector<std::string> OutsideWorld::answer() const {
  auto m = dns::query(p_->at("controller"), kDnsPort, "www.example.test", 1, 200ms);
  std::vector<std::string> out;
  if (!m) return out;
  for (const auto& rr : m->answers) {
    if (auto* a = std::get_if<dns::AddressData>(&rr.data)) out.push_back(a->address);
  }
  return out;
}

bool OutsideWorld::settled() const {
  const nlohmann::json j = status(kApiPort, p_->at("controller"));
  if (j.is_null()) return false;
  for (const auto& s : j.value("sites", nlohmann::json::array())) {
    if (s.value("verdict", "") != "up") return false;
    int fresh_up = 0;
    for (const auto& v : s["checks"][0]["vantages"]) {
      fresh_up += v.value("fresh", false) && v.value("state", "") == "up";
    }
    if (fresh_up != 3) return false;  // the controller and both agents
  }
  return true;
}

void OutsideWorld::cut_off(const std::string& site) {
  p_->net.close_port(site, kSitePort);
}

void OutsideWorld::restore(const std::string& site) {
  p_->net.open_port(site, kSitePort);
}

std::string OutsideWorld::controller_log() const {
  return p_->processes.size() > kSites.size() ? p_->processes[kSites.size()]->log() : "";
}

}  // namespace drpilot::bench
