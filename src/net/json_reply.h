#pragma once
// Parsing JSON that came from the network (provider and AWS replies, agent
// reports and assignments, API bodies and replies): nesting deeper than a
// bound is refused before the parser sees it, so a hostile peer cannot make
// parsing or destroying the value recurse without end, and so is a NUL byte
// (where the parser would stop reading and accept what came before). Never
// throws.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace drpilot::net {

inline constexpr int kMaxJsonDepth = 64;

// The value, or a discarded value (is_discarded()) with `error` set when
// given: "nested deeper than 64 levels", "not valid JSON".
nlohmann::json parse_json_reply(std::string_view text, std::string* error = nullptr,
                                int max_depth = kMaxJsonDepth);

// The deepest nesting of arrays and objects in `text` (strings skipped),
// stopping early once it passes `stop_above`.
int json_depth(std::string_view text, int stop_above = kMaxJsonDepth);

}  // namespace drpilot::net
