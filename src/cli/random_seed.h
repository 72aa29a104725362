#pragma once
// A fresh 64-bit seed from the operating system, for the seeded pieces
// (jitter, backoff, nonces): every run differs, so nonces never repeat
// across restarts.

#include <cstdint>
#include <random>

namespace drpilot::cli {

inline std::uint64_t random_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace drpilot::cli
