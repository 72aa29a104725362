#include "integration/world_fixture.h"

#include <cstdlib>
#include <sstream>
#include <thread>

#include "net/http.h"

namespace drpilot::testing {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::pair<std::uint16_t, std::uint16_t> read_ports(const std::string& file) {
  std::istringstream in(read_file(file));
  std::string api, control;
  in >> api >> control;
  if (api.rfind("api=", 0) != 0 || control.rfind("control=", 0) != 0) return {0, 0};
  return {static_cast<std::uint16_t>(std::stoi(api.substr(4))),
          static_cast<std::uint16_t>(std::stoi(control.substr(8)))};
}

}  // namespace

FakeCloud::FakeCloud(const std::string& binary, const std::string& token, const std::string& dir,
                     const std::string& name) {
  const std::string ports = dir + "/" + name + ".ports";
  process_ = std::make_unique<Process>(
      std::vector<std::string>{binary, "--token", token, "--ports-file", ports},
      dir + "/" + name + ".log");
  EXPECT_TRUE(wait_until([&] { return read_ports(ports).first != 0; }, 10s, 20ms))
      << process_->log();
  std::tie(api_port_, control_port_) = read_ports(ports);
}

json FakeCloud::control(const std::string& method, const std::string& path, const json& body) {
  net::ClientRequest req;
  req.method = method;
  req.host = "127.0.0.1";
  req.port = control_port_;
  req.target = path;
  req.timeout = 5s;
  req.max_body = 16 * 1024 * 1024;
  if (!body.is_null()) req.body = body.dump();
  net::ClientResult r = net::http_request_sync(req);
  EXPECT_TRUE(r.ok && r.status == 200) << path << ": " << r.error << r.body;
  json j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json() : j;
}

int FakeCloud::count(const std::string& method, const std::string& path_part) {
  int n = 0;
  const json all = requests();
  for (const json& r : all) {
    if (r["method"] == method &&
        r["path"].get<std::string>().find(path_part) != std::string::npos) {
      ++n;
    }
  }
  return n;
}

void WorldFixture::SetUp() {
  LabFixture::SetUp();
  if (IsSkipped()) return;
  linode_ = std::make_unique<FakeCloud>(FAKE_LINODE_BINARY, kLinodeToken, dir_, "linode");
  digitalocean_ =
      std::make_unique<FakeCloud>(FAKE_DIGITALOCEAN_BINARY, kDoToken, dir_, "digitalocean");
  // The world before drpilot: www points at ams everywhere, ams's droplet
  // behind the load balancer.
  linode_->set_state({{"domains",
                       {{{"id", 1},
                         {"domain", "example.test"},
                         {"type", "master"},
                         {"soa_email", "hostmaster@example.test"},
                         {"status", "active"},
                         {"records",
                          {{{"id", 10},
                            {"type", "A"},
                            {"name", "www"},
                            {"target", "127.0.0.11"},
                            {"ttl_sec", 30}}}}}}}});
  digitalocean_->set_state(
      {{"domains",
        {{{"name", "example.test"},
          {"records",
           {{{"id", 20}, {"type", "A"}, {"name", "www"}, {"data", "127.0.0.11"}, {"ttl", 30}}}}}}},
       {"load_balancers", {{{"id", "lb-1"}, {"name", "web"}, {"droplet_ids", {111}}, {"tag", ""}}}},
       {"droplets", {111, 222}}});
  setenv("DRPILOT_TEST_LINODE_TOKEN", kLinodeToken, 1);
  write_file(dir_ + "/do.token", std::string(kDoToken) + "\n");
  write_config(world_config());
}

void WorldFixture::TearDown() {
  for (auto* f : {&linode_, &digitalocean_}) {
    if (*f && ::testing::Test::HasFailure()) {
      std::cerr << "---- log of " << (*f)->process().log_path() << " ----\n"
                << (*f)->process().log() << "\n";
    }
    f->reset();
  }
  LabFixture::TearDown();
}

std::string WorldFixture::world_config(const std::string& extra) const {
  std::string text = config_text();
  // The API token, inline in the lab's api section.
  const std::string api = "api:\n  listen: 127.0.0.1:" + std::to_string(ports_.api) + "\n";
  text.replace(text.find(api), api.size(), api + "  token: " + kApiToken + "\n");
  std::ostringstream c;
  c << text << "providers:\n"
    << "  - name: linode\n    type: linode_dns\n"
    << "    endpoint: http://127.0.0.1:" << linode_->api_port() << "/v4\n"
    << "    token_env: DRPILOT_TEST_LINODE_TOKEN\n    domain: example.test\n"
    << "    timeout: 3s\n    retry_max: 2s\n"
    << "  - name: do-dns\n    type: digitalocean_dns\n"
    << "    endpoint: http://127.0.0.1:" << digitalocean_->api_port() << "/v2\n"
    << "    token_file: do.token\n    domain: example.test\n    timeout: 3s\n    retry_max: 2s\n"
    << "  - name: do-lb\n    type: digitalocean_lb\n"
    << "    endpoint: http://127.0.0.1:" << digitalocean_->api_port() << "/v2\n"
    << "    token_file: do.token\n    load_balancer_id: lb-1\n    record: www.example.test\n"
    << "    timeout: 3s\n    retry_max: 2s\n"
    << "    members:\n      - site: ams\n        droplet_ids: [111]\n"
    << "      - site: nyc\n        droplet_ids: [222]\n"
    << extra;
  return c.str();
}

std::string WorldFixture::linode_www() {
  const json state = linode_->state();  // named: a temporary's members would dangle
  for (const json& d : state["domains"]) {
    for (const json& r : d["records"]) {
      if (r["name"] == "www" && r["type"] == "A") return r["target"];
    }
  }
  return "";
}

std::string WorldFixture::do_www() {
  const json state = digitalocean_->state();
  for (const json& d : state["domains"]) {
    for (const json& r : d["records"]) {
      if (r["name"] == "www" && r["type"] == "A") return r["data"];
    }
  }
  return "";
}

std::vector<std::int64_t> WorldFixture::lb_droplets() {
  const json state = digitalocean_->state();
  for (const json& lb : state["load_balancers"]) {
    if (lb["id"] == "lb-1") return lb["droplet_ids"].get<std::vector<std::int64_t>>();
  }
  return {};
}

json WorldFixture::provider_status(const std::string& name) {
  json s = json::parse(api_get("/api/v1/status"), nullptr, false);
  if (s.is_discarded() || !s.contains("providers")) return json();
  for (const json& p : s["providers"]) {
    if (p["name"] == name) return p;
  }
  return json();
}

CommandResult WorldFixture::operator_cmd(std::vector<std::string> args) {
  args.push_back("--api");
  args.push_back("http://127.0.0.1:" + std::to_string(ports_.api));
  return drpilot(args);
}

}  // namespace drpilot::testing
