#include "aws/retry.h"

#include <algorithm>
#include <array>

#include "net/backoff.h"

namespace drpilot::aws {

bool is_throttling_code(std::string_view code) {
  static constexpr std::array<std::string_view, 14> kCodes = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
  };
  return std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end();
}

bool is_transient_code(std::string_view code) {
  return code == "RequestTimeout" || code == "RequestTimeoutException" ||
         code == "PriorRequestNotComplete";
}

core::Duration retry_delay(core::Duration base, int retry_index, std::mt19937_64& rng) {
  return net::full_jitter(net::Backoff{base, kMaxRetryDelay}, retry_index, rng);
}

bool RetryQuota::acquire(int cost) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (tokens_ < cost) return false;
  tokens_ -= cost;
  return true;
}

void RetryQuota::release(int amount) {
  std::lock_guard<std::mutex> lock(mutex_);
  tokens_ = std::min(kInitial, tokens_ + amount);
}

int RetryQuota::available() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tokens_;
}

}  // namespace drpilot::aws
