#pragma once
// A tiny blocking DNS client for tests, benchmarks and the CLI: one query,
// one answer, a deadline. Not a resolver: no retries over servers, no cache.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dns/wire.h"

namespace drpilot::dns {

struct QueryOptions {
  bool tcp = false;
  bool edns = true;  // send an OPT record advertising udp_payload
  std::uint16_t udp_payload = 1232;
  bool rd = false;           // an authoritative server ignores it; resolvers need it
  bool tcp_fallback = true;  // repeat over TCP when the UDP answer has TC set
};

// Sends one query for `name`/`qtype` (class IN) to server_ip:port and parses
// the response. Nothing on timeout, network error, a reply that does not
// match the query, or an unparseable reply; `error` (if given) then says why.
std::optional<Message> query(const std::string& server_ip, std::uint16_t port,
                             const std::string& name, std::uint16_t qtype,
                             std::chrono::milliseconds timeout, const QueryOptions& options,
                             std::string* error = nullptr);

inline std::optional<Message> query(const std::string& server_ip, std::uint16_t port,
                                    const std::string& name, std::uint16_t qtype,
                                    std::chrono::milliseconds timeout, bool tcp = false,
                                    std::string* error = nullptr) {
  QueryOptions options;
  options.tcp = tcp;
  return query(server_ip, port, name, qtype, timeout, options, error);
}

// Sends raw octets as one DNS message (over TCP with the 2-octet length
// prefix) and returns the raw reply. Over UDP, only a datagram from the
// server whose first two octets (the ID) match the request's is accepted.
std::optional<std::vector<std::uint8_t>> exchange(const std::string& server_ip, std::uint16_t port,
                                                  const std::vector<std::uint8_t>& request,
                                                  std::chrono::milliseconds timeout, bool tcp,
                                                  std::string* error = nullptr);

}  // namespace drpilot::dns
