#pragma once
// What the planner looks up again and again, computed once per configuration:
// each record's sites ranked (priority, then configured order) and, for each
// site, the records that answer with it. With it the planner never scans the
// site list inside a sort, and the engine re-plans only the records an
// observation can affect.
//
// Compact, because it has an entry per site and record: names are views into
// the records and sites it was built from (which must outlive it), a record's
// sites are a sorted vector, and the records of each site one flat array.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/spec.h"

namespace drpilot::core {

class PlanIndex {
 public:
  using Rank = std::pair<int, std::size_t>;  // (priority, position in the record)

  PlanIndex(const std::vector<SiteSpec>& sites, const std::vector<RecordSpec>& records);

  // Record `i` of the configuration (its index in the records vector).
  struct Record {
    std::vector<std::pair<std::string_view, Rank>> by_name;  // its sites, sorted by name
    std::vector<std::string_view> by_rank;                   // its sites, best first
    const Rank* find(std::string_view site) const;
  };
  const Record& record(std::size_t i) const { return records_[i]; }
  std::size_t record_count() const { return records_.size(); }

  // (priority, position) of `site` in record `i`; a site the record does not
  // name ranks after all of its own.
  Rank rank(std::size_t i, std::string_view site) const;
  // Indices of the records that name `site` (empty for an unknown site).
  std::span<const std::uint32_t> records_of(std::string_view site) const;

 private:
  struct Site {
    int priority = 0;
    std::uint32_t first = 0, count = 0;  // its slice of records_of_
  };
  std::unordered_map<std::string_view, Site> sites_;
  std::vector<Record> records_;
  std::vector<std::uint32_t> records_of_;
};

}  // namespace drpilot::core
