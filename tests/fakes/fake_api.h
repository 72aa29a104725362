#pragma once
// The scaffold shared by the fakes of cloud APIs (fake_linode, fake_digitalocean):
// a real HTTP server for the API on one port, a control server on another,
// the bearer-token check the real APIs make, fault injection, and a log of
// every API request so tests can count what a client did.
//
// Control endpoints (no token; never part of the fake API):
//   POST /fault     {"mode": "status", "status": 429, "retry_after": 2, "count": 5}
//                   {"mode": "status", "status": 400, "code": "ThrottlingException"}
//                   (a fake whose API names its errors uses `code` in the error body)
//                   {"mode": "slow", "delay_ms": 3000}   {"mode": "drop"}
//                   {"mode": "down", "duration_ms": 30000}  (the API port refuses connections)
//                   {"mode": "garbage", "status": 200, "body": "<html>..."}  (that body as
//                   text/html instead of the API's reply; default: an HTML error page)
//                   {"mode": "corrupt"}  (the real reply with one byte changed after the
//                   fake sealed it: a checksum header no longer matches the body)
//                   {"mode": "none"}  (clears every fault)
//                   "count": how many API requests the fault applies to (default: all,
//                   until cleared). "methods": ["PUT", "POST"] limits it to those methods.
//   GET  /requests  every API request so far: method, path, body, status answered
//   POST /requests/clear
//   GET  /state, POST /state   the fake's data (provider-specific JSON)

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/http.h"
#include "net/loop.h"

namespace drpilot::fakes {

struct Fault {
  std::string mode = "none";  // none | status | slow | drop | down | garbage | corrupt
  int status = 500;
  std::string code;      // status: the API's error code, for APIs that name errors
  std::string body;      // garbage: what to send
  int retry_after = -1;  // seconds; -1: no Retry-After header
  int delay_ms = 0;
  int duration_ms = 0;
  int count = -1;                    // API requests left to affect; -1: until cleared
  std::vector<std::string> methods;  // empty: every method
};

struct LoggedRequest {
  std::string method;
  std::string path;  // with the query string
  std::string body;
  int status = 0;
  std::int64_t at_ms = 0;  // when it arrived (Unix milliseconds)
};

// What a fake provides: its API handler and its data as JSON.
class FakeService {
 public:
  virtual ~FakeService() = default;
  // The API's authentication: an error reply when `req` may not pass. The
  // default is the bearer-token check of the REST APIs; a fake of an API
  // that authenticates otherwise (AWS SigV4) overrides it.
  virtual std::optional<net::ServerResponse> authorize(const net::ServerRequest& req,
                                                       const std::string& token);
  // Answers one API request that passed the token check and fault injection.
  virtual net::ServerResponse handle(const net::ServerRequest& req) = 0;
  // The error body this API sends with `status` (e.g. 401), in its own shape.
  virtual nlohmann::json error_body(int status, const std::string& message) const = 0;
  // Headers this API adds to every reply (rate-limit headers, for instance).
  virtual std::vector<std::pair<std::string, std::string>> common_headers() const { return {}; }
  // The reply to an injected "status" fault (default: error_body with the status).
  virtual net::ServerResponse fault_reply(const Fault& fault);
  // The last touch to every reply before it is sent (a checksum header).
  virtual void seal(net::ServerResponse& reply) {}
  virtual nlohmann::json state() const = 0;
  // Replaces the data; returns an error message when `state` is not valid.
  virtual std::string set_state(const nlohmann::json& state) = 0;
};

class FakeApi {
 public:
  FakeApi(net::Loop& loop, FakeService& service, std::string token);
  // Binds both servers (port 0: any free port).
  void start(const std::string& address, std::uint16_t api_port, std::uint16_t control_port);
  std::uint16_t api_port() const;
  std::uint16_t control_port() const;

 private:
  void on_api(const net::ServerRequest& req, net::Responder respond);
  net::ServerResponse on_control(const net::ServerRequest& req);
  void finish(const net::ServerRequest& req, net::ServerResponse r, net::Responder& respond,
              bool corrupt = false);
  std::optional<Fault> take_fault(const std::string& method);

  net::Loop& loop_;
  FakeService& service_;
  std::string token_;
  std::unique_ptr<net::HttpServer> api_;
  std::unique_ptr<net::HttpServer> control_;
  std::string address_;
  std::uint16_t api_port_ = 0;
  Fault fault_;
  std::vector<LoggedRequest> log_;
  std::unique_ptr<net::Timer> up_again_;
  std::vector<std::unique_ptr<net::Timer>> delayed_;
};

// The main() of a fake:
//   NAME --token T [--listen ADDR] [--api-port P] [--control-port P]
//        [--ports-file FILE] [--state FILE]
// Writes "api=PORT control=PORT" to the ports file once both servers listen.
int run_fake(int argc, char** argv, FakeService& service);

// JSON body helpers for handlers.
net::ServerResponse json_reply(int status, const nlohmann::json& body);

}  // namespace drpilot::fakes
