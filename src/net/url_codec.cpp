#include "net/url_codec.h"

#include <cctype>
#include <charconv>

#include "net/http.h"

namespace drpilot::net {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      int hi = i + 1 < s.size() ? hex(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? hex(s[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string url_encode(std::string_view s, std::string_view keep) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                            (u >= '0' && u <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || keep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += digits[u >> 4];
      out += digits[u & 15];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    size_t eq = part.find('=');
    std::string key(part.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : std::string(part.substr(eq + 1));
    for (char& c : value) {
      if (c == '+') c = ' ';
    }
    if (!key.empty()) out[url_decode(key)] = url_decode(value);
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

ClientRequest request_to(const Url& url, std::string method) {
  ClientRequest req;
  req.method = std::move(method);
  req.tls = url.tls;
  req.host = url.host;
  req.port = url.port;
  req.target = url.target;
  return req;
}

std::optional<Url> parse_url(const std::string& s, std::string& error) {
  Url u;
  std::string_view rest = s;
  if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
    u.tls = true;
    u.port = 443;
  } else {
    error = "'" + s + "' is not an http:// or https:// URL";
    return std::nullopt;
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "'" + s + "' has an unterminated IPv6 address";
      return std::nullopt;
    }
    u.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        error = "'" + s + "' is not a valid URL";
        return std::nullopt;
      }
      port = authority.substr(close + 2);
    }
  } else {
    size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) {
    error = "'" + s + "' has no host";
    return std::nullopt;
  }
  if (!port.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || p != port.data() + port.size() || v == 0 || v > 65535) {
      error = "'" + s + "' has an invalid port";
      return std::nullopt;
    }
    u.port = static_cast<std::uint16_t>(v);
  }
  return u;
}

std::string redacted_url(const std::string& s) {
  std::string error;
  const auto url = parse_url(s, error);
  if (!url) return "(an invalid URL)";
  const bool default_port = url->port == (url->tls ? 443 : 80);
  const bool ipv6 = url->host.find(':') != std::string::npos;
  return std::string(url->tls ? "https" : "http") + "://" +
         (ipv6 ? "[" + url->host + "]" : url->host) +
         (default_port ? "" : ":" + std::to_string(url->port)) + (url->target == "/" ? "" : "/...");
}

}  // namespace drpilot::net
