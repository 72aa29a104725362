#include "agent/variables.h"

#include <array>

namespace drpilot::agent {
namespace {

constexpr std::array<const char*, 4> kGroupFields = {"data_region", "write_region", "role",
                                                     "reason"};

std::optional<std::string> group_field(const core::GroupAssignment& g, const std::string& field) {
  if (field == "data_region") return g.data_region;
  if (field == "write_region") return g.write_region;
  if (field == "role") {
    return std::string(g.role == core::DataRole::read_only ? "read-only" : "read-write");
  }
  if (field == "reason") return g.reason;
  return std::nullopt;
}

std::string group_names(const api::SiteAssignmentMessage& a) {
  std::string s;
  for (const auto& [name, g] : a.groups) s += (s.empty() ? "" : ", ") + name;
  return s.empty() ? "none" : s;
}

std::string known_variables() {
  std::string s = "site, generation";
  for (const char* f : kGroupFields) s += std::string(", ") + f;
  for (const char* f : kGroupFields) s += std::string(", group.NAME.") + f;
  return s;
}

}  // namespace

std::optional<std::string> assignment_variable(const api::SiteAssignmentMessage& a,
                                               const std::string& name, std::string& why) {
  if (name == "site") return a.site;
  if (name == "generation") return std::to_string(a.generation);

  constexpr std::string_view kGroup = "group.";
  if (name.compare(0, kGroup.size(), kGroup) == 0) {
    const std::string rest = name.substr(kGroup.size());
    const std::size_t dot = rest.rfind('.');
    if (dot == std::string::npos || dot == 0) {
      why =
          "unknown variable '" + name + "' (use group.NAME.FIELD, such as group.NAME.data_region)";
      return std::nullopt;
    }
    const std::string group = rest.substr(0, dot), field = rest.substr(dot + 1);
    auto it = a.groups.find(group);
    if (it == a.groups.end()) {
      why = "unknown variable '" + name + "': the assignment has no table group '" + group +
            "' (it has: " + group_names(a) + ")";
      return std::nullopt;
    }
    if (auto v = group_field(it->second, field)) return v;
    why = "unknown variable '" + name + "': a group has data_region, write_region, role, reason";
    return std::nullopt;
  }

  if (group_field(core::GroupAssignment{}, name)) {
    // The short names stand for the only group; with several they would be a guess.
    if (a.groups.size() == 1) return group_field(a.groups.begin()->second, name);
    if (a.groups.empty()) {
      why = "variable '" + name + "' has no value: the assignment has no table group";
    } else {
      why = "variable '" + name + "' is ambiguous: the assignment has " +
            std::to_string(a.groups.size()) + " table groups (" + group_names(a) +
            "); use {{group.NAME." + name + "}}";
    }
    return std::nullopt;
  }
  why = "unknown variable '" + name + "' (known: " + known_variables() + ")";
  return std::nullopt;
}

}  // namespace drpilot::agent
