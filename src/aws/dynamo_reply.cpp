#include "aws/dynamo_reply.h"

#include <charconv>

#include "aws/dynamodb.h"
#include "aws/retry.h"
#include "net/json_reply.h"

namespace drpilot::aws {
namespace {

using nlohmann::json;

// DynamoDB nests attribute values at most 32 levels; with the "M"/"L"
// wrappers and the reply's own objects this is a generous ceiling.
constexpr int kMaxDepth = 128;

bool is_2xx(int status) {
  return status >= 200 && status < 300;
}

// "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" -> the name.
std::string error_code_of(const json& body) {
  if (!body.is_object()) return "";
  auto it = body.find("__type");
  if (it == body.end() || !it->is_string()) return "";
  const std::string type = it->get<std::string>();
  const std::size_t hash = type.rfind('#');
  return hash == std::string::npos ? type : type.substr(hash + 1);
}

std::string error_message_of(const json& body) {
  if (!body.is_object()) return "";
  for (const char* key : {"message", "Message"}) {
    auto it = body.find(key);
    if (it != body.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

// The checksum DynamoDB computes over the body it sent; nothing to check
// when the header is absent (dynalite and proxies may leave it out).
bool checksum_mismatch(const net::ClientResult& r, std::string& detail) {
  auto it = r.headers.find("x-amz-crc32");
  if (it == r.headers.end()) return false;
  const std::string& text = it->second;
  std::uint32_t expected = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), expected);
  const std::uint32_t actual = crc32(r.body);
  if (ec == std::errc() && p == text.data() + text.size() && expected == actual) return false;
  detail = "reply corrupted in transit: x-amz-crc32 is " + one_line(text, 24) +
           " but the body's CRC-32 is " + std::to_string(actual);
  return true;
}

}  // namespace

std::string one_line(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) {
    const unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  if (text.size() > max) out += "...";
  return out;
}

bool json_nesting_within(std::string_view text, int max_depth) {
  return net::json_depth(text, max_depth) <= max_depth;
}

bool is_credential_code(std::string_view code) {
  static constexpr std::string_view kCodes[] = {"UnrecognizedClientException",
                                                "ExpiredTokenException",
                                                "InvalidSignatureException",
                                                "AccessDeniedException",
                                                "MissingAuthenticationTokenException",
                                                "IncompleteSignatureException",
                                                "ExpiredToken",
                                                "InvalidClientTokenId",
                                                "SignatureDoesNotMatch",
                                                "MissingAuthenticationToken",
                                                "IncompleteSignature",
                                                "AccessDenied",
                                                "RequestExpired"};
  for (std::string_view c : kCodes) {
    if (code == c) return true;
  }
  return false;
}

ReplyOutcome interpret_reply(const net::ClientResult& r, std::size_t max_reply) {
  ReplyOutcome o;
  o.http_status = r.status;
  if (!r.ok) {
    // Refused, reset, closed early, timed out: the network's doing, worth
    // another try.
    o.http_status = 0;
    o.detail = r.error.empty() ? "no reply" : r.error;
    o.retryable = true;
    o.timeout = r.error.rfind("timeout", 0) == 0;
    return o;
  }
  if (r.body_truncated || r.body.size() > max_reply) {
    o.detail = "HTTP " + std::to_string(r.status) + " reply larger than " +
               std::to_string(max_reply) + " bytes";
    return o;
  }
  if (checksum_mismatch(r, o.detail)) {
    o.retryable = true;
    return o;
  }

  json body;
  bool is_json = false;
  // A NUL byte would end the parser's input early: `{...}<NUL>junk` is no JSON.
  if (!r.body.empty() && r.body.find('\0') == std::string::npos &&
      json_nesting_within(r.body, kMaxDepth)) {
    body = json::parse(r.body, nullptr, false);
    is_json = !body.is_discarded();
    if (!is_json) body = json();
  }

  if (is_2xx(r.status)) {
    if (!is_json) {
      o.detail = "reply is not JSON (HTTP " + std::to_string(r.status) +
                 (r.body.empty() ? ", empty body)" : "): " + one_line(r.body, 80));
      return o;
    }
    if (!body.is_object()) {
      o.detail = "reply is not a JSON object: " + one_line(r.body, 80);
      return o;
    }
    o.ok = true;
    o.body = std::move(body);
    return o;
  }

  o.error_code = error_code_of(body);
  const std::string message = error_message_of(body);
  o.message = one_line(message, 240);
  if (!o.error_code.empty()) {
    o.detail = one_line(o.error_code, 120) + (message.empty() ? "" : ": " + one_line(message, 240));
  } else {
    o.detail = "HTTP " + std::to_string(r.status);
    if (!r.body.empty()) {
      o.detail +=
          is_json ? ": " + one_line(body.dump(-1, ' ', false, json::error_handler_t::replace), 120)
                  : " (not JSON): " + one_line(r.body, 80);
    }
  }
  if (is_json) o.body = std::move(body);
  o.throttled = is_throttling_code(o.error_code);
  o.credentials_refused = is_credential_code(o.error_code);
  o.retryable = r.status >= 500 || o.throttled || is_transient_code(o.error_code);
  return o;
}

}  // namespace drpilot::aws
