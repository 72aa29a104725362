#pragma once
// AWS Signature Version 4, small and by hand: canonical request (method, URI,
// query, headers lower-cased, trimmed, inner spaces collapsed, repeated ones
// joined with commas, sorted; signed header list; payload hash), string to
// sign with the credential scope, the derived signing key, and the
// Authorization header. Pure: the time is given.
//
// What is canonicalised and what is taken as given (the rules of every
// service but S3, as botocore and the AWS test suite apply them):
//   method   upper-cased.
//   path     taken as sent on the request line. Dot segments ("." and "..")
//            and empty segments ("//") are removed, then every byte outside
//            RFC 3986's unreserved set and '/' is percent-encoded, '%'
//            included: a path sent already encoded ("/a%20b") is encoded a
//            second time ("/a%2520b"), which is what these services expect.
//            An empty path is "/". DynamoDB's path is always "/".
//   query    as sent, without '?'. Each "key=value" pair (a pair without '='
//            has an empty value; empty pairs are skipped) is percent-decoded
//            and re-encoded with RFC 3986's unreserved set and upper-case hex,
//            then the pairs are sorted by key and then by value. A query
//            already encoded that way is kept byte for byte; a raw '+' is a
//            literal plus, signed as %2B.
//   headers  every header given is signed (the caller chooses; keep
//            hop-by-hop ones such as Connection and User-Agent out): names
//            lower-cased, values trimmed with inner whitespace runs collapsed
//            to one space, repeated names joined with ',' in the order given,
//            sorted by name. Authorization is never signed; X-Amz-Date (and
//            X-Amz-Security-Token, with a session token) given by the caller
//            are replaced by the ones sign() computes.
//   payload  the bytes as sent, hashed with SHA-256.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credentials.h"
#include "core/time.h"

namespace drpilot::aws {

struct SignableRequest {
  std::string method = "POST";
  std::string path = "/";  // as sent (see above)
  std::string query;       // as sent, without '?': "a=1&b=2"; empty for none
  std::vector<std::pair<std::string, std::string>> headers;  // must include host
  std::string payload;
};

struct SigningParams {
  std::string region;   // "eu-west-1"
  std::string service;  // "dynamodb"
  core::TimePoint when{};
};

struct Signature {
  std::string amz_date;           // "20150830T123600Z"
  std::string canonical_request;  // for debugging and tests
  std::string string_to_sign;
  std::string signature;      // hex
  std::string authorization;  // the Authorization header's value
  // Headers the request must carry besides its own: X-Amz-Date, and
  // X-Amz-Security-Token when the credentials have a session token. (The
  // caller adds them to the request exactly as listed here; they are signed.)
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

Signature sign(const SignableRequest& request, const Credentials& credentials,
               const SigningParams& params);

// Helpers exposed for tests and other services.
std::string amz_date(core::TimePoint t);                        // 20150830T123600Z
std::string canonical_header_value(std::string_view value);     // trimmed, inner spaces collapsed
std::string uri_encode(std::string_view s, bool encode_slash);  // RFC 3986 unreserved kept
std::string canonical_uri(std::string_view path);               // as described above
std::string canonical_query(std::string_view query);            // as described above

}  // namespace drpilot::aws
