#include "core/plan_index.h"

#include <algorithm>

namespace drpilot::core {

PlanIndex::PlanIndex(const std::vector<SiteSpec>& sites, const std::vector<RecordSpec>& records) {
  sites_.reserve(sites.size());
  for (const SiteSpec& s : sites) sites_[s.name].priority = s.priority;
  records_.resize(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const RecordSpec& rec = records[i];
    Record& r = records_[i];
    r.by_name.reserve(rec.sites.size());
    for (std::size_t pos = 0; pos < rec.sites.size(); ++pos) {
      const std::string_view name = rec.sites[pos];
      if (r.find(name)) continue;  // a name listed twice keeps its first position
      auto p = sites_.find(name);
      r.by_name.emplace_back(name, Rank{p == sites_.end() ? 0 : p->second.priority, pos});
      // Kept sorted as it grows; records have few sites, and each is added once.
      std::inplace_merge(r.by_name.begin(), r.by_name.end() - 1, r.by_name.end());
    }
    r.by_rank.reserve(r.by_name.size());
    for (const auto& [name, rank] : r.by_name) r.by_rank.push_back(name);
    std::sort(r.by_rank.begin(), r.by_rank.end(),
              [&r](std::string_view a, std::string_view b) { return *r.find(a) < *r.find(b); });
    for (const auto& [name, rank] : r.by_name) ++sites_[name].count;
  }
  // Each site's records, one flat array in record order.
  std::uint32_t next = 0;
  for (auto& [name, site] : sites_) {
    site.first = next;
    next += site.count;
    site.count = 0;
  }
  records_of_.resize(next);
  for (std::size_t i = 0; i < records_.size(); ++i) {
    for (const auto& [name, rank] : records_[i].by_name) {
      Site& site = sites_[name];
      records_of_[site.first + site.count++] = static_cast<std::uint32_t>(i);
    }
  }
}

const PlanIndex::Rank* PlanIndex::Record::find(std::string_view site) const {
  auto it = std::lower_bound(
      by_name.begin(), by_name.end(), site,
      [](const std::pair<std::string_view, Rank>& e, std::string_view s) { return e.first < s; });
  return it != by_name.end() && it->first == site ? &it->second : nullptr;
}

PlanIndex::Rank PlanIndex::rank(std::size_t i, std::string_view site) const {
  const Record& r = records_[i];
  if (const Rank* found = r.find(site)) return *found;
  auto p = sites_.find(site);
  return {p == sites_.end() ? 0 : p->second.priority, r.by_name.size()};
}

std::span<const std::uint32_t> PlanIndex::records_of(std::string_view site) const {
  auto it = sites_.find(site);
  if (it == sites_.end()) return {};
  return {records_of_.data() + it->second.first, it->second.count};
}

}  // namespace drpilot::core
