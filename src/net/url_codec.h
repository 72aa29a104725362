#pragma once
// Percent-encoding and query strings (RFC 3986), for the API's URLs.

#include <map>
#include <string>
#include <string_view>

namespace drpilot::net {

std::string url_decode(std::string_view s);  // '+' stays '+' in paths
// Unreserved characters kept, and those in `keep` ("/" for a path); the rest
// as %XX with upper-case digits, as SigV4 requires too.
std::string url_encode(std::string_view s, std::string_view keep = {});
std::map<std::string, std::string> parse_query(std::string_view q);

}  // namespace drpilot::net
