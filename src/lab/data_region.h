#pragma once
// A lab data region's endpoint: the server clients talk DynamoDB to. It
// applies the region's fault first (break answers a DynamoDB-shaped 500),
// then hands the request to the lab, which serves it from the region's
// dynalite.

#include <string>

#include "config/config.h"
#include "lab/faulty_server.h"

namespace drpilot::lab {

class DataRegion {
 public:
  // `aws_region`: the name it goes by in a global table's replica list.
  DataRegion(net::Loop& loop, std::string name, std::string aws_region, config::Endpoint listen,
             net::Handler serve);
  void start();
  void stop();
  void set_fault(Fault f, int slow_ms = 0) { server_.set_fault(f, slow_ms); }
  Fault fault() const { return server_.fault(); }
  int slow_ms() const { return server_.slow_ms(); }
  const std::string& name() const { return name_; }
  const std::string& aws_region() const { return aws_region_; }
  const config::Endpoint& listen() const { return server_.listen(); }

 private:
  std::string name_;
  std::string aws_region_;
  FaultyServer server_;
};

}  // namespace drpilot::lab
