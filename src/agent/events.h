#pragma once
// How the agent's parts tell what happened: one event with key=value fields,
// written by the command line as one log line. A callback rather than the
// command line's logger, so the agent stays a library (and tests can read
// the events). No field ever holds the key or anything derived from it.

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace drpilot::agent {

using EventField = std::pair<std::string, std::string>;
using EventLog = std::function<void(const std::string& event, const std::vector<EventField>&)>;

}  // namespace drpilot::agent
