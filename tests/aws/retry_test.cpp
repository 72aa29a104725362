// The standard retry mode's pieces: which error codes are retried, the retry
// quota, and full-jitter backoff capped at 20 s.

#include "aws/retry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace drpilot::aws {
namespace {

TEST(RetryCodes, ThrottlingCodesAreThoseOfTheSdks) {
  for (const char* code :
       {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException"}) {
    EXPECT_TRUE(is_throttling_code(code)) << code;
  }
  for (const char* code :
       {"", "ValidationException", "ResourceNotFoundException", "ConditionalCheckFailedException",
        "AccessDeniedException", "throttlingexception", "InternalServerError"}) {
    EXPECT_FALSE(is_throttling_code(code)) << code;
  }
}

TEST(RetryCodes, TransientCodes) {
  EXPECT_TRUE(is_transient_code("RequestTimeout"));
  EXPECT_TRUE(is_transient_code("RequestTimeoutException"));
  EXPECT_TRUE(is_transient_code("PriorRequestNotComplete"));
  EXPECT_FALSE(is_transient_code("ValidationException"));
  EXPECT_FALSE(is_transient_code("ExpiredTokenException"));
}

TEST(RetryQuota, StartsAt500AndChargesUntilEmpty) {
  RetryQuota q;
  EXPECT_EQ(q.available(), 500);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(q.acquire(RetryQuota::kRetryCost)) << i;
  EXPECT_EQ(q.available(), 0);
  EXPECT_FALSE(q.acquire(RetryQuota::kRetryCost));
  EXPECT_EQ(q.available(), 0);
  q.release(RetryQuota::kNoRetryIncrement);
  EXPECT_EQ(q.available(), 1);
  EXPECT_FALSE(q.acquire(RetryQuota::kRetryCost));  // not partly
  EXPECT_EQ(q.available(), 1);
}

TEST(RetryQuota, TimeoutsCostMoreAndReleasesStopAtTheStart) {
  EXPECT_EQ(RetryQuota::kRetryCost, 5);
  EXPECT_EQ(RetryQuota::kTimeoutRetryCost, 10);
  EXPECT_EQ(RetryQuota::kNoRetryIncrement, 1);
  RetryQuota q;
  ASSERT_TRUE(q.acquire(RetryQuota::kTimeoutRetryCost));
  EXPECT_EQ(q.available(), 490);
  q.release(1000);
  EXPECT_EQ(q.available(), 500);
  q.release(1);
  EXPECT_EQ(q.available(), 500);
}

TEST(RetryQuota, SharedByThreadsWithoutLosingTokens) {
  RetryQuota q;
  std::vector<std::thread> threads;
  std::atomic<int> taken{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (q.acquire(RetryQuota::kRetryCost)) ++taken;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(taken.load(), 100);
  EXPECT_EQ(q.available(), 0);
}

TEST(RetryDelay, FullJitterUpToBaseTimesTwoToTheNCappedAt20Seconds) {
  std::mt19937_64 rng(42);
  const core::Duration base{1'000};
  for (int n = 0; n <= 12; ++n) {
    const std::int64_t ceiling = std::min<std::int64_t>(20'000, 1'000LL << n);
    std::int64_t lo = ceiling, hi = 0, sum = 0;
    const int samples = 4000;
    for (int i = 0; i < samples; ++i) {
      const std::int64_t d = retry_delay(base, n, rng).count();
      ASSERT_GE(d, 0);
      ASSERT_LE(d, ceiling) << "retry " << n;
      lo = std::min(lo, d);
      hi = std::max(hi, d);
      sum += d;
    }
    // Uniform over [0, ceiling]: both ends reached nearly, the mean near half.
    EXPECT_LT(lo, ceiling / 50) << "retry " << n;
    EXPECT_GT(hi, ceiling - ceiling / 50) << "retry " << n;
    EXPECT_NEAR(static_cast<double>(sum) / samples, ceiling / 2.0, ceiling * 0.05) << n;
  }
  EXPECT_EQ(kMaxRetryDelay, core::Duration{20'000});
  // Far retries never overflow past the cap.
  for (int i = 0; i < 100; ++i) EXPECT_LE(retry_delay(base, 1000, rng), kMaxRetryDelay);
  EXPECT_EQ(retry_delay(core::Duration{0}, 3, rng), core::Duration{0});
}

TEST(RetryDelay, TheSameSeedGivesTheSameWaits) {
  std::mt19937_64 a(7), b(7), c(8);
  std::vector<std::int64_t> wa, wb, wc;
  for (int n = 0; n < 10; ++n) {
    wa.push_back(retry_delay(core::Duration{100}, n, a).count());
    wb.push_back(retry_delay(core::Duration{100}, n, b).count());
    wc.push_back(retry_delay(core::Duration{100}, n, c).count());
  }
  EXPECT_EQ(wa, wb);
  EXPECT_NE(wa, wc);
}

}  // namespace
}  // namespace drpilot::aws
