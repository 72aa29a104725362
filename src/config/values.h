#pragma once
// Parsers for the scalar value kinds used in the configuration. Each returns
// nullopt and fills `error` with a message fit for "file:line:col: <message>".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace drpilot::config {

struct Endpoint {
  std::string host;  // IP literal
  std::uint16_t port = 0;
  std::string to_string() const;  // "127.0.0.1:53", "[::1]:53"
  bool operator==(const Endpoint&) const = default;
};

// "250ms", "10s", "1.5s", "5m", "1h"; a bare number is refused (units are not optional).
std::optional<core::Duration> parse_duration(std::string_view s, std::string& error);
// "127.0.0.1:5353", "[::1]:53"; port 0 allowed only when `allow_zero_port`.
std::optional<Endpoint> parse_endpoint(std::string_view s, bool allow_zero_port,
                                       std::string& error);
// "10%" or "10" -> 10
std::optional<int> parse_percent(std::string_view s, std::string& error);
bool is_ipv4(std::string_view s);
bool is_ipv6(std::string_view s);
// Lower-cases and validates a DNS name: labels of 1-63 letters, digits, '-'
// or '_', at most 253 characters; a trailing dot is accepted and removed.
std::optional<std::string> normalize_dns_name(std::string_view s, std::string& error);
// A site/check name: 1-63 of [a-z0-9_-], starting with a letter or digit.
bool is_identifier(std::string_view s);
// An environment variable's name: [A-Za-z_][A-Za-z0-9_]*, at most 255 characters.
bool is_env_name(std::string_view s);

}  // namespace drpilot::config
