#pragma once
// One line per event on stderr: a timestamp, then key=value pairs. Values
// with spaces are quoted so the lines stay machine-readable.

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace drpilot::cli {

using Field = std::pair<std::string, std::string>;
void log_event(const std::string& event, std::initializer_list<Field> fields);
// The same, for fields gathered at run time (the agent's events).
void log_fields(const std::string& event, const std::vector<Field>& fields);

}  // namespace drpilot::cli
