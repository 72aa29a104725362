#include "api/api_server.h"

#include <charconv>

namespace drpilot::api {
namespace {

using nlohmann::json;

net::ServerResponse json_response(int status, const json& body) {
  net::ServerResponse r;
  r.status = status;
  r.body = body.dump(2) + "\n";
  return r;
}

net::ServerResponse error(int status, const std::string& message) {
  return json_response(status, {{"error", message}});
}

std::optional<long long> int_param(const net::ServerRequest& req, const std::string& key) {
  auto it = req.query.find(key);
  if (it == req.query.end()) return std::nullopt;
  long long v = 0;
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || p != it->second.data() + it->second.size()) return -1;
  return v;
}

}  // namespace

net::ServerResponse route(Backend& backend, const net::ServerRequest& req) {
  const bool read = req.method == "GET" || req.method == "HEAD";
  if (req.path == "/healthz") {
    if (!read) return error(405, "use GET");
    net::ServerResponse r;
    r.content_type = "text/plain";
    const bool live = backend.live();
    r.status = live ? 200 : 503;
    r.body = live ? "ok\n" : "control loop is not running\n";
    return r;
  }
  if (req.path == "/api/v1/status") {
    if (!read) return error(405, "use GET");
    return json_response(200, backend.status());
  }
  if (req.path == "/api/v1/history") {
    if (!read) return error(405, "use GET");
    auto limit = int_param(req, "limit");
    if (limit && (*limit < 1 || *limit > 10000))
      return error(400, "limit must be between 1 and 10000");
    auto before = int_param(req, "before");
    if (before && *before < 1) return error(400, "before must be a positive event id");
    return json_response(
        200, backend.history(static_cast<std::size_t>(limit.value_or(100)),
                             before ? std::optional<std::int64_t>(*before) : std::nullopt));
  }
  return error(
      404, "no such endpoint: " + req.path + " (try /api/v1/status, /api/v1/history, /healthz)");
}

ApiServer::ApiServer(net::Loop& loop, const std::string& address, std::uint16_t port,
                     Backend& backend)
    : server_(loop, address, port,
              [&backend](const net::ServerRequest& req, net::Responder respond) {
                respond(route(backend, req));
              }) {}

void ApiServer::start() {
  server_.start();
}
void ApiServer::stop() {
  server_.stop();
}

}  // namespace drpilot::api
