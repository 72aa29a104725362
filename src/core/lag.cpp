#include "core/lag.h"

#include <algorithm>
#include <vector>

namespace drpilot::core {

void LagBook::add(const LagSample& s) {
  // Kept in order of seen_at, even when reports arrive out of order (agents
  // retrying), because prune() drops from the front and `last` is the back.
  auto& q = samples_[LagKey{s.group, s.from, s.to}];
  auto at = std::upper_bound(q.begin(), q.end(), s.seen_at,
                             [](TimePoint t, const LagSample& x) { return t < x.seen_at; });
  q.insert(at, s);
}

void LagBook::wrote(const std::string& group, const std::string& from, TimePoint at) {
  auto& q = writes_[Source{group, from}];
  if (q.empty() || q.back() < at) q.push_back(at);
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
  for (auto it = writes_.begin(); it != writes_.end();) {
    auto w = windows.find(it->first.first);
    auto& q = it->second;
    // The newest write stays: it is what a stalled pair is measured against.
    while (w != windows.end() && q.size() > 1 && now - q.front() > w->second) q.pop_front();
    if (w == windows.end() || q.empty()) {
      it = writes_.erase(it);
    } else {
      ++it;
    }
  }
}

std::map<LagKey, LagStat> LagBook::stats(TimePoint now) const {
  std::map<LagKey, LagStat> out = stats();
  for (auto& [key, s] : out) {
    auto w = writes_.find(Source{std::get<0>(key), std::get<1>(key)});
    if (w == writes_.end()) continue;
    // The oldest heartbeat written after the newest one `to` has seen.
    auto unseen = std::upper_bound(w->second.begin(), w->second.end(), s.newest_written);
    if (unseen != w->second.end() && now - *unseen > s.current) s.current = now - *unseen;
  }
  return out;
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
    s.current = s.last;
    s.last_seen = q.back().seen_at;
    std::nth_element(lags.begin(), lags.begin() + lags.size() / 2, lags.end());
    s.p50 = lags[lags.size() / 2];
    out[key] = s;
  }
  return out;
}

}  // namespace drpilot::core
