#include "lab/site.h"

namespace drpilot::lab {

SimulatedSite::SimulatedSite(net::Loop& loop, std::string name, config::Endpoint listen)
    : name_(std::move(name)),
      server_(
          loop, std::move(listen),
          [this](const net::ServerRequest& req, net::Responder respond) {
            net::ServerResponse r;
            r.content_type = "text/plain; charset=utf-8";
            r.body = req.path == "/healthz"
                         ? std::string("ok\n")
                         : "Hello from site " + name_ + " (" + server_.listen().to_string() + ")\n";
            respond(std::move(r));
          },
          [this] {
            net::ServerResponse r;
            r.content_type = "text/plain; charset=utf-8";
            r.status = 503;
            r.body = "site " + name_ + " is broken (lab fault)\n";
            return r;
          }) {}

void SimulatedSite::start() {
  server_.start();
}
void SimulatedSite::stop() {
  server_.stop();
}

}  // namespace drpilot::lab
