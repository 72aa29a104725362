#include "core/model.h"

namespace drpilot::core {

std::string_view to_string(Health h) {
  switch (h) {
    case Health::up:
      return "up";
    case Health::down:
      return "down";
    case Health::unknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<Health> parse_health(std::string_view s) {
  if (s == "up") return Health::up;
  if (s == "down") return Health::down;
  if (s == "unknown") return Health::unknown;
  return std::nullopt;
}

}  // namespace drpilot::core
