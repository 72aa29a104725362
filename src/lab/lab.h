#pragma once
// The local lab: simulated sites, each a real HTTP server on its own
// loopback address, and simulated data regions (DynamoDB-compatible servers
// replicating to each other, see data_lab.h), whose faults and replication
// are switched through a small control API:
//
//   GET  /sites                      every site and data region
//   GET  /data-regions               the data regions and their replication
//   POST /sites/{name}/{action}      break | refuse | blackhole | slow?ms=N | heal
//   POST /data-regions/{name}/{action}   the same, and pause-replication | resume-replication
//
// A name may be a site or a data region in both paths (the configuration
// keeps them distinct).

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "lab/data_lab.h"
#include "lab/fault.h"
#include "lab/site.h"
#include "net/http.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::lab {

class Lab {
 public:
  Lab(net::Loop& loop, const config::LabConfig& cfg, DataLabOptions data = {});
  // Starts every data region, site and the control API; throws
  // std::runtime_error naming the address that could not be bound, or what
  // the data regions are missing.
  void start();
  void stop();

  // Applies an action to a site or data region; returns an error message or
  // "" on success.
  std::string apply(const std::string& name, const std::string& action, int slow_ms);
  net::ServerResponse control(const net::ServerRequest& req);
  SimulatedSite* find(const std::string& name);
  DataRegion* find_data_region(const std::string& name) { return data_.find(name); }
  std::uint16_t control_port() const { return control_.port(); }

 private:
  std::string unknown_name(const std::string& name) const;

  net::Loop& loop_;
  config::LabConfig cfg_;
  std::vector<std::unique_ptr<SimulatedSite>> sites_;
  DataLab data_;
  net::HttpServer control_;
};

}  // namespace drpilot::lab
