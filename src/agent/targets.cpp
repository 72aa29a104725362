#include "agent/targets.h"

#include <algorithm>
#include <map>

#include "probe/targets.h"

namespace drpilot::agent {

std::vector<probe::ProbeTarget> agent_targets(const config::Config& cfg,
                                              const config::AgentConfig& agent,
                                              std::string& error) {
  const config::SiteConfig* site = cfg.find_site(agent.site);
  if (!site) {
    error = "agent " + agent.name + " names site '" + agent.site + "', which is not configured";
    return {};
  }
  // The probe's own targets, so the agent checks exactly as the controller does.
  std::map<std::string, probe::ProbeTarget> known;
  for (probe::ProbeTarget& t : probe::targets_from_config(cfg)) known.emplace(t.target, t);

  std::vector<probe::ProbeTarget> out;
  for (const std::string& check : site->checks) {
    auto it = known.find(core::target_name(site->spec.name, check));
    if (it != known.end()) out.push_back(it->second);
  }
  if (site->data_regions.empty()) return out;
  const config::DataRegionConfig* region = cfg.find_data_region(site->data_regions.front());
  if (!region) return out;  // the loader refuses dangling references
  for (const std::string& check : region->checks) {
    const std::string name = core::target_name(region->name, check);
    if (auto it = known.find(name); it != known.end()) {
      out.push_back(it->second);
      continue;
    }
    // The probe's list does not hold data-region checks: build the target
    // the same way, the region standing where a site would.
    const config::CheckConfig* c = cfg.find_check(check);
    if (!c) continue;
    probe::ProbeTarget t;
    t.target = name;
    t.site = region->name;
    t.address = region->endpoint;
    t.check = probe::share(*c);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::string> cross_checked_sites(const config::Config& cfg,
                                             const config::AgentConfig& agent) {
  std::vector<std::string> out;
  for (const config::SiteConfig& s : cfg.sites) {
    const std::string& name = s.spec.name;
    if (name == agent.site) continue;
    if (agent.cross_check && std::find(agent.cross_check->begin(), agent.cross_check->end(),
                                       name) == agent.cross_check->end()) {
      continue;
    }
    out.push_back(name);
  }
  return out;
}

std::vector<probe::ProbeTarget> cross_check_targets(const config::Config& cfg,
                                                    const config::AgentConfig& agent) {
  const std::vector<std::string> sites = cross_checked_sites(cfg, agent);
  std::vector<probe::ProbeTarget> out;
  for (probe::ProbeTarget& t : probe::targets_from_config(cfg)) {
    if (std::find(sites.begin(), sites.end(), t.site) != sites.end()) out.push_back(std::move(t));
  }
  return out;
}

}  // namespace drpilot::agent
