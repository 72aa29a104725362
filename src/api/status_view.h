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
};

nlohmann::json render_status(const core::Engine& engine, const config::Config& cfg,
                             const ControllerInfo& info, core::TimePoint now);

// The addresses a record's answer publishes, in answer order.
std::vector<std::string> answer_addresses(const core::RecordSpec& rec,
                                          const std::vector<std::string>& sites,
                                          const config::Config& cfg);

}  // namespace drpilot::api
