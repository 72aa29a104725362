#include "dns/socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace drpilot::dns {
namespace {

[[noreturn]] void fail(const char* proto, const SocketAddress& addr, const char* step, int err) {
  std::string what = std::string("cannot listen on ") + proto + " " + addr.to_string() + ": ";
  if (step != nullptr) what += std::string(step) + ": ";
  what += errno_text(err);
  throw ListenError(what, err);
}

void set_option(int fd, int level, int name, const char* proto, const SocketAddress& addr,
                const char* step) {
  const int one = 1;
  if (setsockopt(fd, level, name, &one, sizeof one) != 0) fail(proto, addr, step, errno);
}

Fd open_socket(int type, const char* proto, const SocketAddress& addr) {
  Fd fd(socket(addr.family(), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) fail(proto, addr, "socket", errno);
  if (addr.family() == AF_INET6)
    set_option(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, proto, addr, "IPV6_V6ONLY");
  return fd;
}

}  // namespace

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

void SocketAddress::set_port(std::uint16_t port) {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
}

bool SocketAddress::is_wildcard() const {
  if (family() == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr.s_addr == htonl(INADDR_ANY);
  }
  if (family() == AF_INET6) {
    return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr);
  }
  return false;
}

std::string SocketAddress::to_string() const {
  char host[NI_MAXHOST] = {};
  if (getnameinfo(sa(), size, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) return "?";
  const std::string port_text = std::to_string(port());
  if (family() == AF_INET6) return "[" + std::string(host) + "]:" + port_text;
  return std::string(host) + ":" + port_text;
}

std::optional<SocketAddress> parse_socket_address(const std::string& ip, std::uint16_t port) {
  std::string host = ip;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* result = nullptr;
  if (host.empty() ||
      getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result) != 0) {
    return std::nullopt;
  }
  SocketAddress addr;
  if (result != nullptr && result->ai_addrlen <= sizeof addr.storage) {
    std::memcpy(&addr.storage, result->ai_addr, result->ai_addrlen);
    addr.size = result->ai_addrlen;
  }
  freeaddrinfo(result);
  if (addr.size == 0) return std::nullopt;
  return addr;
}

std::string errno_text(int err) {
  char buf[256] = {};
  // The GNU strerror_r may return a static string instead of filling buf.
  const char* text = strerror_r(err, buf, sizeof buf);
  return text != nullptr ? text : "error " + std::to_string(err);
}

Fd open_udp_socket(const SocketAddress& addr, bool reuse_port) {
  Fd fd = open_socket(SOCK_DGRAM, "udp", addr);
  if (reuse_port) set_option(fd.get(), SOL_SOCKET, SO_REUSEPORT, "udp", addr, "SO_REUSEPORT");
  if (addr.is_wildcard()) {
    if (addr.family() == AF_INET) {
      set_option(fd.get(), IPPROTO_IP, IP_PKTINFO, "udp", addr, "IP_PKTINFO");
    } else {
      set_option(fd.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO, "udp", addr, "IPV6_RECVPKTINFO");
    }
  }
  // A bigger receive buffer absorbs bursts; the kernel caps it at rmem_max,
  // and a refusal only costs burst tolerance, so the result is not checked.
  const int rcvbuf = 4 << 20;
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (bind(fd.get(), addr.sa(), addr.size) != 0) fail("udp", addr, nullptr, errno);
  return fd;
}

Fd open_tcp_listener(const SocketAddress& addr, int backlog) {
  Fd fd = open_socket(SOCK_STREAM, "tcp", addr);
  // Lets a restarted server bind while old connections sit in TIME_WAIT;
  // on Linux it never lets two listeners share a port.
  set_option(fd.get(), SOL_SOCKET, SO_REUSEADDR, "tcp", addr, "SO_REUSEADDR");
  if (bind(fd.get(), addr.sa(), addr.size) != 0) fail("tcp", addr, nullptr, errno);
  if (listen(fd.get(), backlog) != 0) fail("tcp", addr, "listen", errno);
  return fd;
}

std::uint16_t local_port(int fd) {
  SocketAddress addr;
  addr.size = sizeof addr.storage;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr.storage), &addr.size) != 0) return 0;
  return addr.port();
}

}  // namespace drpilot::dns
