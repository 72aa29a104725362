#pragma once
// The faults an operator switches on a lab endpoint (a simulated site or a
// data region), and what they do to its listening server.
//
//   break      every request answers an error (503 for a site, 500 for a data region)
//   refuse     the port is closed (connections refused)
//   blackhole  connections are accepted and never answered
//   slow MS    answers arrive MS milliseconds late
//   heal       back to normal

#include <optional>
#include <string>
#include <string_view>

namespace drpilot::net {
class HttpServer;
}

namespace drpilot::lab {

enum class Fault { none, broken, refused, blackholed, slow };
std::string_view to_string(Fault f);

// "break", "refuse", "blackhole", "slow", "heal" → the fault; nullopt otherwise.
std::optional<Fault> fault_for_action(std::string_view action);
inline constexpr const char* kFaultActions = "break, refuse, blackhole, slow, heal";

// The longest `slow` delay an operator may ask for.
inline constexpr int kMaxSlowMs = 600'000;

// Makes `server`'s socket match a change from `before` to `after`: closed
// while refused, and held (blackholed) connections let go on the way out so
// that clients see the change.
void switch_server(net::HttpServer& server, Fault before, Fault after);

}  // namespace drpilot::lab
