#pragma once
// An HTTP server answering from a handler on a loop thread of its own, for
// tests that need a real peer on loopback (a container credentials
// endpoint, a DynamoDB that refuses credentials): bound to a free port at
// once, stopped and joined when it goes. Header-only: tests that use it
// link drpilot_net.

#include <string>
#include <thread>

#include "net/http.h"
#include "net/loop.h"

namespace drpilot::testing {

class ServedHttp {
 public:
  explicit ServedHttp(net::Handler handler, net::ServerOptions options = {},
                      std::string address = "127.0.0.1")
      : server_(loop_, std::move(address), 0, std::move(handler), std::move(options)) {
    server_.start();
    port_ = server_.port();
    thread_ = std::thread([this] { loop_.run(); });
  }
  ~ServedHttp() {
    loop_.post([this] {
      server_.stop();
      loop_.stop();
    });
    thread_.join();
  }
  ServedHttp(const ServedHttp&) = delete;
  ServedHttp& operator=(const ServedHttp&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  net::Loop loop_;
  net::HttpServer server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace drpilot::testing
