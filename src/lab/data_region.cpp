#include "lab/data_region.h"

#include <memory>

#include "lab/dynamo_call.h"
#include "net/loop.h"

namespace drpilot::lab {
namespace {

net::ServerOptions dynamo_limits() {
  net::ServerOptions o;
  o.max_body = 16 * 1024 * 1024;  // BatchWriteItem's limit
  return o;
}

}  // namespace

DataRegion::DataRegion(net::Loop& loop, std::string name, std::string aws_region,
                       config::Endpoint listen, net::Handler serve)
    : loop_(loop),
      name_(std::move(name)),
      aws_region_(std::move(aws_region)),
      listen_(std::move(listen)),
      serve_(std::move(serve)),
      server_(
          loop, listen_.host, listen_.port,
          [this](const net::ServerRequest& req, net::Responder respond) {
            handle(req, std::move(respond));
          },
          dynamo_limits()) {}

void DataRegion::start() {
  server_.start();
}
void DataRegion::stop() {
  server_.stop();
}

void DataRegion::set_fault(Fault f, int slow_ms) {
  const Fault before = fault_;
  fault_ = f;
  slow_ms_ = f == Fault::slow ? slow_ms : 0;
  switch_server(server_, before, f);
}

void DataRegion::handle(const net::ServerRequest& req, net::Responder respond) {
  if (fault_ == Fault::blackholed) return;  // never answer
  if (fault_ == Fault::broken) {
    respond(dynamo_error(500, "InternalServerError",
                         "data region " + name_ + " is broken (lab fault)"));
    return;
  }
  if (fault_ == Fault::slow && slow_ms_ > 0) {
    // The request is served now and only the answer is late, as from an
    // overloaded region: a client that gives up cannot tell whether its write
    // happened.
    serve_(req, [this, respond = std::move(respond)](net::ServerResponse r) mutable {
      auto timer = std::make_shared<net::Timer>(loop_);
      timer->start(std::chrono::milliseconds(slow_ms_),
                   [timer, respond = std::move(respond), r = std::move(r)]() mutable {
                     respond(std::move(r));
                   });
    });
    return;
  }
  serve_(req, std::move(respond));
}

}  // namespace drpilot::lab
