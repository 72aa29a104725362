#include "lab/fault.h"

#include "net/http.h"

namespace drpilot::lab {

std::string_view to_string(Fault f) {
  switch (f) {
    case Fault::none:
      return "none";
    case Fault::broken:
      return "broken";
    case Fault::refused:
      return "refused";
    case Fault::blackholed:
      return "blackholed";
    case Fault::slow:
      return "slow";
  }
  return "none";
}

std::optional<Fault> fault_for_action(std::string_view action) {
  if (action == "break") return Fault::broken;
  if (action == "refuse") return Fault::refused;
  if (action == "blackhole") return Fault::blackholed;
  if (action == "slow") return Fault::slow;
  if (action == "heal") return Fault::none;
  return std::nullopt;
}

void switch_server(net::HttpServer& server, Fault before, Fault after) {
  if (after == Fault::refused && before != Fault::refused) server.stop_listening(true);
  if (after != Fault::refused && before == Fault::refused) server.start();
  if (before == Fault::blackholed && after != Fault::blackholed) server.close_connections();
}

}  // namespace drpilot::lab
