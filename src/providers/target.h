#pragma once
// From a plan to a Target: every configured record with the addresses its
// answer publishes, and the changes between two targets (for hooks and
// webhooks: which record moved from which sites to which).

#include <string>
#include <vector>

#include "config/config.h"
#include "core/plan.h"
#include "providers/provider.h"

namespace drpilot::providers {

Target make_target(const config::Config& cfg, const core::Plan& plan);

struct RecordChange {
  std::string record;  // "www.example.com/A"
  std::vector<std::string> from_sites, to_sites;
  std::vector<std::string> from_addresses, to_addresses;
  std::string reason;  // why the answer is now `to_sites`
};

// Records whose answer (sites or addresses) differs between `before` and
// `after`; a record new in `after` counts as changed from nothing.
std::vector<RecordChange> changes_between(const Target& before, const Target& after);

}  // namespace drpilot::providers
