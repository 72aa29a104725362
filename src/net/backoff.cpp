#include "net/backoff.h"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace drpilot::net {
namespace {

std::optional<long long> whole_number(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// IMF-fixdate only ("Sun, 06 Nov 1994 08:49:37 GMT"): the form RFC 9110
// requires senders to use.
std::optional<core::TimePoint> parse_http_date(std::string_view s) {
  std::tm tm{};
  const std::string text(s);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return core::from_ms(static_cast<std::int64_t>(t) * 1000);
}

// A server asking for more than a day is taken at a day: the value is
// remote input, and a wait must neither overflow nor stop a provider forever.
constexpr core::Duration kLongestServerWait{24LL * 3600 * 1000};

core::Duration seconds_capped(long long seconds) {
  if (seconds > kLongestServerWait.count() / 1000) return kLongestServerWait;
  return core::Duration{seconds * 1000};
}

const std::string* find(const std::map<std::string, std::string>& h, const char* a, const char* b) {
  if (auto it = h.find(a); it != h.end()) return &it->second;
  if (auto it = h.find(b); it != h.end()) return &it->second;
  return nullptr;
}

}  // namespace

core::Duration full_jitter(const Backoff& b, int attempt, std::mt19937_64& rng) {
  std::int64_t ceiling = std::max<std::int64_t>(b.base.count(), 0);
  for (int i = 0; i < attempt && ceiling < b.cap.count(); ++i) ceiling *= 2;
  ceiling = std::min(ceiling, b.cap.count());
  if (ceiling <= 0) return core::Duration{0};
  return core::Duration{std::uniform_int_distribution<std::int64_t>(0, ceiling)(rng)};
}

std::optional<core::Duration> parse_retry_after(std::string_view value, core::TimePoint now) {
  if (auto seconds = whole_number(value)) return seconds_capped(*seconds);
  if (auto at = parse_http_date(value)) {
    return std::clamp(*at - now, core::Duration{0}, kLongestServerWait);
  }
  return std::nullopt;
}

std::optional<core::Duration> server_wait(const std::map<std::string, std::string>& headers,
                                          core::TimePoint now) {
  if (auto it = headers.find("retry-after"); it != headers.end()) {
    if (auto d = parse_retry_after(it->second, now)) return d;
  }
  const std::string* remaining = find(headers, "x-ratelimit-remaining", "ratelimit-remaining");
  const std::string* reset = find(headers, "x-ratelimit-reset", "ratelimit-reset");
  if (!remaining || !reset) return std::nullopt;
  auto left = whole_number(*remaining);
  auto at = whole_number(*reset);
  if (!left || !at || *left > 0) return std::nullopt;
  if (*at > 1'000'000'000)
    return seconds_capped(std::max<long long>(0, *at - core::to_ms(now) / 1000));
  return seconds_capped(*at);
}

}  // namespace drpilot::net
