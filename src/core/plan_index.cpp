#include "core/plan_index.h"

#include <algorithm>

namespace drpilot::core {

PlanIndex::PlanIndex(const std::vector<SiteSpec>& sites, const std::vector<RecordSpec>& records) {
  priority_.reserve(sites.size());
  for (const SiteSpec& s : sites) priority_.emplace(s.name, s.priority);
  records_.resize(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const RecordSpec& rec = records[i];
    Record& r = records_[i];
    r.rank.reserve(rec.sites.size());
    for (std::size_t pos = 0; pos < rec.sites.size(); ++pos) {
      auto p = priority_.find(rec.sites[pos]);
      // A name listed twice keeps its first position.
      r.rank.emplace(rec.sites[pos], Rank{p == priority_.end() ? 0 : p->second, pos});
    }
    r.by_rank.reserve(r.rank.size());
    for (const auto& [site, rank] : r.rank) r.by_rank.push_back(site);
    std::sort(r.by_rank.begin(), r.by_rank.end(),
              [&r](const std::string& a, const std::string& b) { return r.rank[a] < r.rank[b]; });
    for (const auto& [site, rank] : r.rank) records_of_[site].push_back(i);
  }
}

PlanIndex::Rank PlanIndex::rank(std::size_t i, const std::string& site) const {
  const Record& r = records_[i];
  auto it = r.rank.find(site);
  if (it != r.rank.end()) return it->second;
  auto p = priority_.find(site);
  return {p == priority_.end() ? 0 : p->second, r.rank.size()};
}

const std::vector<std::size_t>& PlanIndex::records_of(const std::string& site) const {
  static const std::vector<std::size_t> kNone;
  auto it = records_of_.find(site);
  return it == records_of_.end() ? kNone : it->second;
}

}  // namespace drpilot::core
