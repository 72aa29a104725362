#pragma once
// The DNS-over-TCP side (RFC 7766): one thread, epoll, non-blocking sockets.
// Each message carries a 2-octet length prefix; a connection may pipeline
// many queries; partial reads and writes are resumed when the socket is
// ready, so a slow or hostile client only ever costs its own buffers. A
// connection is closed when idle, and in any case once it is max_lifetime
// old, so that no client keeps a slot for ever.

#include <atomic>
#include <chrono>
#include <vector>

#include "dns/counters.h"
#include "dns/snapshot_slot.h"

namespace drpilot::dns {

struct TcpServiceContext {
  std::vector<int> listeners;  // non-blocking listening sockets
  int stop_fd = -1;            // readable once the server stops
  const std::atomic<bool>* stopping = nullptr;
  const SnapshotSlot* slot = nullptr;
  Counters* counters = nullptr;
  std::chrono::milliseconds idle_timeout{10000};
  std::chrono::milliseconds max_lifetime{120000};
  int max_connections = 256;
};

// Runs until *stopping is true and stop_fd is readable; closes every
// connection it accepted before returning.
void run_tcp_service(const TcpServiceContext& ctx);

}  // namespace drpilot::dns
