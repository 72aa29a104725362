#pragma once
// What the agent's /healthz answers a load balancer: 200 "ok" only when the
// site's own checks are up (the agent's view), an assignment has been
// applied, and the last apply succeeded; otherwise 503 with the reason.

#include <cstdint>
#include <string>

#include "net/http.h"

namespace drpilot::agent {

struct HealthInputs {
  std::string checks_why;  // LocalHealth::why_not_healthy()
  std::uint64_t applied_generation = 0;
  bool last_apply_ok = true;
  std::string last_apply_error;
  bool controller_answered = false;  // any controller ever answered
};

// "" when healthy, else the reasons, most important first.
std::string unhealthy_reason(const HealthInputs& in);

// GET or HEAD /healthz; 404 for other paths, 405 for other methods.
net::ServerResponse healthz_response(const net::ServerRequest& req, const std::string& unhealthy);

// Its server takes no bodies worth reading; the connection bounds are the
// HTTP server's defaults, so a flood of idle connections cannot silence it.
net::ServerOptions healthz_server_options();

}  // namespace drpilot::agent
