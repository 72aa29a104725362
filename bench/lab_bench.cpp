#include "lab_bench.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "support/process.h"

namespace drpilot::bench {

using namespace std::chrono_literals;

void die(const std::string& msg) {
  throw Failure(msg);
}

namespace {

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) die("examples/lab.yaml no longer contains '" + from + "'");
  text.replace(at, from.size(), to);
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  replace_once(text, from, to);
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

LabPorts LabPorts::pick() {
  LabPorts p;
  p.dns = testing::free_port();
  p.api = testing::free_port();
  p.control = testing::free_port();
  do {
    p.site = testing::free_port("127.0.0.11");
  } while (!testing::free_port_on("127.0.0.12", p.site));
  for (auto& r : p.regions) r = testing::free_port();
  for (auto& a : p.agents) a = testing::free_port();
  return p;
}

std::string lab_config(const std::string& example, const LabPorts& p, const LabTweaks& t) {
  std::string text = testing::read_file(example);
  const std::string site = std::to_string(p.site);
  replace_once(text, "127.0.0.1:5353", "127.0.0.1:" + std::to_string(p.dns));
  replace_all(text, "127.0.0.1:8080", "127.0.0.1:" + std::to_string(p.api));
  replace_once(text, "127.0.0.1:8079", "127.0.0.1:" + std::to_string(p.control));
  replace_once(text, "port: 8000", "port: " + site);
  replace_once(text, "127.0.0.11:8000", "127.0.0.11:" + site);
  replace_once(text, "127.0.0.12:8000", "127.0.0.12:" + site);
  replace_all(text, "127.0.0.1:8101", "127.0.0.1:" + std::to_string(p.regions[0]));
  replace_all(text, "127.0.0.1:8102", "127.0.0.1:" + std::to_string(p.regions[1]));
  replace_once(text, "127.0.0.1:8091", "127.0.0.1:" + std::to_string(p.agents[0]));
  replace_once(text, "127.0.0.1:8092", "127.0.0.1:" + std::to_string(p.agents[1]));
  const std::string templ =
      (std::filesystem::path(example).parent_path() / "agent/drpilot.env.tmpl").string();
  replace_all(text, "template: agent/drpilot.env.tmpl", "template: " + templ);
  replace_once(text, "hold_down: 10s", "hold_down: " + t.hold_down);
  replace_once(text, "min_interval: 5s", "min_interval: 0s");
  replace_once(text, "flap_max_changes: 10", "flap_max_changes: 1000");
  if (!t.replication_delay.empty())
    replace_once(text, "replication_delay: 300ms", "replication_delay: " + t.replication_delay);
  return text;
}

net::ClientResult http(std::uint16_t port, const std::string& method, const std::string& target) {
  return http("127.0.0.1", port, method, target);
}

net::ClientResult http(const std::string& host, std::uint16_t port, const std::string& method,
                       const std::string& target) {
  net::ClientRequest req;
  req.method = method;
  req.host = host;
  req.port = port;
  req.target = target;
  req.timeout = 2s;
  req.max_body = 1 << 20;
  return net::http_request_sync(req);
}

void lab_action(std::uint16_t control, const std::string& path) {
  auto r = http(control, "POST", path);
  if (!r.ok || r.status != 200) die("lab " + path + " failed: " + r.error + r.body);
}

nlohmann::json status(std::uint16_t api, const std::string& host) {
  auto r = http(host, api, "GET", "/api/v1/status");
  if (!r.ok || r.status != 200) return nullptr;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  return testing::wait_until(cond, timeout, 5ms);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

void parse_args(int argc, char** argv, const std::string& usage,
                const std::function<bool(const std::string& flag,
                                         const std::function<std::string()>& value)>& on) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << usage;
      std::exit(0);
    }
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (!on(a, value)) die("unknown argument '" + a + "' (try --help)");
  }
}

TempDir::TempDir(const std::string& prefix) : path(testing::make_temp_dir(prefix)) {}
TempDir::~TempDir() {
  testing::remove_tree(path);
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace drpilot::bench
