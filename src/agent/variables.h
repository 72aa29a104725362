#pragma once
// The variables a configuration template sees, taken from the site's
// assignment:
//   {{site}} {{generation}}
//   {{data_region}} {{write_region}} {{role}} {{reason}}   when exactly one
//                                                          table group exists
//   {{group.NAME.data_region}} {{group.NAME.write_region}}
//   {{group.NAME.role}} {{group.NAME.reason}}              for any group
// role is "read-write" or "read-only".
//
// Rendered files are env files and PHP includes, where a quote, a backslash,
// a '$' or a backtick in a value would end a quoted string or expand. So a
// name (site, region, group) with anything but [A-Za-z0-9._-] is refused,
// even when the message was signed; a reason is the planner's free text and
// may quote a check's detail, so it is made safe instead of refused (an
// apostrophe becomes U+2019, the other characters and control characters a
// space): a quote in a reason must not fail the apply.

#include <optional>
#include <string>

#include "api/agent_protocol.h"

namespace drpilot::agent {

// The value of `name`, or nothing with `why` naming the variable and saying
// what is wrong (unknown, unknown group, ambiguous with several groups).
std::optional<std::string> assignment_variable(const api::SiteAssignmentMessage& a,
                                               const std::string& name, std::string& why);

}  // namespace drpilot::agent
