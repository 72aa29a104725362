#include "lab/faulty_server.h"

#include <memory>

#include "net/loop.h"

namespace drpilot::lab {

FaultyServer::FaultyServer(net::Loop& loop, config::Endpoint listen, net::Handler answer,
                           Broken broken, net::ServerOptions options)
    : loop_(loop),
      listen_(std::move(listen)),
      answer_(std::move(answer)),
      broken_(std::move(broken)),
      server_(
          loop, listen_.host, listen_.port,
          [this](const net::ServerRequest& req, net::Responder respond) {
            handle(req, std::move(respond));
          },
          options) {}

void FaultyServer::set_fault(Fault f, int slow_ms) {
  const Fault before = fault_;
  fault_ = f;
  slow_ms_ = f == Fault::slow ? slow_ms : 0;
  switch_server(server_, before, f);
}

void FaultyServer::handle(const net::ServerRequest& req, net::Responder respond) {
  if (fault_ == Fault::blackholed) return;  // never answer
  if (fault_ == Fault::broken) {
    respond(broken_());
    return;
  }
  if (fault_ == Fault::slow && slow_ms_ > 0) {
    answer_(req, [this, respond = std::move(respond)](net::ServerResponse r) mutable {
      auto timer = std::make_shared<net::Timer>(loop_);
      timer->start(std::chrono::milliseconds(slow_ms_),
                   [timer, respond = std::move(respond), r = std::move(r)]() mutable {
                     respond(std::move(r));
                   });
    });
    return;
  }
  answer_(req, std::move(respond));
}

}  // namespace drpilot::lab
