#include "core/lag.h"

#include <algorithm>
#include <vector>

namespace drpilot::core {

void LagBook::add(const LagSample& s) {
  samples_[LagKey{s.group, s.from, s.to}].push_back(s);
}

void LagBook::prune(TimePoint now, const std::map<std::string, Duration>& windows) {
  for (auto it = samples_.begin(); it != samples_.end();) {
    const std::string& group = std::get<0>(it->first);
    auto w = windows.find(group);
    if (w == windows.end()) {
      it = samples_.erase(it);  // the group is gone
      continue;
    }
    auto& q = it->second;
    while (!q.empty() && now - q.front().seen_at > w->second) q.pop_front();
    if (q.empty()) {
      it = samples_.erase(it);
    } else {
      ++it;
    }
  }
}

std::map<LagKey, LagStat> LagBook::stats() const {
  std::map<LagKey, LagStat> out;
  for (const auto& [key, q] : samples_) {
    if (q.empty()) continue;
    std::vector<Duration> lags;
    LagStat s;
    for (const LagSample& x : q) {
      lags.push_back(x.lag());
      s.max = std::max(s.max, x.lag());
      s.newest_written = std::max(s.newest_written, x.written_at);
    }
    s.samples = static_cast<int>(lags.size());
    s.last = q.back().lag();
    s.last_seen = q.back().seen_at;
    std::nth_element(lags.begin(), lags.begin() + lags.size() / 2, lags.end());
    s.p50 = lags[lags.size() / 2];
    out[key] = s;
  }
  return out;
}

}  // namespace drpilot::core
