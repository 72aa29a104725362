#pragma once
// How many random cases a property test runs: all of them in a normal build,
// a quarter under the sanitizers (AddressSanitizer + UndefinedBehaviorSanitizer
// or ThreadSanitizer: DRPILOT_SANITIZED), which cost 3-15x, so the sanitizer
// passes stay in bounded time while still covering hundreds of timelines.

#include <cstdint>

namespace drpilot::test {

constexpr std::uint32_t scaled(std::uint32_t n) {
#ifdef DRPILOT_SANITIZED
  return n / 4 > 0 ? n / 4 : 1;
#else
  return n;
#endif
}

}  // namespace drpilot::test
