#pragma once
// What an agent checks from inside its site: the site's own checks
// ("<site>/<check>") and those of the site's first data region, its local
// one ("<region>/<check>"); and from outside them, the checks of the other
// sites it cross-checks (agents[].cross_check, every other site by
// default), so that each site is also seen from the other sites.

#include <string>
#include <vector>

#include "config/config.h"
#include "probe/check.h"

namespace drpilot::agent {

// Nothing (empty) with `error` when the agent's site is not configured.
std::vector<probe::ProbeTarget> agent_targets(const config::Config& cfg,
                                              const config::AgentConfig& agent, std::string& error);
// The sites it cross-checks, in configuration order.
std::vector<std::string> cross_checked_sites(const config::Config& cfg,
                                             const config::AgentConfig& agent);
// Their checks ("<site>/<check>"), as the controller probes them.
std::vector<probe::ProbeTarget> cross_check_targets(const config::Config& cfg,
                                                    const config::AgentConfig& agent);

}  // namespace drpilot::agent
