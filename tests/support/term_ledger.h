#pragma once
// What a recording fake provider saw, in the order the writes arrived: each
// write's term (the leader's fencing token), generation and leader. It checks
// the fencing invariant as writes come in: terms never decrease, so no write
// of a term arrives after a newer term's first write. Thread-safe: the fake
// provider records from its server thread while the test reads.
// Header-only, no dependencies.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace drpilot::testing {

struct ProviderWrite {
  std::chrono::steady_clock::time_point at;
  std::int64_t term = 0;
  std::uint64_t generation = 0;
  std::string leader;
};

class TermLedger {
 public:
  void add(const ProviderWrite& w) {
    std::lock_guard lock(mutex_);
    if (!writes_.empty() && w.term < max_term_) {
      violations_.push_back(describe(w) + " after term " + std::to_string(max_term_) +
                            " had written");
    }
    max_term_ = std::max(max_term_, w.term);
    writes_.push_back(w);
  }

  // Each write that arrived after a newer term's first write, described.
  std::vector<std::string> violations() const {
    std::lock_guard lock(mutex_);
    return violations_;
  }
  std::vector<ProviderWrite> writes() const {
    std::lock_guard lock(mutex_);
    return writes_;
  }
  // The first write of a term above `term`.
  std::optional<ProviderWrite> first_above(std::int64_t term) const {
    std::lock_guard lock(mutex_);
    for (const ProviderWrite& w : writes_) {
      if (w.term > term) return w;
    }
    return std::nullopt;
  }
  std::int64_t max_term() const {
    std::lock_guard lock(mutex_);
    return max_term_;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return writes_.size();
  }

 private:
  static std::string describe(const ProviderWrite& w) {
    return "generation " + std::to_string(w.generation) + " of term " + std::to_string(w.term) +
           " (by " + w.leader + ")";
  }

  mutable std::mutex mutex_;
  std::vector<ProviderWrite> writes_;
  std::int64_t max_term_ = 0;
  std::vector<std::string> violations_;
};

}  // namespace drpilot::testing
