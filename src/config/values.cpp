#include "config/values.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <cmath>

namespace drpilot::config {

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<core::Duration> parse_duration(std::string_view s, std::string& error) {
  const std::string shown(s);
  auto fail = [&]() -> std::optional<core::Duration> {
    error = "expected a duration such as 250ms, 10s, 5m or 1h, got '" + shown + "'";
    return std::nullopt;
  };
  if (s.empty()) return fail();
  double total_ms = 0;
  size_t i = 0;
  bool any = false;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == start) return fail();
    double value = 0;
    auto [p, ec] = std::from_chars(s.data() + start, s.data() + i, value);
    if (ec != std::errc() || p != s.data() + i) return fail();
    size_t ustart = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    std::string_view unit = s.substr(ustart, i - ustart);
    double factor;
    if (unit == "ms") {
      factor = 1;
    } else if (unit == "s") {
      factor = 1000;
    } else if (unit == "m") {
      factor = 60'000;
    } else if (unit == "h") {
      factor = 3'600'000;
    } else if (unit == "d") {
      factor = 86'400'000;
    } else {
      return fail();
    }
    total_ms += value * factor;
    any = true;
  }
  if (!any || !std::isfinite(total_ms) || total_ms > 1e12) return fail();
  return core::Duration{static_cast<std::int64_t>(std::llround(total_ms))};
}

// inet_pton stops at a NUL, so "192.0.2.1\0junk" would pass without the
// explicit check; YAML can carry a NUL in a quoted string.
bool is_ipv4(std::string_view s) {
  in_addr a{};
  return s.size() < 64 && s.find('\0') == std::string_view::npos &&
         inet_pton(AF_INET, std::string(s).c_str(), &a) == 1;
}

bool is_ipv6(std::string_view s) {
  in6_addr a{};
  return s.size() < 64 && s.find('\0') == std::string_view::npos &&
         inet_pton(AF_INET6, std::string(s).c_str(), &a) == 1;
}

std::optional<Endpoint> parse_endpoint(std::string_view s, bool allow_zero_port,
                                       std::string& error) {
  const std::string shown(s);
  Endpoint ep;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      error = "expected an address such as [::1]:53, got '" + shown + "'";
      return std::nullopt;
    }
    ep.host = std::string(s.substr(1, close - 1));
    port = s.substr(close + 2);
    if (!is_ipv6(ep.host)) {
      error = "'" + ep.host + "' is not an IPv6 address";
      return std::nullopt;
    }
  } else {
    size_t colon = s.rfind(':');
    if (colon == std::string_view::npos || s.find(':') != colon) {
      error = "expected an address such as 127.0.0.1:53 or [::1]:53, got '" + shown + "'";
      return std::nullopt;
    }
    ep.host = std::string(s.substr(0, colon));
    port = s.substr(colon + 1);
    if (!is_ipv4(ep.host)) {
      error = "'" + ep.host + "' is not an IPv4 address (use an IP literal, not a host name)";
      return std::nullopt;
    }
  }
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() || value > 65535 ||
      (value == 0 && !allow_zero_port)) {
    error = "'" + std::string(port) + "' is not a valid port (" +
            (allow_zero_port ? "0-65535, 0 for any free port" : "1-65535") + ") in '" + shown + "'";
    return std::nullopt;
  }
  ep.port = static_cast<std::uint16_t>(value);
  return ep;
}

std::optional<int> parse_percent(std::string_view s, std::string& error) {
  std::string_view digits = s;
  if (!digits.empty() && digits.back() == '%') digits.remove_suffix(1);
  int value = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size()) {
    error = "expected a percentage such as 10%, got '" + std::string(s) + "'";
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> normalize_dns_name(std::string_view s, std::string& error) {
  std::string name(s);
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty()) {
    error = "a DNS name cannot be empty";
    return std::nullopt;
  }
  if (name.size() > 253) {
    error = "DNS name '" + std::string(s) + "' is longer than 253 characters";
    return std::nullopt;
  }
  size_t label = 0;
  for (char& c : name) {
    if (c == '.') {
      if (label == 0) {
        error = "DNS name '" + std::string(s) + "' has an empty label";
        return std::nullopt;
      }
      label = 0;
      continue;
    }
    unsigned char u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '-' && c != '_') {
      error = "DNS name '" + std::string(s) + "' contains '" + std::string(1, c) +
              "' (only letters, digits, '-' and '_' are allowed)";
      return std::nullopt;
    }
    c = static_cast<char>(std::tolower(u));
    if (++label > 63) {
      error = "DNS name '" + std::string(s) + "' has a label longer than 63 characters";
      return std::nullopt;
    }
  }
  if (label == 0) {
    error = "DNS name '" + std::string(s) + "' has an empty label";
    return std::nullopt;
  }
  return name;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!std::isalnum(static_cast<unsigned char>(s.front()))) return false;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (!(std::islower(u) || std::isdigit(u) || c == '-' || c == '_')) return false;
  }
  return true;
}

bool is_env_name(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  if (std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '_') || u >= 0x80) return false;
  }
  return true;
}

}  // namespace drpilot::config
