#pragma once
// A bounded TCP connect attempt, for tcp health checks.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "net/failure.h"

namespace drpilot::net {

class Loop;

struct ConnectResult {
  bool ok = false;
  std::string error;  // "connect refused", "timeout after 200ms", ...
  Failure failure = Failure::none;
  std::chrono::milliseconds elapsed{0};
};

// `done` runs on the loop thread exactly once; the connection is closed at once.
void tcp_connect(Loop& loop, const std::string& address, std::uint16_t port,
                 std::chrono::milliseconds timeout, std::function<void(ConnectResult)> done);

}  // namespace drpilot::net
