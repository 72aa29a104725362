#include "core/vantage_verdict.h"

#include <algorithm>
#include <map>

namespace drpilot::core {
namespace {

std::string names(const std::vector<const Vote*>& vs) {
  std::string s;
  for (const Vote* v : vs) s += (s.empty() ? "" : ", ") + v->vantage;
  return s;
}

std::string details(const std::vector<const Vote*>& vs) {
  std::string s;
  for (const Vote* v : vs) {
    s += (s.empty() ? "" : "; ") + v->vantage + ": " +
         (v->detail.empty() ? std::string("no detail") : v->detail);
  }
  return s;
}

// What the site's own agents say, as a clause for the reason ("" when none
// has fresh evidence).
std::string inside(const std::vector<const Vote*>& internal) {
  std::vector<const Vote*> up, down;
  for (const Vote* v : internal) {
    if (v->state == Health::up) up.push_back(v);
    if (v->state == Health::down) down.push_back(v);
  }
  const char* who = internal.size() == 1 ? "its own agent" : "its own agents";
  if (!down.empty() && up.empty())
    return std::string("; ") + who + " sees it down too (" + details(down) + ")";
  if (!up.empty() && down.empty()) return std::string("; ") + who + " sees it up";
  if (!up.empty()) return "; inside it, " + names(up) + " see it up and " + names(down) + " down";
  return "";
}

}  // namespace

QuorumResult vantage_verdict(const std::vector<Vote>& votes) {
  std::vector<const Vote*> external, internal, up, down;
  for (const Vote& v : votes) {
    if (!v.fresh || v.abstains) continue;
    if (v.side == Side::internal) {
      internal.push_back(&v);
      continue;
    }
    external.push_back(&v);
    if (v.state == Health::up) up.push_back(&v);
    if (v.state == Health::down) down.push_back(&v);
  }
  const std::string in = inside(internal);
  const std::size_t n = external.size();
  if (n == 0) {
    return {Health::unknown, "no external vantage has fresh evidence, so nothing changes" + in};
  }
  const std::string of = " of " + std::to_string(n) + " external";
  if (down.size() * 2 > n) {
    return {Health::down, "down: unreachable from " + names(down) + " (" +
                              std::to_string(down.size()) + of + ": " + details(down) + ")" + in};
  }
  if (!up.empty() && up.size() >= down.size()) {
    std::string r = "up: " + names(up) + " (" + std::to_string(up.size()) + of + ") see it up";
    if (!down.empty()) {
      r += "; " + names(down) + (down.size() == 1 ? " sees" : " see") +
           " it down, not a majority (" + details(down) + ")";
    }
    return {Health::up, r + in};
  }
  if (!down.empty()) {
    return {Health::unknown, names(down) + (down.size() == 1 ? " sees" : " see") +
                                 " it down, not a majority" + of + ", and none sees it up" + in};
  }
  return {Health::unknown, "waiting for enough consecutive results from outside" + in};
}

std::vector<std::string> cut_off_vantages(const std::vector<MatrixCell>& matrix) {
  // Per site, the fresh external votes.
  std::map<std::string, std::vector<const Vote*>> by_site;
  std::vector<std::string> order;
  for (const MatrixCell& c : matrix) {
    if (std::find(order.begin(), order.end(), c.vote.vantage) == order.end()) {
      order.push_back(c.vote.vantage);
    }
    if (c.vote.fresh && !c.vote.abstains && c.vote.side == Side::external) {
      by_site[c.site].push_back(&c.vote);
    }
  }
  std::vector<std::string> out;
  for (const std::string& vantage : order) {
    int judged = 0;
    bool cut = true;
    for (const auto& [site, votes] : by_site) {
      auto mine = std::find_if(votes.begin(), votes.end(),
                               [&](const Vote* v) { return v->vantage == vantage; });
      if (mine == votes.end()) continue;
      ++judged;
      if ((*mine)->state != Health::down) {
        cut = false;
        break;
      }
      std::size_t others = 0, others_up = 0;
      for (const Vote* v : votes) {
        if (v->vantage == vantage) continue;
        ++others;
        if (v->state == Health::up) ++others_up;
      }
      if (others == 0 || others_up * 2 <= others) {
        cut = false;
        break;
      }
    }
    if (cut && judged > 0) out.push_back(vantage);
  }
  return out;
}

}  // namespace drpilot::core
