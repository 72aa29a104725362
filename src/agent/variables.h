#pragma once
// The variables a configuration template sees, taken from the site's
// assignment:
//   {{site}} {{generation}}
//   {{data_region}} {{write_region}} {{role}} {{reason}}   when exactly one
//                                                          table group exists
//   {{group.NAME.data_region}} {{group.NAME.write_region}}
//   {{group.NAME.role}} {{group.NAME.reason}}              for any group
// role is "read-write" or "read-only".

#include <optional>
#include <string>

#include "api/agent_protocol.h"

namespace drpilot::agent {

// The value of `name`, or nothing with `why` naming the variable and saying
// what is wrong (unknown, unknown group, ambiguous with several groups).
std::optional<std::string> assignment_variable(const api::SiteAssignmentMessage& a,
                                               const std::string& name, std::string& why);

}  // namespace drpilot::agent
