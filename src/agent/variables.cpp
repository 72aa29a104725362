#include "agent/variables.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace drpilot::agent {
namespace {

constexpr std::array<const char*, 4> kGroupFields = {"data_region", "write_region", "role",
                                                     "reason"};

bool name_char(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '.' || c == '_' || c == '-';
}

// A refused value as quoted in the error: short, on one line.
std::string shown(const std::string& v) {
  std::string s;
  for (char c : v.substr(0, 40)) {
    const unsigned char u = static_cast<unsigned char>(c);
    s += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  return v.size() > 40 ? s + "..." : s;
}

// A name goes into the file as it is, or not at all.
std::optional<std::string> checked_name(const std::string& var, const std::string& value,
                                        bool may_be_empty, std::string& why) {
  if (value.empty() && !may_be_empty) {
    why = "variable '" + var + "' has no value in the assignment";
    return std::nullopt;
  }
  if (!std::all_of(value.begin(), value.end(), name_char)) {
    why = "variable '" + var + "' is refused: its value '" + shown(value) +
          "' holds characters other than letters, digits, '.', '_' and '-', which could break "
          "out of a quoted string in the rendered file";
    return std::nullopt;
  }
  return value;
}

std::string safe_text(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '\'') {
      out += "\xE2\x80\x99";  // U+2019, the typographic apostrophe
    } else if (u < 0x20 || u == 0x7f || c == '"' || c == '`' || c == '\\' || c == '$') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> group_field(const core::GroupAssignment& g, const std::string& var,
                                       const std::string& field, std::string& why) {
  if (field == "data_region") return checked_name(var, g.data_region, false, why);
  // Empty while no write-primary is known.
  if (field == "write_region") return checked_name(var, g.write_region, true, why);
  if (field == "role") {
    return std::string(g.role == core::DataRole::read_only ? "read-only" : "read-write");
  }
  if (field == "reason") return safe_text(g.reason);
  return std::nullopt;
}

bool group_field_name(const std::string& field) {
  return std::find(kGroupFields.begin(), kGroupFields.end(), field) != kGroupFields.end();
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
  if (name == "site") return checked_name(name, a.site, false, why);
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
    if (group_field_name(field)) return group_field(it->second, name, field, why);
    why = "unknown variable '" + name + "': a group has data_region, write_region, role, reason";
    return std::nullopt;
  }

  if (group_field_name(name)) {
    // The short names stand for the only group; with several they would be a guess.
    if (a.groups.size() == 1) return group_field(a.groups.begin()->second, name, name, why);
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
