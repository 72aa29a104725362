#pragma once
// What one HTTP exchange with DynamoDB came to, decided without a network so
// that every way a reply can be wrong is tested directly: transport errors,
// a body cut off or too big, a checksum that does not match, HTML from a
// proxy, JSON of the wrong shape, and DynamoDB's own errors
// ({"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
// "message": "..."}), each marked retryable or not as the SDKs' standard
// mode decides.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#include "net/http.h"

namespace drpilot::aws {

struct ReplyOutcome {
  bool ok = false;
  nlohmann::json body;  // the reply (ok), or the error body when it was JSON
  int http_status = 0;
  std::string error_code;  // the part of __type after '#'
  std::string detail;      // one line: "ResourceNotFoundException: Requested resource not found"
  std::string message;     // AWS's own message alone, one line ("" when none)
  bool retryable = false;
  bool timeout = false;  // retries after a timeout cost more of the quota
  bool throttled = false;
  bool credentials_refused = false;  // error_code is one of is_credential_code()
};

// Whether an error code says AWS refused the request's credentials rather
// than anything about the service: expired or unknown keys and tokens, a
// signature that does not match (a wrong secret, a clock off by more than
// 15 minutes), none at all, or an IAM permission missing. DynamoDB answers
// these with HTTP 400 ({"__type": "com.amazon.coral.service#
// ExpiredTokenException", ...}); the query-protocol names other services
// use (HTTP 403) are included for endpoints behind proxies.
bool is_credential_code(std::string_view code);

ReplyOutcome interpret_reply(const net::ClientResult& r, std::size_t max_reply);

// True when `text` nests arrays and objects at most `max_depth` deep (outside
// strings): deeper replies are refused before parsing, since DynamoDB never
// sends them and printing them would recurse without bound.
bool json_nesting_within(std::string_view text, int max_depth);

// `text` on one line, control characters as spaces, at most `max` bytes
// followed by "..." when longer.
std::string one_line(std::string_view text, std::size_t max = 160);

}  // namespace drpilot::aws
