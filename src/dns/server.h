#pragma once
// The embedded authoritative DNS server: UDP worker threads (one socket each,
// SO_REUSEPORT, recvmmsg/sendmmsg batches) and one TCP thread (epoll), all
// answering from the most recently published Snapshot.
//
// Before the first publish() every lookup is answered SERVFAIL: resolvers
// then try another of the zone's name servers and cache nothing, whereas
// REFUSED or NXDOMAIN could be cached or treated as lame delegation.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dns/counters.h"
#include "dns/snapshot.h"

namespace drpilot::dns {

struct ServerOptions {
  // Numeric IPv4 or IPv6 addresses; port 0 picks an ephemeral port, the same
  // for UDP and TCP. IPv6 sockets are IPv6-only: list "0.0.0.0" and "::"
  // both for dual stack.
  std::vector<std::pair<std::string, std::uint16_t>> listen;
  int udp_threads = 0;  // per listen address; 0 = std::thread::hardware_concurrency()
  std::chrono::milliseconds tcp_idle_timeout{10000};
  // A TCP connection this old takes no more queries: it is closed once the
  // answers it is owed are sent (or, if its client does not read them, an
  // idle timeout later), however busy it is.
  std::chrono::milliseconds tcp_max_lifetime{120000};
  int max_tcp_connections = 256;  // further connections are closed at once
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Makes `snapshot` what every following query is answered from. Safe from
  // any thread, before or after start(); never blocks the query path.
  void publish(std::shared_ptr<const Snapshot> snapshot);
  // What queries are answered from now (null before the first publish).
  std::shared_ptr<const Snapshot> current() const;

  // Binds every listen address and starts the threads. Throws
  // std::runtime_error naming the protocol, address and reason, e.g.
  // "cannot listen on udp 127.0.0.1:5353: Address already in use"; nothing
  // stays bound after a failure. Throws std::logic_error if called twice.
  void start();

  // Stops and joins every thread and closes every socket. Idempotent.
  void stop();

  // The port listen address `i` is bound to (after start(); 0 before).
  std::uint16_t bound_port(std::size_t i) const;

  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace drpilot::dns
