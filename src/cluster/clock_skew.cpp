#include "cluster/clock_skew.h"

#include <algorithm>
#include <cstdio>

namespace drpilot::cluster {

namespace {
// An observation older than this at sending is no use to any quorum; the
// bound keeps arithmetic on hostile stamps far from overflow.
constexpr core::Duration kMaxAge{24LL * 3'600'000};
}  // namespace

void to_receiver_clock(std::vector<core::Observation>& observations, core::TimePoint sent_at,
                       core::TimePoint received) {
  for (core::Observation& o : observations) {
    const core::Duration age = std::clamp(sent_at - o.at, core::Duration{0}, kMaxAge);
    o.at = received - age;
  }
}

void ClockSkew::add(const std::string& member, core::TimePoint sent_at, core::TimePoint received) {
  std::deque<core::Duration>& r = readings_[member];
  r.push_back(sent_at - received);
  while (r.size() > window_) r.pop_front();
}

std::optional<core::Duration> ClockSkew::offset(const std::string& member) const {
  auto it = readings_.find(member);
  if (it == readings_.end() || it->second.empty()) return std::nullopt;
  return *std::max_element(it->second.begin(), it->second.end());
}

void ClockSkew::forget(const std::string& member) {
  readings_.erase(member);
}

std::vector<std::string> ClockSkew::beyond(core::Duration bound, const std::string& leader) const {
  std::vector<std::string> out;
  for (const auto& [member, r] : readings_) {
    const core::Duration off = *offset(member);
    if (off > bound || off < -bound) {
      char amount[32];
      std::snprintf(
          amount, sizeof amount, "%.1f s",
          static_cast<double>(off > core::Duration{0} ? off.count() : -off.count()) / 1000.0);
      out.push_back(member + "'s clock is " + amount +
                    (off > core::Duration{0} ? " ahead of " : " behind ") + leader + "'s");
    }
  }
  return out;
}

}  // namespace drpilot::cluster
