#include "probe/targets.h"

namespace drpilot::probe {

std::vector<ProbeTarget> targets_from_config(const config::Config& cfg) {
  std::vector<ProbeTarget> out;
  for (const config::SiteConfig& site : cfg.sites) {
    for (const std::string& name : site.checks) {
      const config::CheckConfig* check = cfg.find_check(name);
      if (!check) continue;  // the loader refuses dangling references
      ProbeTarget t;
      t.target = core::target_name(site.spec.name, name);
      t.site = site.spec.name;
      t.address = check->address.empty() ? site.check_address : check->address;
      t.check = *check;
      out.push_back(std::move(t));
    }
  }
  // A data region stands where a site would: "<region>/<check>".
  for (const config::DataRegionConfig& region : cfg.data_regions) {
    for (const std::string& name : region.checks) {
      const config::CheckConfig* check = cfg.find_check(name);
      if (!check) continue;
      ProbeTarget t;
      t.target = core::target_name(region.name, name);
      t.site = region.name;
      t.address = region.endpoint;
      t.region = region.region;
      t.check = *check;
      out.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace drpilot::probe
