#include "providers/target.h"

namespace drpilot::providers {

Target make_target(const config::Config& cfg, const core::Plan& plan) {
  Target t;
  t.generation = plan.generation;
  t.made_at = plan.made_at;
  t.summary = plan.summary;
  t.plan = plan;
  for (const core::RecordSpec& rec : cfg.records) {
    RecordTarget r;
    r.name = rec.name;
    r.type = rec.type;
    r.ttl = rec.ttl;
    auto it = plan.records.find(rec.key());
    if (it != plan.records.end()) {
      r.sites = it->second.sites;
      r.reason = it->second.change_reason.empty() ? it->second.reason : it->second.change_reason;
      r.addresses = cfg.addresses(rec, r.sites);
    }
    t.records.push_back(std::move(r));
  }
  return t;
}

std::vector<RecordChange> changes_between(const Target& before, const Target& after) {
  std::vector<RecordChange> out;
  for (const RecordTarget& r : after.records) {
    const RecordTarget* old = before.find(r.name, r.type);
    if (old && old->sites == r.sites && old->addresses == r.addresses) continue;
    RecordChange c;
    c.record = r.name + "/" + std::string(core::to_string(r.type));
    if (old) {
      c.from_sites = old->sites;
      c.from_addresses = old->addresses;
    }
    c.to_sites = r.sites;
    c.to_addresses = r.addresses;
    c.reason = r.reason;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace drpilot::providers
