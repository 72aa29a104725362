#pragma once
// http/https checks: expected status set, optional body substring within the
// first 5 KiB, connect and total timeouts, Host header, TLS verified by default.

#include <functional>

#include "net/http.h"
#include "probe/check.h"

namespace drpilot::probe {

net::ClientRequest http_check_request(const ProbeTarget& t);
// Judges a response against the check's expectations.
CheckOutcome judge_http(const config::CheckConfig& check, const net::ClientResult& r);
void run_http_check(net::Loop& loop, const ProbeTarget& t, std::function<void(CheckOutcome)> done);

}  // namespace drpilot::probe
