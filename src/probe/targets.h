#pragma once
// One probe target per site x check and data region x check, as the
// configuration describes them.

#include <vector>

#include "config/config.h"
#include "probe/check.h"

namespace drpilot::probe {

std::vector<ProbeTarget> targets_from_config(const config::Config& cfg);

}  // namespace drpilot::probe
