#pragma once
// A health check's HTTP/1.1 exchange over plain TCP, with as few system calls
// and wakeups as the protocol allows: a non-blocking socket made close-on-exec
// in the same call, the request sent as soon as the connection is up, the
// response read straight into a buffer and fed to the HTTP parser, no
// coroutine, no per-operation timer. At thousands of checks per second the
// cost per check is mostly the kernel's TCP work, as it is for HAProxy.
//
// The same contract as http_request (bounded header and body, one deadline
// for the connect and one for the whole exchange, the same error texts), for
// requests to an IP address without TLS; anything else goes to http_request.

#include <functional>

#include "net/http.h"

namespace drpilot::net {

// `done` runs on the loop thread exactly once. Response headers are not
// collected: a health check reads the status and the body.
void http_probe(Loop& loop, const ClientRequest& req, std::function<void(ClientResult)> done);

}  // namespace drpilot::net
