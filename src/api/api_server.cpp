#include "api/api_server.h"

namespace drpilot::api {

ApiServer::ApiServer(net::Loop& control, Backend& backend, ApiOptions options)
    : control_(control),
      backend_(backend),
      access_(std::move(options.access)),
      hosts_(std::move(options.hosts)),
      server_(std::make_unique<net::HttpServer>(
          loop_, options.address, options.port,
          [this](const net::ServerRequest& req, net::Responder respond) {
            handle(req, std::move(respond));
          },
          server_options(options))) {}

net::ServerOptions ApiServer::server_options(const ApiOptions& options) const {
  net::ServerOptions o;
  o.max_body = kMaxAgentReportBody;
  // access_ is const and outlives the server.
  o.body_limit = [this](const net::ServerRequest& head) { return body_limit(head, access_); };
  o.tls_certificate_file = options.tls_certificate_file;
  o.tls_key_file = options.tls_key_file;
  return o;
}

ApiServer::~ApiServer() {
  stop();
}

void ApiServer::start() {
  server_->start();
  thread_ = std::thread([this] { loop_.run(); });
}

void ApiServer::stop() {
  if (!thread_.joinable()) return;
  // Connections belong to the API's loop: they are closed on its thread.
  loop_.post([this] {
    *alive_ = false;
    server_->stop();
    loop_.stop();
  });
  thread_.join();
}

// On the API's thread. What needs the controller's state goes to the control
// loop and comes back here to be answered (and, for status, rendered).
void ApiServer::handle(const net::ServerRequest& req, net::Responder respond) {
  if (const std::string why = check_host(req, hosts_); !why.empty()) {
    respond(json_response(421, {{"error", why}}));
    return;
  }
  Action a = decide(req, access_);
  // Runs `work` on the control loop, then `finish` with its result here.
  auto via_control = [this, &respond](auto work, auto finish) {
    control_.post([this, work = std::move(work), finish = std::move(finish),
                   respond = std::move(respond), alive = alive_]() mutable {
      auto result = work();
      loop_.post([result = std::move(result), finish = std::move(finish),
                  respond = std::move(respond), alive]() mutable {
        if (*alive) respond(finish(std::move(result)));
      });
    });
  };
  switch (a.kind) {
    case Action::Kind::reply:
      respond(std::move(a.reply));
      return;
    case Action::Kind::healthz:
      respond(healthz_response(backend_.live(), backend_.degraded()));
      return;
    case Action::Kind::healthz_leader:
      respond(healthz_leader_response(backend_.not_leading()));
      return;
    case Action::Kind::history:
      respond(json_response(200, backend_.history(a.limit, a.before)));
      return;
    case Action::Kind::status:
      via_control([this, q = a.status] { return backend_.status(q); },
                  [](std::function<net::ServerResponse()> render) { return render(); });
      return;
    case Action::Kind::command:
      control_.post(
          [this, cmd = a.command, respond = std::move(respond), alive = alive_]() mutable {
            backend_.command(cmd, [this, respond = std::move(respond), alive](Reply r) mutable {
              loop_.post([r = std::move(r), respond = std::move(respond), alive]() mutable {
                if (*alive) respond(json_response(r.first, r.second));
              });
            });
          });
      return;
    case Action::Kind::agent_report:
      via_control([this, req] { return backend_.agent_report(req); },
                  [](net::ServerResponse r) { return r; });
      return;
  }
}

}  // namespace drpilot::api
