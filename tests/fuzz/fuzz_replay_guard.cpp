// libFuzzer target for api::ReplayGuard, which the controller asks about
// every signed agent report: any sequence of agents, nonces and send times
// (as parse_report lets them through), on a clock that does not go back.
//
// Input: raw bytes. The first two give the window; then each report is a
// control byte (agent and nonce from small pools, or arbitrary strings from
// the input), the send time's offset from the clock (signed, up to about
// +-35 minutes), and how far the clock moves on before it arrives.
//
// Invariants (violations trap):
//  - nothing throws; a refusal always says why;
//  - a report (agent, nonce, send time) is never accepted twice: a replay is
//    refused however long after the first it comes;
//  - nothing sent more than a window away from the clock is accepted, nor a
//    report without a nonce;
//  - what the guard remembers is bounded by what it accepted.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>

#include "api/agent_protocol.h"
#include "fuzz_input.h"

namespace {

using namespace drpilot;

// Year 9999, as parse_report bounds sent_at_ms.
constexpr std::int64_t kMaxTimeMs = 253'402'300'799'999;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Bytes in(data, size);
  const core::Duration window{1 + ((in.byte() << 8) | in.byte()) * 8};  // 1 ms to about 9 min
  api::ReplayGuard guard(window);
  std::int64_t now_ms = 1'700'000'000'000;
  std::set<std::tuple<std::string, std::string, std::int64_t>> accepted;

  for (int step = 0; step < 4096 && !in.empty(); ++step) {
    const std::uint8_t control = in.byte();
    const std::string agent =
        control & 0x80 ? in.text(16) : std::string("agent-") + char('a' + (control & 0x3));
    const std::string nonce =
        control & 0x40 ? in.text(24) : "nonce-" + std::to_string((control >> 2) & 0xf);
    const std::int32_t offset = static_cast<std::int32_t>(in.u32()) >> 10;
    const std::int64_t sent_ms = std::clamp<std::int64_t>(now_ms + offset, 0, kMaxTimeMs);
    now_ms += in.byte() * (control & 0x20 ? 1000 : 7);

    const core::TimePoint now = core::from_ms(now_ms), sent = core::from_ms(sent_ms);
    std::string why;
    bool ok = false;
    try {
      ok = guard.accept(agent, nonce, sent, now, &why);
    } catch (...) {
      FUZZ_CHECK(!"ReplayGuard::accept threw");
    }
    if (!ok) {
      FUZZ_CHECK(!why.empty());
      continue;
    }
    FUZZ_CHECK(!nonce.empty());
    FUZZ_CHECK(sent >= now - window && sent <= now + window);
    FUZZ_CHECK(accepted.emplace(agent, nonce, sent_ms).second);  // never a replay
    FUZZ_CHECK(guard.remembered() <= accepted.size());
  }
  return 0;
}
