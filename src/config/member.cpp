// One file, several controllers: each runs it as its member of the cluster.

#include "config/config.h"

namespace drpilot::config {

std::string Config::run_as_member(const std::string& name) {
  if (!cluster.enabled()) {
    return name.empty() ? ""
                        : "--member " + name + " given, but " + path +
                              " has no 'cluster' section: run without --member";
  }
  std::string names;
  for (const ClusterMember& m : cluster.members) names += (names.empty() ? "" : ", ") + m.name;
  if (name.empty()) {
    return path + " describes a cluster (" + names +
           "): say which member this controller is with --member NAME (or DRPILOT_MEMBER)";
  }
  const ClusterMember* m = cluster.find(name);
  if (!m) return "no member '" + name + "' in cluster.members (" + names + ")";
  vantage = m->name;
  if (m->api_listen) api_listen = *m->api_listen;
  if (!m->dns.empty()) dns.listen = m->dns;
  if (!m->journal.empty()) journal_path = m->journal;
  return "";
}

}  // namespace drpilot::config
