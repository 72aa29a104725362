#include "net/json_reply.h"

namespace drpilot::net {

int json_depth(std::string_view text, int stop_above) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > stop_above) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

nlohmann::json parse_json_reply(std::string_view text, std::string* error, int max_depth) {
  // nlohmann's parser takes a NUL byte for the end of the input, so
  // `{"a":1}<NUL>anything` would read as {"a":1}. JSON has no raw NUL.
  if (text.find('\0') != std::string_view::npos) {
    if (error) *error = "not valid JSON (a NUL byte)";
    return nlohmann::json::value_t::discarded;
  }
  if (json_depth(text, max_depth) > max_depth) {
    if (error) *error = "nested deeper than " + std::to_string(max_depth) + " levels";
    return nlohmann::json::value_t::discarded;
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() && error) *error = "not valid JSON";
  return j;
}

}  // namespace drpilot::net
