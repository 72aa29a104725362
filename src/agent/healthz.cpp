#include "agent/healthz.h"

namespace drpilot::agent {

std::string unhealthy_reason(const HealthInputs& in) {
  std::string why;
  auto add = [&why](const std::string& s) { why += (why.empty() ? "" : "; ") + s; };
  if (!in.last_apply_ok) add("the last apply failed: " + in.last_apply_error);
  if (in.applied_generation == 0) {
    add(in.controller_answered ? "no assignment applied yet"
                               : "no assignment applied yet (no controller has answered)");
  }
  if (!in.checks_why.empty()) add(in.checks_why);
  return why;
}

net::ServerResponse healthz_response(const net::ServerRequest& req, const std::string& unhealthy) {
  net::ServerResponse r;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.push_back({"Cache-Control", "no-store"});
  if (req.path != "/healthz") {
    r.status = 404;
    r.body = "not found; the agent serves /healthz\n";
  } else if (req.method != "GET" && req.method != "HEAD") {
    r.status = 405;
    r.headers.push_back({"Allow", "GET, HEAD"});
    r.body = "method not allowed\n";
  } else if (unhealthy.empty()) {
    r.body = "ok\n";
  } else {
    r.status = 503;
    r.body = unhealthy + "\n";
  }
  // The server writes whatever body it is given; a HEAD reply must have none.
  if (req.method == "HEAD") r.body.clear();
  return r;
}

net::ServerOptions healthz_server_options() {
  net::ServerOptions o;
  o.max_body = 1024;
  return o;
}

}  // namespace drpilot::agent
