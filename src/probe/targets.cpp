#include "probe/targets.h"

#include <map>
#include <memory>

namespace drpilot::probe {

std::vector<ProbeTarget> targets_from_config(const config::Config& cfg) {
  // One shared copy of each check's settings, however many targets use it.
  std::map<std::string, std::shared_ptr<const config::CheckConfig>> shared;
  for (const config::CheckConfig& c : cfg.checks) shared.emplace(c.name, share(c));
  std::vector<ProbeTarget> out;
  out.reserve(cfg.sites.size() + cfg.data_regions.size());
  for (const config::SiteConfig& site : cfg.sites) {
    for (const std::string& name : site.checks) {
      auto check = shared.find(name);
      if (check == shared.end()) continue;  // the loader refuses dangling references
      ProbeTarget t;
      t.target = core::target_name(site.spec.name, name);
      t.site = site.spec.name;
      t.address = check->second->address.empty() ? site.check_address : check->second->address;
      t.check = check->second;
      out.push_back(std::move(t));
    }
  }
  // A data region stands where a site would: "<region>/<check>".
  for (const config::DataRegionConfig& region : cfg.data_regions) {
    for (const std::string& name : region.checks) {
      auto check = shared.find(name);
      if (check == shared.end()) continue;
      ProbeTarget t;
      t.target = core::target_name(region.name, name);
      t.site = region.name;
      t.address = region.endpoint;
      t.region = region.region;
      t.check = check->second;
      out.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace drpilot::probe
