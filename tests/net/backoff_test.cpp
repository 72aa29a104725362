// Backoff and the waits servers ask for: full jitter stays within its bounds
// and grows to the cap; Retry-After and rate-limit headers become waits.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "net/backoff.h"

namespace drpilot::net {
namespace {

using core::Duration;

// Fri, 14 Nov 2025 00:00:00 GMT.
const core::TimePoint kNow = core::from_ms(1'763'078'400'000);

TEST(FullJitter, StaysWithinTheGrowingCeiling) {
  std::mt19937_64 rng(42);
  const Backoff b{Duration{100}, Duration{3'000}};
  for (int attempt = 0; attempt < 12; ++attempt) {
    const std::int64_t ceiling = std::min<std::int64_t>(3'000, 100LL << attempt);
    Duration most{0};
    for (int i = 0; i < 500; ++i) {
      const Duration d = full_jitter(b, attempt, rng);
      ASSERT_GE(d.count(), 0) << "attempt " << attempt;
      ASSERT_LE(d.count(), ceiling) << "attempt " << attempt;
      most = std::max(most, d);
    }
    // 500 uniform draws come close to the ceiling: the ceiling really grows.
    EXPECT_GT(most.count(), ceiling * 8 / 10) << "attempt " << attempt;
  }
}

TEST(FullJitter, IsRandomButReproducibleWithASeed) {
  const Backoff b{Duration{1'000}, Duration{60'000}};
  std::mt19937_64 a(7), c(7), other(8);
  std::vector<Duration> first, second, third;
  for (int i = 0; i < 20; ++i) {
    first.push_back(full_jitter(b, 5, a));
    second.push_back(full_jitter(b, 5, c));
    third.push_back(full_jitter(b, 5, other));
  }
  EXPECT_EQ(first, second);
  EXPECT_NE(first, third);
  std::sort(first.begin(), first.end());
  EXPECT_NE(first.front(), first.back()) << "jitter must spread the retries";
}

TEST(FullJitter, HugeAttemptsDoNotOverflowAndZeroBaseIsZero) {
  std::mt19937_64 rng(1);
  const Backoff b{Duration{1'000}, Duration{60'000}};
  for (int attempt : {40, 63, 64, 1000, 1 << 30}) {
    const Duration d = full_jitter(b, attempt, rng);
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), 60'000);
  }
  EXPECT_EQ(full_jitter(Backoff{Duration{0}, Duration{60'000}}, 3, rng), Duration{0});
}

TEST(RetryAfter, Seconds) {
  EXPECT_EQ(parse_retry_after("0", kNow), Duration{0});
  EXPECT_EQ(parse_retry_after("7", kNow), Duration{7'000});
  EXPECT_EQ(parse_retry_after(" 120 ", kNow), Duration{120'000});
  EXPECT_FALSE(parse_retry_after("-3", kNow));
  EXPECT_FALSE(parse_retry_after("1.5", kNow));
  EXPECT_FALSE(parse_retry_after("", kNow));
  EXPECT_FALSE(parse_retry_after("soon", kNow));
  EXPECT_FALSE(parse_retry_after("5s", kNow));
}

TEST(RetryAfter, HttpDate) {
  EXPECT_EQ(parse_retry_after("Fri, 14 Nov 2025 00:00:30 GMT", kNow), Duration{30'000});
  EXPECT_EQ(parse_retry_after("Fri, 14 Nov 2025 01:00:00 GMT", kNow), Duration{3'600'000});
  // A date in the past means "now".
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kNow), Duration{0});
  EXPECT_FALSE(parse_retry_after("Fri, 14 Nov 2025 00:00:30", kNow));
  EXPECT_FALSE(parse_retry_after("2025-11-14T00:00:30Z", kNow));
}

TEST(ServerWait, RetryAfterComesFirst) {
  std::map<std::string, std::string> h = {
      {"retry-after", "4"}, {"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "100"}};
  EXPECT_EQ(server_wait(h, kNow), Duration{4'000});
}

TEST(ServerWait, LinodeHeadersWithUnixReset) {
  const std::int64_t reset = 1'763'078'400 + 42;  // 42 s after kNow, as Unix time
  std::map<std::string, std::string> h = {{"x-ratelimit-limit", "800"},
                                          {"x-ratelimit-remaining", "0"},
                                          {"x-ratelimit-reset", std::to_string(reset)}};
  EXPECT_EQ(server_wait(h, kNow), Duration{42'000});
  h["x-ratelimit-remaining"] = "3";
  EXPECT_FALSE(server_wait(h, kNow)) << "requests remain: no wait";
  h["x-ratelimit-remaining"] = "0";
  h["x-ratelimit-reset"] = std::to_string(1'763'078'400 - 10);
  EXPECT_EQ(server_wait(h, kNow), Duration{0}) << "a reset in the past";
}

TEST(ServerWait, DigitalOceanHeadersWithSecondsReset) {
  std::map<std::string, std::string> h = {
      {"ratelimit-limit", "5000"}, {"ratelimit-remaining", "0"}, {"ratelimit-reset", "30"}};
  EXPECT_EQ(server_wait(h, kNow), Duration{30'000});
}

// Remote input: a huge value must neither overflow nor stop a provider for
// longer than a day (found by fuzzing).
TEST(ServerWait, HugeValuesAreCappedAtADay) {
  const core::TimePoint now = core::from_ms(1'700'000'000'000);
  const core::Duration day{24LL * 3600 * 1000};
  EXPECT_EQ(parse_retry_after("969999199999999999", now), day);
  EXPECT_EQ(server_wait({{"retry-after", "99999999999"}}, now), day);
  EXPECT_EQ(
      server_wait({{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "9999999999999999"}}, now),
      day);
  EXPECT_EQ(server_wait({{"ratelimit-remaining", "0"}, {"ratelimit-reset", "999999999"}}, now),
            day);
}

TEST(ServerWait, NothingToWaitFor) {
  EXPECT_FALSE(server_wait({}, kNow));
  EXPECT_FALSE(server_wait({{"x-ratelimit-remaining", "0"}}, kNow)) << "no reset: no wait";
  EXPECT_FALSE(server_wait({{"x-ratelimit-remaining", "zero"}, {"x-ratelimit-reset", "5"}}, kNow));
  EXPECT_FALSE(server_wait({{"retry-after", "later"}}, kNow));
}

}  // namespace
}  // namespace drpilot::net
