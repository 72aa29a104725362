#pragma once
// The status document: what the controller believes and why, as JSON. Read
// by `drpilot status`, the API and anything an operator scripts against it.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "config/config.h"
#include "core/engine.h"

namespace drpilot::api {

struct ControllerInfo {
  std::string version;
  std::string config_path;
  std::string journal_path;
  core::TimePoint started_at{};
  std::vector<std::string> alerts;  // active alerts, one sentence each
  // The world: each provider's progress (rendered by the controller) and the
  // change gate (the generation let through, and why a newer one is held back).
  nlohmann::json providers = nlohmann::json::array();
  std::uint64_t released_generation = 0;
  std::string held_back;
  // The agents as the controller last heard from them (rendered by it).
  nlohmann::json agents = nlohmann::json::array();
};

// Alerts about the data side and the vantages: a controller that is the one
// cut off, replication lag over a group's RPO budget.
std::vector<std::string> data_alerts(const core::Engine& engine, const config::Config& cfg,
                                     const std::map<core::LagKey, core::LagStat>& lag);

nlohmann::json render_status(const core::Engine& engine, const config::Config& cfg,
                             const ControllerInfo& info, core::TimePoint now);

}  // namespace drpilot::api
