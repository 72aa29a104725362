#pragma once
// A lab endpoint's server with its fault applied (what a simulated site and a
// lab data region share): blackholed requests are never answered, broken ones
// get `broken`'s reply, slow ones are served at once and answered late (a
// client that gives up cannot tell whether its write happened), the rest go
// to `answer`. Refusing is the socket's business (switch_server).

#include <functional>
#include <string>

#include "config/config.h"
#include "lab/fault.h"
#include "net/http.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::lab {

class FaultyServer {
 public:
  using Broken = std::function<net::ServerResponse()>;
  FaultyServer(net::Loop& loop, config::Endpoint listen, net::Handler answer, Broken broken,
               net::ServerOptions options = {});
  void start() { server_.start(); }
  void stop() { server_.stop(); }
  void set_fault(Fault f, int slow_ms = 0);
  Fault fault() const { return fault_; }
  int slow_ms() const { return slow_ms_; }
  const config::Endpoint& listen() const { return listen_; }
  std::uint16_t port() const { return server_.port(); }

 private:
  void handle(const net::ServerRequest& req, net::Responder respond);

  net::Loop& loop_;
  config::Endpoint listen_;
  net::Handler answer_;
  Broken broken_;
  net::HttpServer server_;
  Fault fault_ = Fault::none;
  int slow_ms_ = 0;
};

}  // namespace drpilot::lab
