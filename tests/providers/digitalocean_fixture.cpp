#include "providers/digitalocean_fixture.h"

#include <chrono>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace drpilot::testing::digitalocean {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

net::ClientResult request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body, const std::string& token) {
  net::ClientRequest req;
  req.method = method;
  req.host = "127.0.0.1";
  req.port = port;
  req.target = target;
  req.body = body;
  req.timeout = 5s;
  req.connect_timeout = 2s;
  req.max_body = 16 * 1024 * 1024;
  if (!body.empty()) req.headers.push_back({"Content-Type", "application/json"});
  if (!token.empty()) req.headers.push_back({"Authorization", "Bearer " + token});
  return net::http_request_sync(std::move(req));
}

json parse_or_throw(const net::ClientResult& r, const std::string& what) {
  if (!r.ok || r.status != 200) {
    throw std::runtime_error(what + " failed: " + (r.ok ? r.body : r.error));
  }
  return json::parse(r.body);
}

}  // namespace

FakeDigitalOcean::FakeDigitalOcean(const json& state) {
  dir_ = make_temp_dir("drpilot-fake-do");
  const std::string ports = dir_ + "/ports";
  process_ = std::make_unique<Process>(
      std::vector<std::string>{FAKE_DIGITALOCEAN_BINARY, "--token", std::string(kToken),
                               "--ports-file", ports},
      dir_ + "/fake.log");
  if (!wait_until([&] { return std::filesystem::exists(ports); }, 10s)) {
    throw std::runtime_error("fake_digitalocean did not start: " + process_->log());
  }
  std::istringstream in(read_file(ports));
  std::string api, control;
  in >> api >> control;
  api_port_ = static_cast<std::uint16_t>(std::stoi(api.substr(api.find('=') + 1)));
  control_port_ = static_cast<std::uint16_t>(std::stoi(control.substr(control.find('=') + 1)));
  set_state(state);
}

FakeDigitalOcean::~FakeDigitalOcean() {
  process_.reset();  // killed by PID and reaped
  remove_tree(dir_);
}

std::string FakeDigitalOcean::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(api_port_) + "/v2";
}

json FakeDigitalOcean::state() const {
  return parse_or_throw(control("GET", "/state"), "GET /state");
}

void FakeDigitalOcean::set_state(const json& state) {
  parse_or_throw(control("POST", "/state", state.dump()), "POST /state");
}

std::vector<json> FakeDigitalOcean::requests() const {
  return parse_or_throw(control("GET", "/requests"), "GET /requests")["requests"]
      .get<std::vector<json>>();
}

void FakeDigitalOcean::clear_requests() {
  parse_or_throw(control("POST", "/requests/clear"), "POST /requests/clear");
}

void FakeDigitalOcean::fault(const json& fault) {
  parse_or_throw(control("POST", "/fault", fault.dump()), "POST /fault");
}

net::ClientResult FakeDigitalOcean::api(const std::string& method, const std::string& target,
                                        const std::string& body) const {
  return request(api_port_, method, target, body, std::string(kToken));
}

net::ClientResult FakeDigitalOcean::control(const std::string& method, const std::string& path,
                                            const std::string& body) const {
  return request(control_port_, method, path, body, "");
}

ScriptedServer::ScriptedServer(Reply reply) : reply_(std::move(reply)) {
  server_ = std::make_unique<net::HttpServer>(
      loop_, "127.0.0.1", 0,
      [this](const net::ServerRequest& req, net::Responder respond) { respond(reply_(req)); });
  server_->start();
  thread_ = std::thread([this] { loop_.run(); });
}

ScriptedServer::~ScriptedServer() {
  loop_.post([this] {
    server_->stop();
    loop_.stop();
  });
  thread_.join();
}

std::string ScriptedServer::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v2";
}

int count(const std::vector<json>& log, std::string_view method, std::string_view part) {
  int n = 0;
  for (const json& r : log) {
    if (r["method"] == method && r["path"].get<std::string>().find(part) != std::string::npos) {
      ++n;
    }
  }
  return n;
}

config::ProviderConfig dns_config(const std::string& endpoint,
                                  std::vector<config::ProviderRecord> records) {
  config::ProviderConfig cfg;
  cfg.name = "do-dns";
  cfg.kind = config::ProviderKind::digitalocean_dns;
  cfg.endpoint = endpoint;
  cfg.timeout = core::Duration{5'000};
  cfg.domain = "example.com";
  cfg.records = std::move(records);
  return cfg;
}

config::ProviderConfig lb_config(const std::string& endpoint, std::vector<config::LbMember> members,
                                 std::string record) {
  config::ProviderConfig cfg;
  cfg.name = "do-lb";
  cfg.kind = config::ProviderKind::digitalocean_lb;
  cfg.endpoint = endpoint;
  cfg.timeout = core::Duration{5'000};
  cfg.load_balancer_id = std::string(kLbId);
  cfg.record = std::move(record);
  cfg.members = std::move(members);
  return cfg;
}

providers::RecordTarget record(std::string name, core::RecordType type,
                               std::vector<std::string> sites, std::vector<std::string> addresses,
                               int ttl) {
  providers::RecordTarget r;
  r.name = std::move(name);
  r.type = type;
  r.ttl = ttl;
  r.sites = std::move(sites);
  r.addresses = std::move(addresses);
  r.reason = "test";
  return r;
}

providers::Target target(std::vector<providers::RecordTarget> records) {
  providers::Target t;
  t.generation = 1;
  t.summary = "test";
  t.records = std::move(records);
  return t;
}

std::string describe(const std::variant<providers::Changes, providers::Failure>& r) {
  if (const auto* f = std::get_if<providers::Failure>(&r)) {
    return "failure: " + f->reason + (f->permanent ? " (permanent)" : "");
  }
  std::string out = "changes:";
  for (const std::string& s : std::get<providers::Changes>(r).steps) out += "\n  " + s;
  return out;
}

}  // namespace drpilot::testing::digitalocean
