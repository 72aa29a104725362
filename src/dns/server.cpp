#include "dns/server.h"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <thread>

#include "dns/snapshot_slot.h"
#include "dns/socket.h"
#include "dns/tcp_service.h"
#include "dns/udp_worker.h"

namespace drpilot::dns {
namespace {

constexpr int kTcpBacklog = 1024;
// Port 0: the ephemeral TCP port may already be taken for UDP by someone
// else; a few fresh picks make that vanishingly unlikely to matter.
constexpr int kEphemeralAttempts = 16;

struct Endpoint {
  SocketAddress address;  // with the port actually bound
  Fd tcp;
  std::vector<Fd> udp;
};

// Binds TCP first, without SO_REUSEPORT, so a port already served by another
// instance fails here instead of silently splitting UDP traffic with it.
Endpoint open_endpoint(const SocketAddress& requested, int udp_sockets) {
  for (int attempt = 1;; ++attempt) {
    try {
      Endpoint ep;
      ep.address = requested;
      ep.tcp = open_tcp_listener(requested, kTcpBacklog);
      ep.address.set_port(local_port(ep.tcp.get()));
      for (int i = 0; i < udp_sockets; ++i) ep.udp.push_back(open_udp_socket(ep.address, true));
      return ep;
    } catch (const ListenError& e) {
      const bool retry =
          requested.port() == 0 && e.error() == EADDRINUSE && attempt < kEphemeralAttempts;
      if (!retry) throw;
    }
  }
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  SnapshotSlot slot;
  std::atomic<bool> stopping{false};
  Fd stop_fd;
  std::vector<Endpoint> endpoints;
  std::vector<std::uint16_t> ports;
  // Contexts and counters are heap-allocated so threads can hold pointers.
  std::vector<std::unique_ptr<Counters>> udp_counters;
  Counters tcp_counters;
  std::vector<std::unique_ptr<UdpWorkerContext>> udp_contexts;
  std::unique_ptr<TcpServiceContext> tcp_context;
  std::vector<std::thread> threads;
  bool started = false;

  void spawn_threads() {
    for (Endpoint& ep : endpoints) {
      for (Fd& socket : ep.udp) {
        auto ctx = std::make_unique<UdpWorkerContext>();
        ctx->socket = socket.get();
        ctx->pktinfo = ep.address.is_wildcard();
        ctx->stop_fd = stop_fd.get();
        ctx->stopping = &stopping;
        ctx->slot = &slot;
        udp_counters.push_back(std::make_unique<Counters>());
        ctx->counters = udp_counters.back().get();
        const UdpWorkerContext* raw = ctx.get();
        udp_contexts.push_back(std::move(ctx));
        threads.emplace_back([raw] { run_udp_worker(*raw); });
      }
    }
    tcp_context = std::make_unique<TcpServiceContext>();
    for (Endpoint& ep : endpoints) tcp_context->listeners.push_back(ep.tcp.get());
    tcp_context->stop_fd = stop_fd.get();
    tcp_context->stopping = &stopping;
    tcp_context->slot = &slot;
    tcp_context->counters = &tcp_counters;
    tcp_context->idle_timeout = options.tcp_idle_timeout;
    tcp_context->max_lifetime = options.tcp_max_lifetime;
    tcp_context->max_connections = options.max_tcp_connections;
    const TcpServiceContext* raw = tcp_context.get();
    threads.emplace_back([raw] { run_tcp_service(*raw); });
  }

  void stop() {
    stopping.store(true);
    if (stop_fd.valid()) {
      // Level-triggered and never read: every thread polling it wakes up.
      const std::uint64_t one = 1;
      [[maybe_unused]] ssize_t n = ::write(stop_fd.get(), &one, sizeof one);
    }
    // Wakes UDP workers blocked in a receive; Linux does this even for an
    // unconnected datagram socket (the call itself reports ENOTCONN).
    for (Endpoint& ep : endpoints) {
      for (Fd& socket : ep.udp) ::shutdown(socket.get(), SHUT_RD);
    }
    for (std::thread& t : threads) {
      if (t.joinable()) t.join();
    }
    threads.clear();
    endpoints.clear();
    stop_fd.reset();
  }
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Server::~Server() {
  stop();
}

void Server::publish(std::shared_ptr<const Snapshot> snapshot) {
  impl_->slot.publish(std::move(snapshot));
}

std::shared_ptr<const Snapshot> Server::current() const {
  return impl_->slot.load();
}

void Server::start() {
  Impl& s = *impl_;
  if (s.started) throw std::logic_error("the DNS server was already started");
  if (s.options.listen.empty()) throw std::runtime_error("the DNS server has no listen address");
  const int threads = s.options.udp_threads > 0
                          ? s.options.udp_threads
                          : std::max(1, int(std::thread::hardware_concurrency()));
  std::vector<Endpoint> endpoints;
  for (const auto& [ip, port] : s.options.listen) {
    auto addr = parse_socket_address(ip, port);
    if (!addr) throw std::runtime_error("cannot listen on '" + ip + "': not a numeric IP address");
    endpoints.push_back(open_endpoint(*addr, threads));
  }
  Fd stop_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop_fd.valid()) throw std::runtime_error("cannot create eventfd: " + errno_text(errno));

  s.started = true;
  s.endpoints = std::move(endpoints);
  s.stop_fd = std::move(stop_fd);
  for (const Endpoint& ep : s.endpoints) s.ports.push_back(ep.address.port());
  try {
    s.spawn_threads();
  } catch (...) {
    s.stop();
    throw;
  }
}

void Server::stop() {
  impl_->stop();
}

std::uint16_t Server::bound_port(std::size_t i) const {
  return i < impl_->ports.size() ? impl_->ports[i] : 0;
}

Stats Server::stats() const {
  Stats stats;
  for (const auto& c : impl_->udp_counters) c->add_to(stats, false);
  impl_->tcp_counters.add_to(stats, true);
  return stats;
}

}  // namespace drpilot::dns
