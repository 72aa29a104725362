#include "probe/check.h"

#include "probe/http_check.h"
#include "probe/tcp_check.h"

namespace drpilot::probe {

void run_check(net::Loop& loop, const ProbeTarget& t, std::function<void(CheckOutcome)> done) {
  switch (t.check.kind) {
    case config::CheckKind::http:
    case config::CheckKind::https:
      run_http_check(loop, t, std::move(done));
      return;
    case config::CheckKind::tcp:
      run_tcp_check(loop, t, std::move(done));
      return;
  }
}

}  // namespace drpilot::probe
