#pragma once
// Where the container credentials endpoint is and how to ask it, from the
// environment the container runtime sets, as the AWS SDKs read it:
//
//   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI  (ECS task roles) a path on
//       http://169.254.170.2; it wins over the full URI.
//   AWS_CONTAINER_CREDENTIALS_FULL_URI      (EKS Pod Identity, one's own
//       endpoint) any https:// URL, or an http:// one on a loopback address,
//       169.254.170.2, 169.254.170.23 or fd00:ec2::23: plain HTTP elsewhere
//       would hand the credentials to anyone on the path.
//   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE  the Authorization header's value,
//       read again for every request (EKS rotates it); wins over
//   AWS_CONTAINER_AUTHORIZATION_TOKEN       the same, given directly.
//
// The reply is read by parse_container_credentials (container_reply.h).

#include <optional>
#include <string>

#include "core/time.h"
#include "net/http.h"

namespace drpilot::aws {

struct ContainerRequest {
  net::ClientRequest request;  // GET, bounded in time and size, with Authorization when set
  // For messages and Credentials::source: "the container credentials
  // endpoint http://169.254.170.2/... (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)";
  // the path, which may identify the task, shown as "/...".
  std::string source;
};

// Whether either URI variable is set: the container endpoint is part of the chain.
bool container_endpoint_set();

// The request to send, or nothing with `error` naming the variable or file
// that is wrong (a URL that is not allowed, a token file that cannot be
// read, a token with a line break).
std::optional<ContainerRequest> container_request(core::Duration timeout, std::string& error);

}  // namespace drpilot::aws
