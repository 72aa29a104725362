#pragma once
// One UDP worker thread's loop: receive a batch of queries with recvmmsg,
// answer each from the current snapshot, send the batch with sendmmsg.
// Several workers share one address through SO_REUSEPORT, each with its own
// socket, so they never contend on a socket lock.

#include <atomic>

#include "dns/counters.h"
#include "dns/snapshot_slot.h"

namespace drpilot::dns {

struct UdpWorkerContext {
  int socket = -1;       // bound; the worker makes its receives blocking
  bool pktinfo = false;  // wildcard socket: reply from the address queried
  int stop_fd = -1;      // readable once the server stops (ends a wait to send)
  const std::atomic<bool>* stopping = nullptr;
  const SnapshotSlot* slot = nullptr;
  Counters* counters = nullptr;
};

// Runs until *stopping is true and the socket is shut down for reading.
void run_udp_worker(const UdpWorkerContext& ctx);

}  // namespace drpilot::dns
