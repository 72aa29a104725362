#include "core/quorum.h"

#include <string>

namespace drpilot::core {
namespace {

std::string describe_one(const Vote& v) {
  std::string s = v.detail.empty() ? std::string("no detail") : v.detail;
  if (v.streak > 0) {
    s += " (" + std::to_string(v.streak) +
         (v.state == Health::down ? " consecutive failures" : " consecutive successes");
    s += " from " + v.vantage + ")";
  } else {
    s += " (from " + v.vantage + ")";
  }
  return s;
}

std::string list_of(const std::vector<const Vote*>& vs) {
  std::string s;
  for (const Vote* v : vs) {
    if (!s.empty()) s += "; ";
    s += v->vantage + ": " + (v->detail.empty() ? std::string("no detail") : v->detail);
  }
  return s;
}

}  // namespace

QuorumResult quorum(const std::vector<Vote>& votes, const std::string& kind) {
  std::vector<const Vote*> fresh, up, down, abstain;
  for (const Vote& v : votes) {
    if (!v.fresh) continue;
    if (v.abstains) {
      abstain.push_back(&v);
      continue;
    }
    fresh.push_back(&v);
    if (v.state == Health::up) up.push_back(&v);
    if (v.state == Health::down) down.push_back(&v);
  }
  const size_t n = fresh.size();
  if (n == 0) {
    if (abstain.size() == 1)
      return {Health::unknown, "cannot be judged: " + describe_one(*abstain.front())};
    if (!abstain.empty()) return {Health::unknown, "no vantage can judge it: " + list_of(abstain)};
    return {Health::unknown, "no vantage has reported recently"};
  }
  const std::string of_n = " of " + std::to_string(n) + " " + (kind.empty() ? "" : kind + " ") +
                           (n == 1 ? "vantage" : "vantages");
  if (down.size() * 2 > n) {
    if (n == 1) return {Health::down, describe_one(*down.front())};
    return {Health::down, std::to_string(down.size()) + of_n + " see it down: " + list_of(down)};
  }
  if (!up.empty() && up.size() >= down.size()) {
    if (down.empty()) {
      if (n == 1) return {Health::up, describe_one(*up.front())};
      return {Health::up, std::to_string(up.size()) + of_n + " see it up"};
    }
    return {Health::up, "only " + std::to_string(down.size()) + of_n +
                            (down.size() == 1 ? " sees" : " see") +
                            " it down, not a majority: " + list_of(down)};
  }
  if (!down.empty()) {
    return {Health::unknown, std::to_string(down.size()) + of_n +
                                 (down.size() == 1 ? " sees" : " see") +
                                 " it down, not a majority, and none sees it up: " + list_of(down)};
  }
  std::string waiting = "waiting for enough consecutive results";
  if (!abstain.empty()) waiting += "; cannot be judged from " + list_of(abstain);
  return {Health::unknown, waiting};
}

bool controller_cut_off(const std::vector<SiteView>& sites) {
  if (sites.empty()) return false;
  bool others_see_some_up = false;
  for (const SiteView& s : sites) {
    if (s.self_state != Health::down) return false;
    if (s.others_up > 0) others_see_some_up = true;
  }
  return others_see_some_up;
}

}  // namespace drpilot::core
