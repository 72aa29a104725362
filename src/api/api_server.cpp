#include "api/api_server.h"

namespace drpilot::api {

ApiServer::ApiServer(net::Loop& loop, const std::string& address, std::uint16_t port,
                     Backend& backend, std::optional<std::string> token)
    : server_(loop, address, port,
              [&backend, token = std::move(token)](const net::ServerRequest& req,
                                                   net::Responder respond) {
                respond(route(backend, req, token));
              }) {}

void ApiServer::start() {
  server_.start();
}
void ApiServer::stop() {
  server_.stop();
}

}  // namespace drpilot::api
