#pragma once
// Requests from the lab to its dynalite children: a client's request passed
// on unchanged, or one of the lab's own (replication, image reads, table
// changes), and the reply turned back into the server's answer.

#include <cstdint>
#include <functional>
#include <string>

#include "net/http.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::lab {

using CallDone = std::function<void(net::ClientResult)>;

// The lab's own request `op` (e.g. "PutItem") with a JSON body.
void dynamo_call(net::Loop& loop, std::uint16_t port, const std::string& op, std::string body,
                 CallDone done);
// A client's request, as it came (method, target, headers, body); `body`
// replaces the client's when given.
void forward(net::Loop& loop, std::uint16_t port, const net::ServerRequest& req, CallDone done,
             const std::string* body = nullptr);

// A dynalite reply as the region's answer: status, body and DynamoDB's
// headers (x-amz-crc32, x-amzn-requestid) unchanged; a transport failure
// as a DynamoDB-shaped 500.
net::ServerResponse to_response(const net::ClientResult& r, const std::string& region);
// `r` with a new body and its x-amz-crc32 to match.
void replace_body(net::ServerResponse& r, std::string body);
// A DynamoDB error answer.
net::ServerResponse dynamo_error(int status, const std::string& type, const std::string& message);

// Whether an answer's body names this error type, e.g. "ResourceNotFoundException".
bool is_error(const std::string& body, const std::string& type);

}  // namespace drpilot::lab
