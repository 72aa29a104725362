#pragma once
// A lab data region's endpoint: the server clients talk DynamoDB to. It
// applies the region's fault first (break answers a DynamoDB-shaped 500),
// then hands the request to the lab, which serves it from the region's
// dynalite.

#include <string>

#include "config/config.h"
#include "lab/fault.h"
#include "net/http.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::lab {

class DataRegion {
 public:
  // `aws_region`: the name it goes by in a global table's replica list.
  DataRegion(net::Loop& loop, std::string name, std::string aws_region, config::Endpoint listen,
             net::Handler serve);
  void start();
  void stop();
  void set_fault(Fault f, int slow_ms = 0);
  Fault fault() const { return fault_; }
  int slow_ms() const { return slow_ms_; }
  const std::string& name() const { return name_; }
  const std::string& aws_region() const { return aws_region_; }
  const config::Endpoint& listen() const { return listen_; }

 private:
  void handle(const net::ServerRequest& req, net::Responder respond);

  net::Loop& loop_;
  std::string name_;
  std::string aws_region_;
  config::Endpoint listen_;
  net::Handler serve_;
  net::HttpServer server_;
  Fault fault_ = Fault::none;
  int slow_ms_ = 0;
};

}  // namespace drpilot::lab
