#pragma once
// What the planner looks up again and again, computed once per configuration:
// each record's sites ranked (priority, then configured order) and, for each
// site, the records that answer with it. With it the planner never scans the
// site list inside a sort, and the engine re-plans only the records an
// observation can affect.

#include <cstddef>
#include <string>
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
    std::unordered_map<std::string, Rank> rank;  // its sites
    std::vector<std::string> by_rank;            // its sites, best first
  };
  const Record& record(std::size_t i) const { return records_[i]; }
  std::size_t record_count() const { return records_.size(); }

  // (priority, position) of `site` in record `i`; a site the record does not
  // name ranks after all of its own.
  Rank rank(std::size_t i, const std::string& site) const;
  // Indices of the records that name `site` (empty for an unknown site).
  const std::vector<std::size_t>& records_of(const std::string& site) const;

 private:
  std::unordered_map<std::string, int> priority_;
  std::vector<Record> records_;
  std::unordered_map<std::string, std::vector<std::size_t>> records_of_;
};

}  // namespace drpilot::core
