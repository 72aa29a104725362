#pragma once
// What the HTTP client and the health-check probe tell an operator about a
// failed exchange, in one place. Internal to src/net (it speaks Boost's error
// codes).

#include <boost/system/error_code.hpp>

#include <chrono>
#include <string>

#include "net/http.h"

namespace drpilot::net {

// "connect refused", "timeout after 300ms (waiting for the response)", ...
std::string describe_failure(const boost::system::error_code& ec, std::chrono::milliseconds elapsed,
                             const char* phase);
Failure classify_failure(const boost::system::error_code& ec);
// RFC 9110 section 7.2: host and, unless it is the scheme's default, the port;
// an IPv6 literal in brackets.
std::string host_header(const ClientRequest& req);

}  // namespace drpilot::net
