#include "integration/lab_fixture.h"

#include <nlohmann/json.hpp>

#include <sstream>
#include <thread>

#include "net/http.h"

namespace drpilot::testing {

using namespace std::chrono_literals;

void LabFixture::SetUp() {
  if (!have_program("dig")) GTEST_SKIP() << "dig (dnsutils) is not installed";
  dir_ = make_temp_dir("it");
  ports_.dns = free_port();
  ports_.api = free_port();
  ports_.control = free_port();
  // One port free on both site addresses, as in examples/lab.yaml.
  do {
    ports_.site = free_port("127.0.0.11");
  } while (free_port_on("127.0.0.12", ports_.site) == false);
  config_path_ = dir_ + "/lab.yaml";
  write_config(config_text());
}

void LabFixture::TearDown() {
  for (auto* p : {&demo_, &controller_, &lab_}) {
    if (*p && ::testing::Test::HasFailure()) {
      std::cerr << "---- log of " << (*p)->log_path() << " ----\n" << (*p)->log() << "\n";
    }
    p->reset();
  }
  if (!dir_.empty()) remove_tree(dir_);
}

std::string LabFixture::config_text(const std::string& hold_down) const {
  std::ostringstream c;
  c << "journal:\n  path: journal.db\n"
    << "api:\n  listen: 127.0.0.1:" << ports_.api << "\n"
    << "dns:\n  listen: [127.0.0.1:" << ports_.dns << "]\n  udp_threads: 2\n"
    << "  zones:\n    - name: example.test\n      ns:\n        - name: ns1.example.test\n"
    << "          addresses: [127.0.0.1]\n"
    << "policy:\n  failback: auto\n  hold_down: " << hold_down
    << "\n  min_interval: 1s\n  flap_window: 10m\n  flap_max_changes: 100\n"
    << "checks:\n  - name: web\n    type: http\n    port: " << ports_.site
    << "\n    path: /healthz\n    expect_body: ok\n"
    << "    interval: 250ms\n    edge_interval: 100ms\n    connect_timeout: 200ms\n"
    << "    timeout: 300ms\n    rise: 2\n    fall: 3\n"
    << "sites:\n"
    << "  - name: ams\n    endpoints: [127.0.0.11]\n    priority: 1\n    checks: [web]\n"
    << "  - name: nyc\n    endpoints: [127.0.0.12]\n    priority: 2\n    checks: [web]\n"
    << "records:\n  - name: www.example.test\n    ttl: 30\n    sites: [ams, nyc]\n"
    << "lab:\n  control: 127.0.0.1:" << ports_.control << "\n  sites:\n"
    << "    - name: ams\n      listen: 127.0.0.11:" << ports_.site << "\n"
    << "    - name: nyc\n      listen: 127.0.0.12:" << ports_.site << "\n";
  return c.str();
}

void LabFixture::write_config(const std::string& text) {
  write_file(config_path_, text);
}

void LabFixture::start_demo() {
  demo_ = std::make_unique<Process>(
      std::vector<std::string>{DRPILOT_BINARY, "demo", "-c", config_path_}, dir_ + "/demo.log");
  wait_controller_ready();
}

void LabFixture::start_lab() {
  lab_ = std::make_unique<Process>(
      std::vector<std::string>{DRPILOT_BINARY, "lab", "-c", config_path_}, dir_ + "/lab.log");
  ASSERT_TRUE(wait_until(
      [&] {
        return drpilot(
                   {"lab", "--control", "127.0.0.1:" + std::to_string(ports_.control), "status"})
                   .exit_code == 0;
      },
      10s, 50ms))
      << lab_->log();
}

void LabFixture::start_controller() {
  controller_ =
      std::make_unique<Process>(std::vector<std::string>{DRPILOT_BINARY, "run", "-c", config_path_},
                                dir_ + "/controller.log");
  wait_controller_ready();
}

void LabFixture::wait_controller_ready() {
  ASSERT_TRUE(wait_until([&] { return api_get("/healthz") == "ok\n"; }, 10s, 50ms))
      << (demo_         ? demo_->log()
          : controller_ ? controller_->log()
                        : "");
}

CommandResult LabFixture::drpilot(std::vector<std::string> args) {
  args.insert(args.begin(), DRPILOT_BINARY);
  return run_command(args);
}

void LabFixture::lab(const std::string& action, const std::string& site) {
  CommandResult r = drpilot({"lab", "-c", config_path_, action, site});
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

std::vector<std::string> LabFixture::dig(const std::string& qtype, const std::string& name) {
  return dig_short(ports_.dns, name, qtype);
}

bool LabFixture::wait_for_answer(const std::string& address, std::chrono::milliseconds timeout) {
  return wait_until([&] { return dig() == std::vector<std::string>{address}; }, timeout, 50ms);
}

bool LabFixture::wait_for_site(const std::string& site, const std::string& state,
                               std::chrono::milliseconds timeout) {
  return wait_until(
      [&] {
        nlohmann::json st = nlohmann::json::parse(api_get("/api/v1/status"), nullptr, false);
        if (st.is_discarded() || !st.contains("sites")) return false;
        for (const nlohmann::json& s : st["sites"]) {
          if (s.value("name", "") == site) return s.value("verdict", "") == state;
        }
        return false;
      },
      timeout, 50ms);
}

std::string LabFixture::api_get(const std::string& path) {
  net::ClientRequest req;
  req.host = "127.0.0.1";
  req.port = ports_.api;
  req.tls = !api_ca_file_.empty();
  req.tls_ca_file = api_ca_file_;
  req.target = path;
  req.timeout = 2s;
  req.max_body = 4 * 1024 * 1024;
  net::ClientResult r = net::http_request_sync(req);
  return r.ok && r.status == 200 ? r.body : "";
}

}  // namespace drpilot::testing
