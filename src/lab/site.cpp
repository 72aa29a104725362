#include "lab/site.h"

#include <memory>

#include "net/loop.h"

namespace drpilot::lab {

SimulatedSite::SimulatedSite(net::Loop& loop, std::string name, config::Endpoint listen)
    : loop_(loop),
      name_(std::move(name)),
      listen_(std::move(listen)),
      server_(loop, listen_.host, listen_.port,
              [this](const net::ServerRequest& req, net::Responder respond) {
                handle(req, std::move(respond));
              }) {}

void SimulatedSite::start() {
  server_.start();
}
void SimulatedSite::stop() {
  server_.stop();
}

void SimulatedSite::set_fault(Fault f, int slow_ms) {
  const Fault before = fault_;
  fault_ = f;
  slow_ms_ = f == Fault::slow ? slow_ms : 0;
  switch_server(server_, before, f);
}

void SimulatedSite::handle(const net::ServerRequest& req, net::Responder respond) {
  if (fault_ == Fault::blackholed) return;  // never answer
  net::ServerResponse r;
  r.content_type = "text/plain; charset=utf-8";
  if (fault_ == Fault::broken) {
    r.status = 503;
    r.body = "site " + name_ + " is broken (lab fault)\n";
  } else if (req.path == "/healthz") {
    r.body = "ok\n";
  } else {
    r.body = "Hello from site " + name_ + " (" + listen_.to_string() + ")\n";
  }
  if (fault_ == Fault::slow && slow_ms_ > 0) {
    auto timer = std::make_shared<net::Timer>(loop_);
    timer->start(std::chrono::milliseconds(slow_ms_),
                 [timer, respond = std::move(respond), r]() mutable { respond(std::move(r)); });
    return;
  }
  respond(std::move(r));
}

}  // namespace drpilot::lab
