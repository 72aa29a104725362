// libFuzzer target for the container credentials endpoint's reply, as
// aws::parse_container_credentials reads it.
//
// Input: STATUS \n BODY
//
// Invariants (violations trap):
//  - nothing throws;
//  - credentials come only from a 200 reply that is a JSON object with a
//    non-empty AccessKeyId and SecretAccessKey, and every value that goes
//    into a header is bounded printable ASCII without spaces;
//  - a failure says why on one bounded line, and of a 200 reply it never
//    quotes the SecretAccessKey or the Token.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aws/container_reply.h"
#include "fuzz_input.h"
#include "net/json_reply.h"

namespace {

using namespace drpilot;
using nlohmann::json;

bool header_safe(const std::string& s, std::size_t max) {
  if (s.size() > max) return false;
  for (char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

// A string field of the reply, when the reply is an object holding one.
std::string field(std::string_view body, const char* name) {
  const json j = net::parse_json_reply(body);
  if (!j.is_object()) return "";
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string status_text = fuzz::next_line(in);
  int status = 0;
  for (char c : status_text.substr(0, 4)) {
    if (c >= '0' && c <= '9') status = status * 10 + (c - '0');
  }
  std::string error;
  std::optional<aws::Credentials> c;
  try {
    c = aws::parse_container_credentials(status, in, "the endpoint", error);
  } catch (...) {
    FUZZ_CHECK(!"parse_container_credentials threw");
  }
  if (c) {
    FUZZ_CHECK(status == 200 && error.empty());
    FUZZ_CHECK(!c->access_key_id.empty() && !c->secret_access_key.empty());
    FUZZ_CHECK(header_safe(c->access_key_id, aws::kMaxAccessKeyId));
    FUZZ_CHECK(header_safe(c->secret_access_key, aws::kMaxSecretAccessKey));
    FUZZ_CHECK(header_safe(c->session_token, aws::kMaxSessionToken));
    FUZZ_CHECK(c->source == "the endpoint");
    return 0;
  }
  FUZZ_CHECK(!error.empty() && error.size() <= 512 && !fuzz::has_control_char(error));
  if (status == 200 && in.find('\0') == std::string_view::npos) {
    // The Expiration is quoted when it is no time; it is not secret.
    const std::string expiration = field(in, "Expiration");
    for (const char* secret : {"SecretAccessKey", "Token"}) {
      const std::string value = field(in, secret);
      if (value.size() >= 8 && expiration.find(value) == std::string::npos &&
          error.find(value) != std::string::npos) {
        // Only a leak if it came from the reply: with the value replaced by
        // other characters the error must no longer hold it (a value like
        // "has no Access" can be the parser's own wording).
        std::string masked(in);
        for (std::size_t at = masked.find(value); at != std::string::npos;
             at = masked.find(value, at + value.size())) {
          masked.replace(at, value.size(), std::string(value.size(), '#'));
        }
        std::string masked_error;
        aws::parse_container_credentials(status, masked, "the endpoint", masked_error);
        FUZZ_CHECK(masked_error.find(value) != std::string::npos);
      }
    }
  }
  return 0;
}
