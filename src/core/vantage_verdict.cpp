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
  const std::string who = internal.size() == 1 ? "its own agent sees" : "its own agents see";
  if (!down.empty() && up.empty()) return "; " + who + " it down too (" + details(down) + ")";
  if (!up.empty() && down.empty()) return "; " + who + " it up";
  if (!up.empty()) return "; inside it, " + names(up) + " see it up and " + names(down) + " down";
  return "";
}

}  // namespace

QuorumResult vantage_verdict(const std::vector<Vote>& votes) {
  std::vector<Vote> external;
  std::vector<const Vote*> internal;
  bool heard_outside = false;
  for (const Vote& v : votes) {
    if (v.side == Side::internal) {
      if (v.fresh && !v.abstains) internal.push_back(&v);
      continue;
    }
    external.push_back(v);
    heard_outside = heard_outside || v.fresh;
  }
  // The same majority as everywhere, over the vantages outside the site
  // (called external only where there is an inside to tell them from).
  const bool inside_heard = !internal.empty();
  QuorumResult r = quorum(external, inside_heard ? "external" : "");
  if (!heard_outside && inside_heard) {
    r.reason = "no external vantage has reported recently, so nothing changes";
  }
  r.reason += inside(internal);
  return r;
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
