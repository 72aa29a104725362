#pragma once
// How long to wait before trying a remote API again: full-jitter exponential
// backoff, and the waits servers ask for (Retry-After, rate-limit headers).

#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "core/time.h"

namespace drpilot::net {

struct Backoff {
  core::Duration base{1'000};  // the first retry waits up to this long
  core::Duration cap{60'000};  // no retry waits longer (unless a server asks)
  // A wait a server asks for (Retry-After) is honoured up to this long: a
  // broken or hostile API must not hold a failover back for hours.
  core::Duration server_wait_cap{300'000};
};

// Full jitter: the n-th retry (n = 0 for the first) waits a uniformly random
// time in [0, min(cap, base * 2^n)], so that many clients failing together do
// not come back together.
core::Duration full_jitter(const Backoff& b, int attempt, std::mt19937_64& rng);

// Retry-After (RFC 9110 section 10.2.3): delay-seconds, or an HTTP-date
// ("Sun, 06 Nov 1994 08:49:37 GMT") turned into a delay from `now`. Nothing
// when the value is neither; a date in the past is a zero delay; no wait is
// longer than a day.
std::optional<core::Duration> parse_retry_after(std::string_view value, core::TimePoint now);

// What a server's reply says about waiting before the next request (header
// names in lower case): Retry-After when present; otherwise, when the
// rate-limit headers say no requests remain, the time until the window
// resets. Understands X-RateLimit-* (Linode) and RateLimit-* (DigitalOcean,
// IETF draft); a reset value above 10^9 is a Unix time, smaller ones are
// seconds from now.
std::optional<core::Duration> server_wait(const std::map<std::string, std::string>& headers,
                                          core::TimePoint now);

}  // namespace drpilot::net
