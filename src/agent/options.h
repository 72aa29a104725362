#pragma once
// An agent's runtime options from the shared configuration file: its own
// section (agents[] with its name), its site's checks and its local data
// region's checks.

#include <optional>
#include <string>

#include "agent/agent.h"
#include "config/config.h"

namespace drpilot::agent {

// `key` is the resolved secret (config/secrets.h); nothing with `error` when
// the agent or its site is not configured.
std::optional<AgentOptions> options_from_config(const config::Config& cfg, const std::string& name,
                                                std::string key, std::string& error);

}  // namespace drpilot::agent
