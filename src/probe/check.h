#pragma once
// One health check of one target, and how its raw result becomes an
// observation's ok/detail.

#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "core/model.h"
#include "net/failure.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::probe {

struct ProbeTarget {
  std::string target;  // "<site>/<check>"
  std::string site;
  std::string address;  // what to connect to (a dynamodb check: the endpoint URL)
  std::string region;   // a dynamodb check: the AWS region it signs for
  // Shared by every target of one check: a controller with thousands of sites
  // keeps one copy of each check's settings. Never null.
  std::shared_ptr<const config::CheckConfig> check;
};

// A check's settings, shared (for building targets).
std::shared_ptr<const config::CheckConfig> share(config::CheckConfig c);

struct CheckOutcome {
  bool ok = false;
  core::Duration latency{0};
  std::string detail;
  // When !ok: a failure of the target (remote), or one that may be this
  // process's own (a timeout, a local resource exhausted).
  net::Failure failure = net::Failure::remote;
  // When !ok: the check could not judge the target at all (AWS refused this
  // vantage's credentials). Observed as inconclusive: unknown, never down.
  bool inconclusive = false;
};

// Runs the check once; `done` runs on the loop thread exactly once.
void run_check(net::Loop& loop, const ProbeTarget& t, std::function<void(CheckOutcome)> done);

}  // namespace drpilot::probe
