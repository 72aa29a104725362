#include "probe/http_check.h"

#include <algorithm>

#include "net/http_probe.h"

namespace drpilot::probe {

// Only this much of a body is ever read: enough for a health marker, and a
// site that answers with megabytes costs nothing.
constexpr std::size_t kBodyWindow = 5 * 1024;

net::ClientRequest http_check_request(const ProbeTarget& t) {
  const config::CheckConfig& c = *t.check;
  net::ClientRequest req;
  req.method = "GET";
  req.tls = c.kind == config::CheckKind::https;
  req.host = t.address;
  req.port = c.port;
  req.target = c.path;
  req.host_header = c.host;
  req.connect_timeout = c.connect_timeout;
  req.timeout = c.timeout;
  req.max_body = c.expect_body.empty() ? 0 : kBodyWindow;
  req.tls_verify = c.tls_verify;
  return req;
}

CheckOutcome judge_http(const config::CheckConfig& check, const net::ClientResult& r) {
  CheckOutcome o;
  o.latency = r.elapsed;
  if (!r.ok) {
    o.detail = r.error;
    o.failure = r.failure;
    return o;
  }
  o.detail = "status " + std::to_string(r.status);
  if (std::find(check.expect_status.begin(), check.expect_status.end(), r.status) ==
      check.expect_status.end()) {
    return o;
  }
  if (!check.expect_body.empty() && r.body.find(check.expect_body) == std::string::npos) {
    o.detail += ", body lacks '" + check.expect_body + "' in its first " +
                std::to_string(std::min(r.body.size(), kBodyWindow)) + " bytes";
    return o;
  }
  o.ok = true;
  return o;
}

void run_http_check(net::Loop& loop, const ProbeTarget& t, std::function<void(CheckOutcome)> done) {
  net::http_probe(loop, http_check_request(t),
                  [check = t.check, done = std::move(done)](net::ClientResult r) {
                    done(judge_http(*check, r));
                  });
}

}  // namespace drpilot::probe
