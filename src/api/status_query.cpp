#include "api/status_query.h"

#include <charconv>

namespace drpilot::api {

std::optional<std::pair<std::size_t, std::size_t>> parse_cursor(const std::string& cursor) {
  const std::size_t dot = cursor.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == cursor.size()) return std::nullopt;
  std::size_t r = 0, s = 0;
  const char* b = cursor.data();
  const char* e = b + cursor.size();
  auto [p1, e1] = std::from_chars(b, b + dot, r);
  auto [p2, e2] = std::from_chars(b + dot + 1, e, s);
  if (e1 != std::errc() || p1 != b + dot || e2 != std::errc() || p2 != e) return std::nullopt;
  return std::pair{r, s};
}

}  // namespace drpilot::api
