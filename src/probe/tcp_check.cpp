#include "probe/tcp_check.h"

#include "net/tcp_connect.h"

namespace drpilot::probe {

void run_tcp_check(net::Loop& loop, const ProbeTarget& t, std::function<void(CheckOutcome)> done) {
  net::tcp_connect(loop, t.address, t.check->port,
                   std::min(t.check->connect_timeout, t.check->timeout),
                   [done = std::move(done)](net::ConnectResult r) {
                     done({r.ok, r.elapsed, r.ok ? "connected" : r.error, r.failure});
                   });
}

}  // namespace drpilot::probe
