#include "probe/check.h"

#include "probe/http_check.h"
#include "probe/tcp_check.h"

namespace drpilot::probe {

std::shared_ptr<const config::CheckConfig> share(config::CheckConfig c) {
  return std::make_shared<const config::CheckConfig>(std::move(c));
}

void run_check(net::Loop& loop, const ProbeTarget& t, std::function<void(CheckOutcome)> done) {
  switch (t.check->kind) {
    case config::CheckKind::http:
    case config::CheckKind::https:
      run_http_check(loop, t, std::move(done));
      return;
    case config::CheckKind::tcp:
      run_tcp_check(loop, t, std::move(done));
      return;
    case config::CheckKind::dynamodb:
      // They need credentials and a worker thread: DataProbe runs them.
      done(CheckOutcome{false, core::Duration{0}, "dynamodb checks run through a DataProbe"});
      return;
  }
}

}  // namespace drpilot::probe
