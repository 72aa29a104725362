#include "aws/container_endpoint.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "aws/container_reply.h"

namespace drpilot::aws {
namespace {

constexpr const char* kRelative = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
constexpr const char* kFull = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
constexpr const char* kTokenFile = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
constexpr const char* kToken = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
constexpr const char* kEcsHost = "169.254.170.2";
constexpr std::size_t kMaxToken = 16 * 1024;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// Hosts plain HTTP may reach, as the SDKs allow them: the ECS and EKS
// agents' link-local addresses and this machine.
bool http_allowed(const std::string& host) {
  if (host == kEcsHost || host == "169.254.170.23" || host == "fd00:ec2::23" || host == "::1" ||
      host == "localhost") {
    return true;
  }
  // 127.0.0.0/8, written as a dotted quad.
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

std::string trim_line_end(std::string s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  return s;
}

// The Authorization value, "" for none; nothing with `error` when the file
// cannot be read or the value could add a header.
std::optional<std::string> authorization(std::string& error) {
  std::string token;
  std::string from;
  if (const std::string path = env(kTokenFile); !path.empty()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      error = "cannot read " + path + " (" + kTokenFile + "): " + std::strerror(errno);
      return std::nullopt;
    }
    token.assign(std::istreambuf_iterator<char>(in), {});
    if (token.size() > kMaxToken) {
      error = path + " (" + kTokenFile + ") is larger than " + std::to_string(kMaxToken) + " bytes";
      return std::nullopt;
    }
    token = trim_line_end(std::move(token));
    from = path + " (" + std::string(kTokenFile) + ")";
  } else {
    token = env(kToken);
    from = kToken;
  }
  for (char c : token) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      error = "the authorization token in " + from + " holds a control character or line break";
      return std::nullopt;
    }
  }
  return token;
}

}  // namespace

bool container_endpoint_set() {
  return !env(kRelative).empty() || !env(kFull).empty();
}

std::optional<ContainerRequest> container_request(core::Duration timeout, std::string& error) {
  std::string url;
  const char* variable = kRelative;
  if (const std::string relative = env(kRelative); !relative.empty()) {
    if (relative.front() != '/') {
      error = std::string(kRelative) + " is '" + relative + "', not a path starting with '/'";
      return std::nullopt;
    }
    url = std::string("http://") + kEcsHost + relative;
  } else {
    url = env(kFull);
    variable = kFull;
    if (url.empty()) {
      error = std::string("neither ") + kRelative + " nor " + kFull + " is set";
      return std::nullopt;
    }
  }
  std::string why;
  const std::optional<net::Url> parsed = net::parse_url(url, why);
  if (!parsed) {
    error = std::string(variable) + ": " + why;
    return std::nullopt;
  }
  if (!parsed->tls && !http_allowed(parsed->host)) {
    error = std::string(variable) + " names http://" + parsed->host +
            ", which is neither a loopback address nor the ECS or EKS agent's (169.254.170.2, "
            "169.254.170.23, fd00:ec2::23): use https:// for other hosts";
    return std::nullopt;
  }
  const std::optional<std::string> token = authorization(error);
  if (!token) return std::nullopt;
  ContainerRequest out;
  out.request = net::request_to(*parsed, "GET");
  out.request.headers.push_back({"Accept", "application/json"});
  if (!token->empty()) out.request.headers.push_back({"Authorization", *token});
  out.request.timeout = timeout;
  out.request.connect_timeout = std::min(timeout, core::Duration{1'000});
  // One byte more than allowed, to tell a full reply from a cut one.
  out.request.max_body = kMaxContainerReply + 1;
  out.source =
      "the container credentials endpoint " + net::redacted_url(url) + " (" + variable + ")";
  return out;
}

}  // namespace drpilot::aws
