#include "dns/client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "dns/socket.h"

namespace drpilot::dns {
namespace {

using Clock = std::chrono::steady_clock;

void set_error(std::string* error, std::string text) {
  if (error != nullptr) *error = std::move(text);
}

// Waits for `events` on `fd` until `deadline`. False on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, int(left) + 1);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

Fd connected_socket(const SocketAddress& server, int type, Clock::time_point deadline,
                    std::string* error) {
  Fd fd(socket(server.family(), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    set_error(error, "socket: " + errno_text(errno));
    return {};
  }
  if (connect(fd.get(), server.sa(), server.size) != 0) {
    if (errno != EINPROGRESS) {
      set_error(error, "connect to " + server.to_string() + ": " + errno_text(errno));
      return {};
    }
    if (!wait_for(fd.get(), POLLOUT, deadline)) {
      set_error(error, "connect to " + server.to_string() + ": timed out");
      return {};
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      set_error(error, "connect to " + server.to_string() + ": " + errno_text(err));
      return {};
    }
  }
  return fd;
}

bool send_all(int fd, const std::uint8_t* data, std::size_t size, Clock::time_point deadline) {
  std::size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += std::size_t(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd, POLLOUT, deadline)) return false;
    } else if (!(n < 0 && errno == EINTR)) {
      return false;
    }
  }
  return true;
}

// Reads exactly `size` octets. False on EOF, error or timeout.
bool read_exact(int fd, std::uint8_t* data, std::size_t size, Clock::time_point deadline) {
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::recv(fd, data + got, size - got, 0);
    if (n > 0) {
      got += std::size_t(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd, POLLIN, deadline)) return false;
    } else if (!(n < 0 && errno == EINTR)) {
      return false;
    }
  }
  return true;
}

std::optional<std::vector<std::uint8_t>> exchange_tcp(const SocketAddress& server,
                                                      const std::vector<std::uint8_t>& request,
                                                      Clock::time_point deadline,
                                                      std::string* error) {
  if (request.size() > kMaxTcpMessage) {
    set_error(error, "request larger than 65535 octets");
    return std::nullopt;
  }
  Fd fd = connected_socket(server, SOCK_STREAM, deadline, error);
  if (!fd.valid()) return std::nullopt;
  std::vector<std::uint8_t> framed(2 + request.size());
  framed[0] = std::uint8_t(request.size() >> 8);
  framed[1] = std::uint8_t(request.size());
  std::copy(request.begin(), request.end(), framed.begin() + 2);
  if (!send_all(fd.get(), framed.data(), framed.size(), deadline)) {
    set_error(error, "send to " + server.to_string() + " failed or timed out");
    return std::nullopt;
  }
  std::uint8_t prefix[2];
  if (!read_exact(fd.get(), prefix, 2, deadline)) {
    set_error(error, "no answer from " + server.to_string() + " over tcp");
    return std::nullopt;
  }
  std::vector<std::uint8_t> reply((std::size_t(prefix[0]) << 8) | prefix[1]);
  if (!read_exact(fd.get(), reply.data(), reply.size(), deadline)) {
    set_error(error, "incomplete answer from " + server.to_string() + " over tcp");
    return std::nullopt;
  }
  return reply;
}

std::optional<std::vector<std::uint8_t>> exchange_udp(const SocketAddress& server,
                                                      const std::vector<std::uint8_t>& request,
                                                      Clock::time_point deadline,
                                                      std::string* error) {
  // A connected UDP socket only receives datagrams from the server.
  Fd fd = connected_socket(server, SOCK_DGRAM, deadline, error);
  if (!fd.valid()) return std::nullopt;
  if (::send(fd.get(), request.data(), request.size(), 0) < 0) {
    set_error(error, "send to " + server.to_string() + ": " + errno_text(errno));
    return std::nullopt;
  }
  std::vector<std::uint8_t> reply(65536);
  for (;;) {
    if (!wait_for(fd.get(), POLLIN, deadline)) {
      set_error(error, "no answer from " + server.to_string() + " over udp");
      return std::nullopt;
    }
    const ssize_t n = ::recv(fd.get(), reply.data(), reply.size(), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      set_error(error, "receive from " + server.to_string() + ": " + errno_text(errno));
      return std::nullopt;
    }
    // Stray or spoofed datagrams with another ID are ignored, not accepted.
    const bool id_matches =
        request.size() < 2 || (n >= 2 && reply[0] == request[0] && reply[1] == request[1]);
    if (!id_matches) continue;
    reply.resize(std::size_t(n));
    return reply;
  }
}

std::uint16_t random_id() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return std::uint16_t(rng());
}

}  // namespace

std::optional<std::vector<std::uint8_t>> exchange(const std::string& server_ip, std::uint16_t port,
                                                  const std::vector<std::uint8_t>& request,
                                                  std::chrono::milliseconds timeout, bool tcp,
                                                  std::string* error) {
  auto server = parse_socket_address(server_ip, port);
  if (!server) {
    set_error(error, "'" + server_ip + "' is not a numeric IP address");
    return std::nullopt;
  }
  const auto deadline = Clock::now() + timeout;
  return tcp ? exchange_tcp(*server, request, deadline, error)
             : exchange_udp(*server, request, deadline, error);
}

std::optional<Message> query(const std::string& server_ip, std::uint16_t port,
                             const std::string& name, std::uint16_t qtype,
                             std::chrono::milliseconds timeout, const QueryOptions& options,
                             std::string* error) {
  QueryParams params;
  params.id = random_id();
  params.name = name;
  params.qtype = qtype;
  params.rd = options.rd;
  if (options.edns) params.edns_payload = options.udp_payload;
  auto request = build_query(params);
  if (!request) {
    set_error(error, "'" + name + "' is not a valid domain name");
    return std::nullopt;
  }
  bool tcp = options.tcp;
  for (;;) {
    auto reply = exchange(server_ip, port, *request, timeout, tcp, error);
    if (!reply) return std::nullopt;
    Message msg;
    if (auto e = parse_message(reply->data(), reply->size(), msg); e != WireError::none) {
      set_error(error, "malformed answer: " + std::string(to_string(e)));
      return std::nullopt;
    }
    if (msg.header.id != params.id || !msg.header.qr) {
      set_error(error, "answer does not match the query");
      return std::nullopt;
    }
    if (msg.header.tc && !tcp && options.tcp_fallback) {
      tcp = true;
      continue;
    }
    return msg;
  }
}

}  // namespace drpilot::dns
