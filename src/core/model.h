#pragma once
// The facts the core reasons about: observations (what a probe saw) and
// verdicts (what we conclude after hysteresis and quorum).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace drpilot::core {

enum class Health { unknown, up, down };

std::string_view to_string(Health h);
std::optional<Health> parse_health(std::string_view s);

// One probe result. Facts only, never a decision.
struct Observation {
  std::string target;   // "<site>/<check>", e.g. "ams/web"
  std::string vantage;  // where it was seen from, e.g. "controller"
  bool ok = false;
  Duration latency{0};
  std::string detail;  // short reason: "status 200", "connect refused", "timeout after 200ms"
  TimePoint at{};
  // The check could not judge the target, for a reason of the vantage's
  // own: AWS refused its credentials. Never ok; it is no failure of the
  // target either, so the vantage's opinion becomes unknown (never down).
  bool inconclusive = false;
};

// The health of a target (or a site) after hysteresis and quorum.
struct Verdict {
  Health state = Health::unknown;
  TimePoint since{};    // when `state` was entered
  std::string reason;   // one sentence
  Duration latency{0};  // of the most recent successful-or-not probe that counted
  bool operator==(const Verdict&) const = default;
};

// Where a vantage stands relative to the site it judges: outside it (a
// controller, another site's agent) or inside it (the site's own agent).
enum class Side { external, internal };

struct Vote {
  std::string vantage;
  Side side = Side::external;      // used by vantage_verdict(); quorum() counts all alike
  Health state = Health::unknown;  // this vantage's hysteresis state
  bool fresh = false;              // reported within the freshness window
  std::string detail;              // its latest observation's detail
  int streak = 0;                  // consecutive results behind `state`
  bool abstains = false;           // its last check was inconclusive
};

struct VerdictChange {
  std::string subject;  // a target ("ams/web") or a site ("ams")
  Verdict before;
  Verdict after;
  // A target's change: how each vantage saw it when it changed (the vantage
  // matrix behind the verdict, for history). Empty for sites.
  std::vector<Vote> votes;
};

// HAProxy-style hysteresis: `fall` consecutive failures to go down, `rise`
// consecutive successes to come up.
struct Hysteresis {
  int rise = 2;
  int fall = 3;
  bool operator==(const Hysteresis&) const = default;
};

inline std::string target_name(std::string_view site, std::string_view check) {
  std::string t(site);
  t += '/';
  t += check;
  return t;
}

}  // namespace drpilot::core
