#pragma once
// The AWS SDKs' "standard" retry mode, in the pieces the DynamoDB client puts
// together: which failures are worth another try, and the retry quota that
// stops a client from multiplying its load on a service that is failing.
// Constants as in botocore (botocore/retries/standard.py, quota.py) and the
// other SDKs.

#include <mutex>
#include <random>
#include <string_view>

#include "core/time.h"

namespace drpilot::aws {

// Error codes the SDKs treat as throttling: retried, with backoff.
bool is_throttling_code(std::string_view code);
// Error codes the SDKs treat as transient (besides HTTP 5xx and network
// errors): retried.
bool is_transient_code(std::string_view code);

// No wait between two attempts is longer than this, as in the SDKs.
inline constexpr core::Duration kMaxRetryDelay{20'000};

// How long to wait before retry number `retry_index` (0 for the first):
// full jitter, a uniformly random time up to min(20 s, base * 2^retry_index).
core::Duration retry_delay(core::Duration base, int retry_index, std::mt19937_64& rng);

// A token bucket shared by every call of one client. A retry takes tokens
// first; when there are not enough, the failure is returned as it is.
class RetryQuota {
 public:
  static constexpr int kInitial = 500;
  static constexpr int kRetryCost = 5;
  static constexpr int kTimeoutRetryCost = 10;  // a timeout suggests overload: costlier
  static constexpr int kNoRetryIncrement = 1;   // given back by a first-try success

  // Takes `cost` tokens if they are there.
  bool acquire(int cost);
  // Gives tokens back, never above kInitial.
  void release(int amount);
  int available() const;

 private:
  mutable std::mutex mutex_;
  int tokens_ = kInitial;
};

}  // namespace drpilot::aws
