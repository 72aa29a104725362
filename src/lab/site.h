#pragma once
// A simulated site: a small HTTP server on its own loopback address that
// answers "/healthz" and a greeting, unless a fault says otherwise.

#include <string>

#include "config/config.h"
#include "lab/faulty_server.h"

namespace drpilot::lab {

class SimulatedSite {
 public:
  SimulatedSite(net::Loop& loop, std::string name, config::Endpoint listen);
  void start();
  void stop();
  void set_fault(Fault f, int slow_ms = 0) { server_.set_fault(f, slow_ms); }
  Fault fault() const { return server_.fault(); }
  int slow_ms() const { return server_.slow_ms(); }
  const std::string& name() const { return name_; }
  const config::Endpoint& listen() const { return server_.listen(); }
  std::uint16_t port() const { return server_.port(); }

 private:
  std::string name_;
  FaultyServer server_;
};

}  // namespace drpilot::lab
