#pragma once
// The HTTP API: GET /healthz, /api/v1/status, /api/v1/history for anyone,
// POST /api/v1/commands/{drain,undrain,pin,unpin,freeze,resume,switchover}
// for callers with the bearer token, and POST /api/v1/agents/report for
// agents, which sign with their own keys. Routing is a plain function of the
// request so it is tested without sockets.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/commands.h"
#include "net/http.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::api {

// What the API reads; implemented by the controller.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual nlohmann::json status() = 0;
  virtual nlohmann::json history(std::size_t limit, std::optional<std::int64_t> before_id) = 0;
  // The control loop ticked recently.
  virtual bool live() = 0;
  // Carries out an operator command: {status, body} as the reply. The body
  // has "message" (and "generation") on success, "error" otherwise.
  virtual std::pair<int, nlohmann::json> command(const core::Command& cmd) = 0;
  // POST /api/v1/agents/report: a signed agent report, answered with the
  // site's signed assignment (api/agent_protocol.h).
  virtual net::ServerResponse agent_report(const net::ServerRequest& req);
};

// A JSON reply as every endpoint sends it (indented, invalid UTF-8 replaced).
net::ServerResponse json_response(int status, const nlohmann::json& body);

// `token`: what mutating calls must present as "Authorization: Bearer ...";
// nullopt: operator commands are disabled.
net::ServerResponse route(Backend& backend, const net::ServerRequest& req,
                          const std::optional<std::string>& token);

class ApiServer {
 public:
  ApiServer(net::Loop& loop, const std::string& address, std::uint16_t port, Backend& backend,
            std::optional<std::string> token);
  void start();  // throws std::runtime_error naming the address
  void stop();
  std::uint16_t port() const { return server_.port(); }

 private:
  net::HttpServer server_;
};

}  // namespace drpilot::api
