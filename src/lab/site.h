#pragma once
// A simulated site: a small HTTP server on its own loopback address that
// answers "/healthz" and a greeting, unless a fault says otherwise.

#include <string>

#include "config/config.h"
#include "lab/fault.h"
#include "net/http.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::lab {

class SimulatedSite {
 public:
  SimulatedSite(net::Loop& loop, std::string name, config::Endpoint listen);
  void start();
  void stop();
  void set_fault(Fault f, int slow_ms = 0);
  Fault fault() const { return fault_; }
  int slow_ms() const { return slow_ms_; }
  const std::string& name() const { return name_; }
  const config::Endpoint& listen() const { return listen_; }
  std::uint16_t port() const { return server_.port(); }

 private:
  void handle(const net::ServerRequest& req, net::Responder respond);

  net::Loop& loop_;
  std::string name_;
  config::Endpoint listen_;
  net::HttpServer server_;
  Fault fault_ = Fault::none;
  int slow_ms_ = 0;
};

}  // namespace drpilot::lab
