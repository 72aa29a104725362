#pragma once
// tcp checks: a connect within the timeout is success.

#include <functional>

#include "probe/check.h"

namespace drpilot::probe {

void run_tcp_check(net::Loop& loop, const ProbeTarget& t, std::function<void(CheckOutcome)> done);

}  // namespace drpilot::probe
