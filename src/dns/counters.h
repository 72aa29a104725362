#pragma once
// Server statistics: per-thread atomic counters (each on its own cache line,
// so workers never contend on a shared counter) summed into a Stats value.

#include <array>
#include <atomic>
#include <cstdint>

#include "dns/wire.h"

namespace drpilot::dns {

inline constexpr std::size_t kCountedRcodes = rcode::BADVERS + 1;

struct Stats {
  std::uint64_t queries_udp = 0;
  std::uint64_t queries_tcp = 0;
  std::array<std::uint64_t, kCountedRcodes> responses{};  // index: RCODE (BADVERS = 16)
  std::uint64_t dropped = 0;    // received but not answered (malformed beyond reply, send failed)
  std::uint64_t truncated = 0;  // answered with TC
  std::uint64_t tcp_connections = 0;  // accepted and served
  std::uint64_t tcp_rejected = 0;     // closed at once: over max_tcp_connections
  std::uint64_t tcp_timeouts = 0;     // closed for idleness
  std::uint64_t tcp_expired = 0;      // closed at their maximum lifetime

  std::uint64_t responses_total() const {
    std::uint64_t total = 0;
    for (std::uint64_t n : responses) total += n;
    return total;
  }
};

struct alignas(64) Counters {
  std::atomic<std::uint64_t> queries{0};
  std::array<std::atomic<std::uint64_t>, kCountedRcodes> responses{};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> truncated{0};
  std::atomic<std::uint64_t> tcp_connections{0};
  std::atomic<std::uint64_t> tcp_rejected{0};
  std::atomic<std::uint64_t> tcp_timeouts{0};
  std::atomic<std::uint64_t> tcp_expired{0};

  // Only the owning thread writes, so a relaxed load + store is enough and
  // avoids the locked read-modify-write of fetch_add on the hot path.
  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void response(std::uint16_t rc) {
    if (rc < kCountedRcodes) bump(responses[rc]);
  }

  void add_to(Stats& s, bool tcp) const {
    (tcp ? s.queries_tcp : s.queries_udp) += queries.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < kCountedRcodes; ++i) {
      s.responses[i] += responses[i].load(std::memory_order_relaxed);
    }
    s.dropped += dropped.load(std::memory_order_relaxed);
    s.truncated += truncated.load(std::memory_order_relaxed);
    s.tcp_connections += tcp_connections.load(std::memory_order_relaxed);
    s.tcp_rejected += tcp_rejected.load(std::memory_order_relaxed);
    s.tcp_timeouts += tcp_timeouts.load(std::memory_order_relaxed);
    s.tcp_expired += tcp_expired.load(std::memory_order_relaxed);
  }
};

}  // namespace drpilot::dns
