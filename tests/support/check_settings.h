#pragma once
// Targets share their check's settings (read-only); a test that wants other
// settings for one target gives it a copy of its own to change.

#include <memory>

#include "config/config.h"
#include "probe/check.h"

namespace drpilot::test {

inline config::CheckConfig& settings(probe::ProbeTarget& t) {
  auto own = std::make_shared<config::CheckConfig>(t.check ? *t.check : config::CheckConfig{});
  t.check = own;
  return *own;
}

}  // namespace drpilot::test
