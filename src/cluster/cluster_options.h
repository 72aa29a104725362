#pragma once
// From the configuration's cluster section to what the etcd client and the
// elector take, with the password read from where the file says.

#include <optional>
#include <string>
#include <vector>

#include "cluster/elector.h"
#include "cluster/etcd_client.h"
#include "config/config.h"

namespace drpilot::cluster {

// nullopt and `error` when the password cannot be read.
std::optional<EtcdOptions> etcd_options(const config::EtcdConfig& etcd, std::string& error);
ElectorOptions elector_options(const config::EtcdConfig& etcd, const std::string& member);

// Each endpoint asked on its own (a blocking call, for `check-config
// --online`): one line per endpoint, and whether every one answered.
struct EtcdReachability {
  std::vector<std::string> lines;
  bool all_reached = false;
};
EtcdReachability reach_etcd(const EtcdOptions& options, const std::string& prefix);

}  // namespace drpilot::cluster
