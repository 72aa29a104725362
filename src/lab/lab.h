#pragma once
// The local lab: simulated sites, each a real HTTP server on its own
// loopback address, whose faults are switched through a small control API.
//
//   break      every request answers 503
//   refuse     the port is closed (connections refused)
//   blackhole  connections are accepted and never answered
//   slow MS    answers arrive MS milliseconds late
//   heal       back to normal

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "net/http.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::lab {

enum class Fault { none, broken, refused, blackholed, slow };
std::string_view to_string(Fault f);

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

class Lab {
 public:
  Lab(net::Loop& loop, const config::LabConfig& cfg);
  // Starts every site and the control API; throws std::runtime_error naming
  // the address that could not be bound.
  void start();
  void stop();

  // Applies an action ("break", "refuse", "blackhole", "slow", "heal") to a
  // site; returns an error message or "" on success.
  std::string apply(const std::string& site, const std::string& action, int slow_ms);
  net::ServerResponse control(const net::ServerRequest& req);
  SimulatedSite* find(const std::string& name);
  std::uint16_t control_port() const { return control_.port(); }

 private:
  net::Loop& loop_;
  config::LabConfig cfg_;
  std::vector<std::unique_ptr<SimulatedSite>> sites_;
  net::HttpServer control_;
};

}  // namespace drpilot::lab
