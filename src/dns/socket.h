#pragma once
// The little POSIX socket plumbing the DNS server and client share: an owning
// file descriptor, numeric socket addresses, and listening sockets whose
// errors read like "cannot listen on udp 127.0.0.1:5353: Address already in use".

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace drpilot::dns {

// Owns one file descriptor; closes it on destruction. Move-only.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// An IPv4 or IPv6 address with a port.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t size = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&storage); }
  std::uint16_t port() const;
  void set_port(std::uint16_t port);
  bool is_wildcard() const;       // 0.0.0.0 or ::
  std::string to_string() const;  // "127.0.0.1:53", "[::1]:53"
};

// Numeric literals only (no DNS lookups while setting up a DNS server);
// IPv6 may be bracketed and carry a scope ("fe80::1%eth0").
std::optional<SocketAddress> parse_socket_address(const std::string& ip, std::uint16_t port);

std::string errno_text(int err);

// A listening socket could not be set up; `error` is the errno.
class ListenError : public std::runtime_error {
 public:
  ListenError(const std::string& what, int error) : std::runtime_error(what), error_(error) {}
  int error() const { return error_; }

 private:
  int error_;
};

// Non-blocking UDP socket bound to `addr`. With `reuse_port` several sockets
// share one address and the kernel spreads datagrams over them (one per
// worker thread). IPv6 sockets are IPv6-only so "0.0.0.0" and "::" can be
// listed side by side. Wildcard sockets ask for the destination address of
// each datagram (IP_PKTINFO) so replies leave from the address queried.
Fd open_udp_socket(const SocketAddress& addr, bool reuse_port);

// Non-blocking listening TCP socket bound to `addr`. No SO_REUSEPORT here on
// purpose: a second server on the same port must fail loudly, not silently
// share the traffic.
Fd open_tcp_listener(const SocketAddress& addr, int backlog);

// The port a bound socket actually got (for port 0 in the configuration).
std::uint16_t local_port(int fd);

}  // namespace drpilot::dns
