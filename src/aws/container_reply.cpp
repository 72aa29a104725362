#include "aws/container_reply.h"

#include <nlohmann/json.hpp>

#include "aws/dynamo_reply.h"
#include "aws/iso8601.h"
#include "net/json_reply.h"

namespace drpilot::aws {
namespace {

using nlohmann::json;

// The reply is one flat object; anything nested deeper is not it.
constexpr int kMaxDepth = 4;

// Printable ASCII without spaces: what may stand in a header value and in
// the Authorization header's Credential=... unchanged.
bool header_safe(const std::string& s) {
  for (char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

// A string field: `required` ones must be present; present ones must be
// non-empty, bounded and header-safe. The value is never quoted in `error`.
bool field(const json& body, const char* name, bool required, std::size_t max, std::string& out,
           std::string& error) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) error = std::string("the reply has no ") + name;
    return !required;
  }
  if (!it->is_string()) {
    error = std::string(name) + " is not a string";
    return false;
  }
  out = it->get<std::string>();
  if (out.empty()) {
    error = std::string(name) + " is empty";
    return false;
  }
  if (out.size() > max) {
    error = std::string(name) + " is longer than " + std::to_string(max) + " bytes";
    return false;
  }
  if (!header_safe(out)) {
    error = std::string(name) + " holds whitespace or a control character";
    return false;
  }
  return true;
}

// What an error reply says: ECS answers {"code": ..., "message": ...}.
std::string error_reply(int status, std::string_view body) {
  std::string out = "HTTP " + std::to_string(status);
  const json j = net::parse_json_reply(body, nullptr, kMaxDepth);
  if (j.is_object()) {
    for (const char* key : {"code", "Code"}) {
      auto it = j.find(key);
      if (it != j.end() && it->is_string()) out += ": " + one_line(it->get<std::string>(), 80);
    }
    for (const char* key : {"message", "Message"}) {
      auto it = j.find(key);
      if (it != j.end() && it->is_string()) out += ": " + one_line(it->get<std::string>(), 200);
    }
  } else if (!body.empty()) {
    out += ": " + one_line(body, 120);
  }
  return out;
}

}  // namespace

std::optional<Credentials> parse_container_credentials(int status, std::string_view body,
                                                       const std::string& source,
                                                       std::string& error) {
  error.clear();
  if (status != 200) {
    error = error_reply(status, body);
    return std::nullopt;
  }
  if (body.size() > kMaxContainerReply) {
    error = "the reply is larger than " + std::to_string(kMaxContainerReply) + " bytes";
    return std::nullopt;
  }
  std::string why;
  const json j = net::parse_json_reply(body, &why, kMaxDepth);
  if (j.is_discarded()) {
    error = "the reply is " + std::string(why == "not valid JSON" ? "not JSON" : why);
    return std::nullopt;
  }
  if (!j.is_object()) {
    error = "the reply is not a JSON object";
    return std::nullopt;
  }
  Credentials c;
  std::string expiration;
  if (!field(j, "AccessKeyId", true, kMaxAccessKeyId, c.access_key_id, error) ||
      !field(j, "SecretAccessKey", true, kMaxSecretAccessKey, c.secret_access_key, error) ||
      !field(j, "Token", false, kMaxSessionToken, c.session_token, error) ||
      !field(j, "Expiration", false, 64, expiration, error)) {
    return std::nullopt;
  }
  if (!expiration.empty()) {
    c.expiration = parse_iso8601(expiration);
    if (!c.expiration) {
      error = "Expiration '" + expiration + "' is not a time such as 2026-01-31T12:00:00Z";
      return std::nullopt;
    }
  }
  c.source = source;
  return c;
}

}  // namespace drpilot::aws
