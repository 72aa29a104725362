#include "aws/sigv4.h"

#include <algorithm>
#include <ctime>
#include <map>

#include "net/crypto.h"
#include "net/url_codec.h"

namespace drpilot::aws {
namespace {

constexpr const char* kAlgorithm = "AWS4-HMAC-SHA256";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// RFC 3986 section 5.2.4, with empty segments dropped as the AWS services do:
// "/a/./b/../c//" becomes "/a/c/".
std::string remove_dot_segments(std::string_view path) {
  if (path.empty()) return "";
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view seg = path.substr(start, slash - start);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    start = slash + 1;
  }
  std::string result = path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result += '/';
    result += out[i];
  }
  if (path.back() == '/' && !out.empty()) result += '/';
  return result;
}

std::string hex_sha256(std::string_view data) {
  return net::to_hex(net::sha256(data));
}

}  // namespace

std::string amz_date(core::TimePoint t) {
  const std::int64_t ms = core::to_ms(t);
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  if (ms < 0 && ms % 1000 != 0) secs -= 1;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::string uri_encode(std::string_view s, bool encode_slash) {
  return net::url_encode(s, encode_slash ? "" : "/");
}

std::string canonical_uri(std::string_view path) {
  if (path.empty()) return "/";
  return uri_encode(remove_dot_segments(path), false);
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view part = query.substr(start, amp - start);
    if (!part.empty()) {
      const std::size_t eq = part.find('=');
      const std::string_view key = part.substr(0, eq);
      const std::string_view value =
          eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
      // '%' not followed by two hex digits stays a literal '%' (signed as %25,
      // as it would be sent).
      pairs.emplace_back(uri_encode(net::url_decode(key), true),
                         uri_encode(net::url_decode(value), true));
    }
    start = amp + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

Signature sign(const SignableRequest& request, const Credentials& credentials,
               const SigningParams& params) {
  Signature s;
  s.amz_date = amz_date(params.when);
  const std::string date = s.amz_date.substr(0, 8);
  const bool has_token = !credentials.session_token.empty();
  s.extra_headers.push_back({"X-Amz-Date", s.amz_date});
  if (has_token) s.extra_headers.push_back({"X-Amz-Security-Token", credentials.session_token});

  // Name -> values in the order given; std::map sorts the names.
  std::map<std::string, std::vector<std::string>> headers;
  auto add = [&headers](std::string_view name, std::string_view value) {
    headers[lower(name)].push_back(canonical_header_value(value));
  };
  for (const auto& [name, value] : request.headers) {
    const std::string n = lower(name);
    if (n == "authorization" || n == "x-amz-date") continue;
    if (n == "x-amz-security-token" && has_token) continue;
    add(name, value);
  }
  for (const auto& [name, value] : s.extra_headers) add(name, value);

  std::string canonical_headers, signed_headers;
  for (const auto& [name, values] : headers) {
    canonical_headers += name;
    canonical_headers += ':';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) canonical_headers += ',';
      canonical_headers += values[i];
    }
    canonical_headers += '\n';
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  std::string method = request.method;
  for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  s.canonical_request = method + "\n" + canonical_uri(request.path) + "\n" +
                        canonical_query(request.query) + "\n" + canonical_headers + "\n" +
                        signed_headers + "\n" + hex_sha256(request.payload);

  const std::string scope = date + "/" + params.region + "/" + params.service + "/aws4_request";
  s.string_to_sign = std::string(kAlgorithm) + "\n" + s.amz_date + "\n" + scope + "\n" +
                     hex_sha256(s.canonical_request);

  const std::string k_date = net::hmac_sha256("AWS4" + credentials.secret_access_key, date);
  const std::string k_region = net::hmac_sha256(k_date, params.region);
  const std::string k_service = net::hmac_sha256(k_region, params.service);
  const std::string k_signing = net::hmac_sha256(k_service, "aws4_request");
  s.signature = net::to_hex(net::hmac_sha256(k_signing, s.string_to_sign));

  s.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                    scope + ", SignedHeaders=" + signed_headers + ", Signature=" + s.signature;
  return s;
}

}  // namespace drpilot::aws
