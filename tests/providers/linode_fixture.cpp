#include "providers/linode_fixture.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <sstream>

#include "net/http.h"

namespace drpilot::testing {

using nlohmann::json;
using namespace std::chrono_literals;

FakeLinodeProcess::FakeLinodeProcess()
    : FakeApiProcess(FAKE_LINODE_BINARY, "linode", kLinodeToken) {}

std::string FakeLinodeProcess::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(api_port_) + "/v4";
}

json FakeLinodeProcess::records(std::int64_t domain_id) {
  for (const json& d : state().value("domains", json::array())) {
    if (d.value("id", 0) == domain_id) return d.value("records", json::array());
  }
  ADD_FAILURE() << "no domain " << domain_id << " in the fake's state";
  return json::array();
}

int FakeLinodeProcess::count(const std::string& method, const std::string& part) {
  int n = 0;
  for (const json& r : requests()) {
    if (r.value("method", "") != method) continue;
    if (r.value("path", "").find(part) == std::string::npos) continue;
    ++n;
  }
  return n;
}

FakeLinodeProcess::Reply FakeLinodeProcess::api(const std::string& method,
                                                const std::string& target, const std::string& body,
                                                const std::string& token) {
  net::ClientRequest req;
  req.method = method;
  req.host = "127.0.0.1";
  req.port = api_port_;
  req.target = target;
  req.body = body;
  req.timeout = 10s;
  req.max_body = 16 * 1024 * 1024;
  req.headers.push_back({"Authorization", "Bearer " + token});
  if (!body.empty()) req.headers.push_back({"Content-Type", "application/json"});
  net::ClientResult r = net::http_request_sync(std::move(req));
  EXPECT_TRUE(r.ok) << method << " " << target << ": " << r.error;
  Reply out;
  out.status = r.status;
  out.headers = r.headers;
  out.body = json::parse(r.body, nullptr, false);
  if (out.body.is_discarded()) out.body = json();
  return out;
}

json linode_domain(std::int64_t id, const std::string& name, json records) {
  return {{"id", id},           {"domain", name},
          {"type", "master"},   {"soa_email", "hostmaster@" + name},
          {"status", "active"}, {"records", std::move(records)}};
}

json linode_record(std::int64_t id, const std::string& type, const std::string& name,
                   const std::string& target, int ttl) {
  return {{"id", id}, {"type", type}, {"name", name}, {"target", target}, {"ttl_sec", ttl}};
}

providers::RecordTarget record_target(const std::string& name, core::RecordType type, int ttl,
                                      std::vector<std::string> addresses) {
  providers::RecordTarget r;
  r.name = name;
  r.type = type;
  r.ttl = ttl;
  r.addresses = std::move(addresses);
  for (std::size_t i = 0; i < r.addresses.size(); ++i)
    r.sites.push_back("site" + std::to_string(i));
  r.reason = "test";
  return r;
}

providers::Target target_of(std::vector<providers::RecordTarget> records) {
  providers::Target t;
  t.generation = 1;
  t.summary = "test";
  t.records = std::move(records);
  return t;
}

config::ProviderConfig linode_config(const std::string& endpoint, const std::string& domain) {
  config::ProviderConfig c;
  c.name = "linode";
  c.kind = config::ProviderKind::linode_dns;
  c.endpoint = endpoint;
  c.domain = domain;
  c.timeout = core::Duration{5'000};
  return c;
}

}  // namespace drpilot::testing
