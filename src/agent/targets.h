#pragma once
// What an agent checks from inside its site: the site's own checks
// ("<site>/<check>") and those of the site's first data region, its local
// one ("<region>/<check>"). Other sites and regions are the controllers'
// and the other agents' business.

#include <string>
#include <vector>

#include "config/config.h"
#include "probe/check.h"

namespace drpilot::agent {

// Nothing (empty) with `error` when the agent's site is not configured.
std::vector<probe::ProbeTarget> agent_targets(const config::Config& cfg,
                                              const config::AgentConfig& agent, std::string& error);

}  // namespace drpilot::agent
