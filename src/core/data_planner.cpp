#include "core/data_planner.h"

#include <algorithm>

namespace drpilot::core {
namespace {

// The regions' verdicts, as every site sees them or (for_site) as one site
// does: a region the site's own agents see down is down for it.
class Regions {
 public:
  explicit Regions(const DataPlannerInput& in) : in_(in) {}

  // The same regions through `site`'s eyes.
  Regions for_site(const std::string& site) const {
    Regions r(in_);
    if (in_.site_views) {
      auto it = in_.site_views->find(site);
      if (it != in_.site_views->end()) {
        r.site_ = site;
        r.view_ = &it->second;
      }
    }
    return r;
  }

  bool configured(const std::string& r) const {
    return std::find(in_.regions.begin(), in_.regions.end(), r) != in_.regions.end();
  }
  Health state(const std::string& r) const {
    const Health h = global(r) ? global(r)->state : Health::unknown;
    if (h != Health::down && cut_here(r)) return Health::down;
    return h;
  }
  Duration in_state_for(const std::string& r) const {
    const Verdict* v = global(r);
    if (!v || v->since == TimePoint{}) return Duration{0};
    Duration d = in_.now - v->since;
    // Up again for this site only since its own agents saw it come back.
    if (const Verdict* own = local(r);
        own && own->state == Health::up && v->state == Health::up && own->since != TimePoint{}) {
      d = std::min(d, in_.now - own->since);
    }
    return d;
  }
  // "eu-west-1 is down (shop-orders: status ...)", or for one site
  // "eu-west-1 is down as seen from ams (ams-agent: ...), though the other
  // vantages reach it".
  std::string why_down(const std::string& r) const {
    const Verdict* v = global(r);
    if ((!v || v->state != Health::down) && cut_here(r)) {
      const Verdict* own = local(r);
      return r + " is down as seen from " + site_ + " (" + own->reason + ")" +
             (v && v->state == Health::up ? ", though the other vantages reach it"
                                          : ", and no other vantage has a verdict");
    }
    std::string s = r + " is down";
    if (v && !v->reason.empty()) s += " (" + v->reason + ")";
    return s;
  }
  // The first region of `list` in state `h`, skipping `except`.
  std::string first(const std::vector<std::string>& list, Health h,
                    const std::string& except = "") const {
    for (const std::string& r : list) {
      if (r != except && configured(r) && state(r) == h) return r;
    }
    return "";
  }
  std::string first_not_down(const std::vector<std::string>& list,
                             const std::string& except = "") const {
    for (const std::string& r : list) {
      if (r != except && configured(r) && state(r) != Health::down) return r;
    }
    return "";
  }
  const LagStat* lag(const std::string& group, const std::string& from,
                     const std::string& to) const {
    auto it = in_.lag.find(LagKey{group, from, to});
    return it == in_.lag.end() ? nullptr : &it->second;
  }

 private:
  const Verdict* global(const std::string& r) const {
    auto it = in_.region_verdicts.find(r);
    return it == in_.region_verdicts.end() ? nullptr : &it->second;
  }
  const Verdict* local(const std::string& r) const {
    if (!view_) return nullptr;
    auto it = view_->find(r);
    return it == view_->end() ? nullptr : &it->second;
  }
  bool cut_here(const std::string& r) const {
    const Verdict* own = local(r);
    return own && own->state == Health::down;
  }

  const DataPlannerInput& in_;
  std::string site_;  // "" for every site's view
  const std::map<std::string, Verdict>* view_ = nullptr;
};

// The group's preference among configured regions: a region named in
// primary_order but no longer configured must never become the primary.
std::vector<std::string> primary_order(const DataPlannerInput& in, const Regions& r,
                                       const TableGroupSpec& g) {
  std::vector<std::string> order;
  for (const std::string& x : g.primary_order) {
    if (r.configured(x)) order.push_back(x);
  }
  return order.empty() ? in.regions : order;
}

void set_primary(GroupPlan& out, const std::string& region, std::string reason, TimePoint now) {
  if (out.primary != region) {
    out.primary_since = now;
    out.primary_change_reason = reason;
  }
  out.primary = region;
  out.primary_reason = std::move(reason);
}

// The planned move: pause, wait for the new region to catch up, switch, resume.
void advance_move(const DataPlannerInput& in, const Regions& r, const TableGroupSpec& g,
                  GroupPlan& out) {
  if (out.move == DataMovePhase::switched) {
    out.move = DataMovePhase::none;
    out.primary_reason = "moved from " + out.move_from + " to " + out.move_to +
                         " by the operator (" + out.move_note + "); writes resumed";
    return;
  }
  if (out.move != DataMovePhase::paused) return;
  for (const std::string& side : {out.move_from, out.move_to}) {
    if (r.state(side) == Health::down) {
      out.move = DataMovePhase::none;
      out.primary_reason = "the planned move from " + out.move_from + " to " + out.move_to +
                           " was abandoned because " + r.why_down(side) + "; writes resumed";
      return;
    }
  }
  const LagStat* lag = r.lag(g.name, out.move_from, out.move_to);
  // Strictly after: a heartbeat written at the very moment of the pause may
  // predate the agents' switch to read-only.
  const bool caught_up = lag && lag->newest_written > out.paused_at;
  const Duration settle = lag ? 10 * lag->max : Duration{0};
  const Duration paused_for = in.now - out.paused_at;
  // Writes are unavailable while paused: a canary that never arrives must not
  // keep them so for longer than an unplanned failover would (the grace).
  if (!caught_up && paused_for >= g.primary_grace) {
    out.move = DataMovePhase::none;
    out.primary_reason = "the planned move from " + out.move_from + " to " + out.move_to +
                         " was abandoned because no canary written in " + out.move_from +
                         " since the pause reached " + out.move_to + " within " +
                         format_duration(g.primary_grace) + " (the primary grace); writes resumed";
    return;
  }
  if (caught_up && paused_for >= settle) {
    out.move = DataMovePhase::switched;
    set_primary(out, out.move_to,
                "moved from " + out.move_from + " to " + out.move_to + " by the operator (" +
                    out.move_note + "): writes were paused " + format_duration(paused_for) +
                    " ago, " + out.move_to + " has seen a canary written in " + out.move_from +
                    " since, and 10x the recent maximum lag (" + format_duration(settle) +
                    ") has passed; writes resume next",
                in.now);
    return;
  }
  std::string waiting;
  if (!caught_up) {
    waiting = "no canary written in " + out.move_from + " since the pause has reached " +
              out.move_to + " yet";
  } else {
    waiting = "waiting " + format_duration(settle - paused_for) +
              " more: 10x the recent maximum lag from " + out.move_from + " to " + out.move_to +
              " is " + format_duration(settle);
  }
  out.primary_reason = "writes paused for the move from " + out.move_from + " to " + out.move_to +
                       " (" + out.move_note + "): " + waiting;
}

// The write-primary when nobody is moving it: kept while it is not down.
void keep_or_fail_over(const DataPlannerInput& in, const Regions& r, const TableGroupSpec& g,
                       GroupPlan& out) {
  const std::vector<std::string> order = primary_order(in, r, g);
  if (out.primary.empty() || !r.configured(out.primary)) {
    std::string pick = r.first(order, Health::up);
    std::string why = pick.empty() ? "" : pick + " is the best up region for writes";
    if (pick.empty()) {
      pick = r.first_not_down(order);
      if (!pick.empty())
        why = "no region has a verdict yet, so writes go to " + pick + ", the first";
    }
    if (pick.empty()) {
      pick = order.front();
      why = "every region is down, so writes go to " + pick + ", the first";
    }
    set_primary(out, pick, why, in.now);
    return;
  }
  const std::string old = out.primary;
  if (r.state(old) != Health::down) {
    out.primary_reason = old + (r.state(old) == Health::up ? " is up and the write-primary"
                                                           : " is the write-primary and has no "
                                                             "verdict yet");
    return;
  }
  const std::string to = r.first(order, Health::up, old);
  if (to.empty()) {
    out.primary_reason = r.why_down(old) + " but no other region is up, so writes stay with it";
    return;
  }
  const Duration down_for = r.in_state_for(old);
  if (!g.canary) {
    set_primary(out, to,
                r.why_down(old) + ", so writes move to " + to +
                    " (replication lag is not measured: no canary)",
                in.now);
    return;
  }
  const LagStat* lag = r.lag(g.name, old, to);
  const std::string lag_text = lag ? "its replication lag from " + old + " was " +
                                         format_duration(lag->current) + ", over the " +
                                         format_duration(g.rpo_budget) + " budget"
                                   : "its replication lag from " + old + " is unknown";
  // Data safety ranks above preference: an up region that has kept up with
  // the old primary takes the writes at once rather than waiting for the
  // preferred one, or moving to it and losing writes.
  for (const std::string& c : order) {
    if (c == old || !r.configured(c) || r.state(c) != Health::up) continue;
    const LagStat* l = r.lag(g.name, old, c);
    if (!l || l->current > g.rpo_budget) continue;
    std::string why = r.why_down(old) + ", so writes move to " + c + " (replication lag from " +
                      old + " " + format_duration(l->current) + ", within the " +
                      format_duration(g.rpo_budget) + " budget)";
    if (c != to) why += "; " + to + " is preferred but " + lag_text;
    set_primary(out, c, why, in.now);
    return;
  }
  if (down_for >= g.primary_grace) {
    set_primary(
        out, to,
        old + " has been down for " + format_duration(down_for) + ", beyond the " +
            format_duration(g.primary_grace) + " grace, so writes move to " + to + " although " +
            lag_text +
            (lag ? ": writes from the last " + format_duration(lag->current) + " may be lost" : ""),
        in.now);
    return;
  }
  out.primary_reason = r.why_down(old) + ", but writes wait to move to " + to + ": " + lag_text +
                       "; they move anyway once " + old + " has been down for " +
                       format_duration(g.primary_grace) + " (now " + format_duration(down_for) +
                       ")";
}

// One site's data region for one group.
GroupAssignment assign(const DataPlannerInput& in, const Regions& r, const SiteSpec& site,
                       const GroupPlan& group, const GroupAssignment* prev, bool single) {
  GroupAssignment a = prev ? *prev : GroupAssignment{};
  std::vector<std::string> list;
  for (const std::string& d : site.data_regions) {
    if (r.configured(d)) list.push_back(d);
  }
  // A region taken off the site's list is left like a down one, at once: the
  // operator no longer wants the site to use it.
  const bool listed = prev && std::find(list.begin(), list.end(), prev->data_region) != list.end();
  const std::string current = listed ? prev->data_region : "";
  std::string region = current, why;
  if (current.empty()) {
    region = r.first(list, Health::up);
    why = region.empty() ? "" : region + " is the first up region of " + site.name + "'s list";
    if (region.empty()) {
      region = r.first_not_down(list);
      if (!region.empty()) why = "no region has a verdict yet, so " + region + ", the local one";
    }
    if (region.empty()) {
      region = list.front();
      why = "every region of " + site.name + "'s list is down, so " + region + ", the local one";
    }
    if (prev && !prev->data_region.empty()) {
      why = prev->data_region + " is no longer in " + site.name + "'s data regions; " + why;
    }
  } else if (r.state(current) == Health::down) {
    std::string to = r.first(list, Health::up, current);
    if (to.empty()) to = r.first_not_down(list, current);
    if (to.empty()) {
      why = r.why_down(current) + " but no other region of " + site.name + "'s list is up";
    } else {
      region = to;
      why = r.why_down(current) + ", so " + site.name + " uses " + to;
    }
  } else {
    // A better region in the list, up long enough: fail back (policy permitting).
    const auto here = std::find(list.begin(), list.end(), current);
    std::string better;
    for (auto it = list.begin(); it != here; ++it) {
      if (r.state(*it) == Health::up) {
        better = *it;
        break;
      }
    }
    if (better.empty()) {
      why = site.name + " uses " + current + (here == list.begin() ? ", its local region" : "") +
            (r.state(current) == Health::up ? ", which is up" : ", which has no verdict yet");
    } else if (in.policy.failback == Failback::manual) {
      why = site.name + " stays on " + current + "; " + better +
            " is up again but failback is manual";
    } else if (r.in_state_for(better) < in.policy.hold_down) {
      why = site.name + " stays on " + current + "; " + better + " has been up for " +
            format_duration(r.in_state_for(better)) + " of the " +
            format_duration(in.policy.hold_down) + " hold-down";
    } else {
      region = better;
      why = better + " has been up for " + format_duration(r.in_state_for(better)) +
            " (hold-down " + format_duration(in.policy.hold_down) + "), so " + site.name +
            " returns to it";
    }
  }
  const std::string write_region = single ? group.primary : region;
  const DataRole role =
      group.move == DataMovePhase::none ? DataRole::read_write : DataRole::read_only;
  if (single) {
    why += "; writes go to the write-primary " + write_region;
    // It moves for every site or for none: a site that cannot reach it is
    // told so (its writes fail until it is reachable or it moves).
    if (r.state(write_region) == Health::down) why += ", but " + r.why_down(write_region);
  }
  if (role == DataRole::read_only) why += ", paused for a planned move";
  const bool changed = !prev || a.data_region != region || a.write_region != write_region;
  // Only the writes moved: the site's own region was explained when it was
  // chosen, and what changed now is the write-primary, so say why that moved.
  const bool writes_only = prev && a.data_region == region && a.write_region != write_region;
  a.data_region = region;
  a.write_region = write_region;
  a.role = role;
  a.reason = why;
  if (changed) {
    a.change_reason = writes_only && !group.primary_change_reason.empty()
                          ? "writes move to the write-primary " + write_region + ": " +
                                group.primary_change_reason + "; " + why
                          : why;
    a.changed_at = in.now;
  }
  return a;
}

}  // namespace

std::string data_move_problem(const DataPlannerInput& in, const std::string& group,
                              const std::string& to) {
  const Regions r(in);
  const TableGroupSpec* g = nullptr;
  for (const TableGroupSpec& x : in.groups) {
    if (x.name == group) g = &x;
  }
  if (!g) return "there is no table group '" + group + "'";
  if (g->mode != WriteMode::single) {
    return "table group " + group + " writes everywhere (write_mode any): it has no primary";
  }
  if (!g->canary) {
    return "table group " + group +
           " has no canary, so drpilot cannot tell when the new region has caught up";
  }
  if (!r.configured(to)) return "there is no data region '" + to + "'";
  if (r.state(to) == Health::down) return r.why_down(to);
  auto prev = in.previous.find(group);
  // The move starts from the current primary: without one there is nothing
  // to drain, and the move would wait for a canary from nowhere.
  if (prev == in.previous.end() || prev->second.primary.empty()) {
    return "table group " + group + " has no write-primary yet";
  }
  const GroupPlan& gp = prev->second;
  if (gp.move != DataMovePhase::none) {
    return "a move of " + group + "'s write-primary to " + gp.move_to + " is already under way";
  }
  if (gp.primary == to) return to + " is already " + group + "'s write-primary";
  if (r.state(gp.primary) == Health::down) {
    return "the write-primary " + r.why_down(gp.primary) +
           ": it cannot be drained; the automatic failover applies";
  }
  // Without a measurement writes would stay paused until the move is
  // abandoned: refuse up front instead.
  if (!r.lag(group, gp.primary, to)) {
    return "no replication lag from " + gp.primary + " to " + to +
           " has been measured recently, so drpilot cannot tell when " + to + " has caught up";
  }
  return "";
}

std::map<std::string, GroupPlan> plan_groups(const DataPlannerInput& in) {
  std::map<std::string, GroupPlan> out;
  if (in.regions.empty()) return out;
  const Regions r(in);
  for (const TableGroupSpec& g : in.groups) {
    auto prev_it = in.previous.find(g.name);
    GroupPlan gp = prev_it == in.previous.end() ? GroupPlan{} : prev_it->second;
    const bool single = g.mode == WriteMode::single;
    if (single) {
      auto request = in.overrides.data_moves.find(g.name);
      if (request != in.overrides.data_moves.end() && gp.move == DataMovePhase::none &&
          data_move_problem(in, g.name, request->second.to).empty()) {
        gp.move = DataMovePhase::paused;
        gp.move_from = gp.primary;
        gp.move_to = request->second.to;
        gp.move_note = request->second.note;
        gp.paused_at = in.now;
      }
      const bool moving = gp.move != DataMovePhase::none;
      advance_move(in, r, g, gp);
      if (gp.move == DataMovePhase::none) {
        // A move that ends now (resumed or abandoned) explains this
        // generation; the automatic rule still decides where writes stay.
        const std::string ended = moving ? gp.primary_reason : "";
        keep_or_fail_over(in, r, g, gp);
        if (!ended.empty()) gp.primary_reason = ended + "; " + gp.primary_reason;
      }
    } else {
      gp.primary.clear();
      gp.primary_reason = "every site writes to its own data region (write_mode any)";
      gp.move = DataMovePhase::none;
    }
    std::map<std::string, GroupAssignment> sites;
    for (const SiteSpec& site : in.sites) {
      const bool any_configured =
          std::any_of(site.data_regions.begin(), site.data_regions.end(),
                      [&](const std::string& d) { return r.configured(d); });
      if (!any_configured) continue;
      auto p = gp.sites.find(site.name);
      sites[site.name] = assign(in, r.for_site(site.name), site, gp,
                                p == gp.sites.end() ? nullptr : &p->second, single);
    }
    gp.sites = std::move(sites);
    out[g.name] = std::move(gp);
  }
  return out;
}

}  // namespace drpilot::core
