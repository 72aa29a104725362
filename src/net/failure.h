#pragma once
// Why a network exchange failed, for callers that must tell the peer's fault
// from their own. A refusal, a reset or a malformed reply is the peer's. A
// timeout is the peer's only if this process was keeping time: an event loop
// that stalled lets deadlines pass while replies wait unread. A local error
// (out of descriptors, ephemeral ports, buffers or memory) is never the peer's.

namespace drpilot::net {

enum class Failure { none, remote, timeout, local };

// errno values that mean "this machine ran out of something".
bool is_local_errno(int err);

}  // namespace drpilot::net
