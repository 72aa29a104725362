#pragma once
// What the leader keeps in etcd for the whole cluster (one key,
// <prefix>state, JSON): the current plan with its reasons and anti-flap
// timers, the plan last released to the world, the operator's overrides,
// and the generation each provider last verified. A new leader resumes from it; followers serve its
// plan.

#include <cstdint>
#include <map>
#include <string>

#include "core/plan.h"
#include "core/spec.h"

namespace drpilot::cluster {

struct SharedState {
  core::Plan plan;  // carries the term and leader that made it
  // What the pre_change hooks let through (what every member's DNS serves):
  // the plan itself, or an older one while a newer is held back. Empty
  // (generation 0) before the first release.
  core::Plan released;
  core::Overrides overrides;
  std::map<std::string, std::uint64_t> verified;  // by provider name
  std::string config_digest;                      // of the leader's configuration

  // Ordered by (term, generation): the newer state wins.
  bool newer_than(const SharedState& o) const;
};

std::string encode(const SharedState& s);
// Throws std::runtime_error naming what is wrong; nothing half-decoded.
SharedState decode_shared_state(const std::string& text);

}  // namespace drpilot::cluster
