#include "lab/data_region.h"

#include "lab/dynamo_call.h"

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
    : name_(std::move(name)),
      aws_region_(std::move(aws_region)),
      server_(
          loop, std::move(listen), std::move(serve),
          [this] {
            return dynamo_error(500, "InternalServerError",
                                "data region " + name_ + " is broken (lab fault)");
          },
          dynamo_limits()) {}

void DataRegion::start() {
  server_.start();
}
void DataRegion::stop() {
  server_.stop();
}

}  // namespace drpilot::lab
