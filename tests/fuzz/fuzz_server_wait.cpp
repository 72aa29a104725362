// libFuzzer target for the headers a remote API uses to ask for patience:
// Retry-After (seconds or HTTP-date) and the rate-limit headers. Any value
// gives a wait that is never negative, or none; nothing crashes.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "net/backoff.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  const drpilot::core::TimePoint now = drpilot::core::from_ms(1'700'000'000'000);
  const std::size_t cut1 = in.find('\n');
  const std::size_t cut2 = cut1 == std::string::npos ? std::string::npos : in.find('\n', cut1 + 1);
  const std::string a = in.substr(0, cut1);
  const std::string b = cut1 == std::string::npos ? "" : in.substr(cut1 + 1, cut2 - cut1 - 1);
  const std::string c = cut2 == std::string::npos ? "" : in.substr(cut2 + 1);

  if (auto d = drpilot::net::parse_retry_after(a, now); d && d->count() < 0) __builtin_trap();
  for (const auto& headers :
       {std::map<std::string, std::string>{{"retry-after", a}},
        std::map<std::string, std::string>{{"x-ratelimit-remaining", b}, {"x-ratelimit-reset", c}},
        std::map<std::string, std::string>{{"ratelimit-remaining", b}, {"ratelimit-reset", c}}}) {
    if (auto d = drpilot::net::server_wait(headers, now); d && d->count() < 0) __builtin_trap();
  }
  return 0;
}
