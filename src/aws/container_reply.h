#pragma once
// The reply of the container credentials endpoint (ECS task roles, EKS Pod
// Identity), read without a network so that every way it can be wrong is
// tested and fuzzed:
//
//   200 {"AccessKeyId": "ASIA...", "SecretAccessKey": "...", "Token": "...",
//        "Expiration": "2026-01-31T12:00:00Z", "RoleArn": "..."}
//   4xx/5xx {"code": "...", "message": "..."}  (or anything else)
//
// The keys go into the headers of every signed request, so a value with
// whitespace or control characters (a header injection) is refused, as are
// values longer than AWS ever issues. Nothing secret ever appears in an
// error message.

#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.h"

namespace drpilot::aws {

// Bounds of what the endpoint may send: far above what AWS issues.
inline constexpr std::size_t kMaxContainerReply = 64 * 1024;
inline constexpr std::size_t kMaxAccessKeyId = 128;
inline constexpr std::size_t kMaxSecretAccessKey = 256;
inline constexpr std::size_t kMaxSessionToken = 16 * 1024;

// The credentials of a reply with HTTP status `status` and body `body`
// (source and expiration set; Token and Expiration may be absent, as the
// SDKs allow for endpoints of one's own), or nothing with `error`: one line
// such as "HTTP 500: code InternalError: ...", "the reply is not JSON",
// "the reply has no SecretAccessKey", "Expiration 'soon' is not a time such
// as 2026-01-31T12:00:00Z".
std::optional<Credentials> parse_container_credentials(int status, std::string_view body,
                                                       const std::string& source,
                                                       std::string& error);

}  // namespace drpilot::aws
