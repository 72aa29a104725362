#pragma once
// The HTTP API: GET /healthz, /api/v1/status, /api/v1/history. Routing is a
// plain function of the request so it is tested without sockets.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

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
};

net::ServerResponse route(Backend& backend, const net::ServerRequest& req);

class ApiServer {
 public:
  ApiServer(net::Loop& loop, const std::string& address, std::uint16_t port, Backend& backend);
  void start();  // throws std::runtime_error naming the address
  void stop();
  std::uint16_t port() const { return server_.port(); }

 private:
  net::HttpServer server_;
};

}  // namespace drpilot::api
