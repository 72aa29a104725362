#pragma once
// Test helpers for the DigitalOcean providers: the fake DigitalOcean API as a
// child process (killed by PID when the test ends), a scripted HTTP server
// for replies no real API would send, and small builders for configurations
// and targets.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "config/config.h"
#include "net/http.h"
#include "net/loop.h"
#include "providers/provider.h"
#include "support/process.h"

namespace drpilot::testing::digitalocean {

// Long and distinctive, so that a leak into a reason cannot go unnoticed.
inline constexpr std::string_view kToken = "dop_v1_5ecret7oken0f7heTe5t5u1te0123456789abcdef";
inline constexpr std::string_view kLbId = "4de7ac8b-495b-4884-9a69-1050c6793cd6";

class FakeDigitalOcean {
 public:
  // Starts tests/fakes/fake_digitalocean and loads `state`; throws with the
  // fake's log when it does not come up.
  explicit FakeDigitalOcean(const nlohmann::json& state);
  ~FakeDigitalOcean();
  FakeDigitalOcean(const FakeDigitalOcean&) = delete;
  FakeDigitalOcean& operator=(const FakeDigitalOcean&) = delete;

  std::string endpoint() const;  // http://127.0.0.1:PORT/v2
  nlohmann::json state() const;
  void set_state(const nlohmann::json& state);
  // Every API request so far: {method, path, body, status}.
  std::vector<nlohmann::json> requests() const;
  void clear_requests();
  void fault(const nlohmann::json& fault);
  // One API request with the right token, for checking the fake itself.
  net::ClientResult api(const std::string& method, const std::string& target,
                        const std::string& body = "") const;

 private:
  net::ClientResult control(const std::string& method, const std::string& path,
                            const std::string& body = "") const;

  std::string dir_;
  std::unique_ptr<Process> process_;
  std::uint16_t api_port_ = 0;
  std::uint16_t control_port_ = 0;
};

// An HTTP server on its own loop thread that answers every request with what
// `reply` returns: garbage, HTML, wrong shapes, huge bodies.
class ScriptedServer {
 public:
  using Reply = std::function<net::ServerResponse(const net::ServerRequest&)>;
  explicit ScriptedServer(Reply reply);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  std::string endpoint() const;  // http://127.0.0.1:PORT/v2

 private:
  Reply reply_;
  net::Loop loop_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
};

// Requests of the log whose method is `method` and whose path contains `part`.
int count(const std::vector<nlohmann::json>& log, std::string_view method,
          std::string_view part = "");

config::ProviderConfig dns_config(const std::string& endpoint,
                                  std::vector<config::ProviderRecord> records = {});
config::ProviderConfig lb_config(const std::string& endpoint, std::vector<config::LbMember> members,
                                 std::string record = "www.example.com");

providers::RecordTarget record(std::string name, core::RecordType type,
                               std::vector<std::string> sites, std::vector<std::string> addresses,
                               int ttl = 30);
providers::Target target(std::vector<providers::RecordTarget> records);

// The outcome of diff() for test messages: the steps, or the failure.
std::string describe(const std::variant<providers::Changes, providers::Failure>& r);

}  // namespace drpilot::testing::digitalocean
