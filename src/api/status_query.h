#pragma once
// What a status request asks for: everything, one site (and the records that
// answer with it), one record (and its sites), or a page of `limit` records
// and `limit` sites from `cursor` on.

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace drpilot::api {

struct StatusQuery {
  std::string site;
  std::string record;
  std::size_t limit = 0;  // 0: no paging
  std::string cursor;     // from the previous page's next_cursor
  bool operator==(const StatusQuery&) const = default;
};

// Parses "<record position>.<site position>"; nullopt when malformed.
std::optional<std::pair<std::size_t, std::size_t>> parse_cursor(const std::string& cursor);

}  // namespace drpilot::api
