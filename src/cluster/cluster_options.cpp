#include "cluster/cluster_options.h"

#include "config/secrets.h"
#include "net/loop.h"

namespace drpilot::cluster {

std::optional<EtcdOptions> etcd_options(const config::EtcdConfig& etcd, std::string& error) {
  EtcdOptions o;
  o.endpoints = etcd.endpoints;
  o.ca_file = etcd.ca_file;
  o.certificate_file = etcd.certificate_file;
  o.key_file = etcd.key_file;
  o.user = etcd.user;
  o.timeout = etcd.timeout;
  if (!etcd.user.empty()) {
    std::string why;
    auto password = config::resolve_secret(etcd.password, why);
    if (!password) {
      error = "etcd user '" + etcd.user + "' password: " + why;
      return std::nullopt;
    }
    o.password = *password;
  }
  return o;
}

ElectorOptions elector_options(const config::EtcdConfig& etcd, const std::string& member) {
  ElectorOptions o;
  o.member = member;
  o.prefix = etcd.prefix;
  o.lease_ttl_s = etcd.lease_ttl.count() / 1000;
  o.clock_rate_bound = etcd.clock_rate_bound_percent / 100.0;
  o.apply_deadline = etcd.apply_deadline;
  return o;
}

EtcdReachability reach_etcd(const EtcdOptions& options, const std::string& prefix) {
  EtcdReachability out;
  out.all_reached = true;
  for (const std::string& endpoint : options.endpoints) {
    net::Loop loop;
    EtcdOptions one = options;
    one.endpoints = {endpoint};
    EtcdClient client(loop, one);
    std::string line;
    client.range(prefix + "leader", [&](const std::string& error, const RangeReply& r) {
      if (!error.empty()) {
        line = error;
        out.all_reached = false;
      } else if (r.kvs.empty()) {
        line = "etcd at " + endpoint + ": reachable (revision " +
               std::to_string(r.header.revision) + "); no leader elected";
      } else {
        line = "etcd at " + endpoint + ": reachable (revision " +
               std::to_string(r.header.revision) + "); leader " + r.kvs[0].value + " in term " +
               std::to_string(r.kvs[0].create_revision);
      }
      loop.stop();
    });
    loop.run();
    out.lines.push_back(line);
  }
  return out;
}

}  // namespace drpilot::cluster
