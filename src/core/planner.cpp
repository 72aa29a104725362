#include "core/planner.h"

#include <algorithm>
#include <cassert>
#include <optional>
#include <utility>

#include "core/data_planner.h"

namespace drpilot::core {
namespace {

struct Decision {
  std::vector<std::string> sites;
  std::string reason;
  ChangeKind kind = ChangeKind::none;
};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += (i + 1 == v.size()) ? " and " : ", ";
    s += v[i];
  }
  return s.empty() ? "no site" : s;
}

// Everything one record's decision needs to look up.
class RecordContext {
 public:
  RecordContext(const PlannerInput& in, const PlanIndex& index, std::size_t i)
      : in_(in), index_(index), i_(i), rec_(in.records[i]) {}

  const RecordSpec& rec() const { return rec_; }
  const Policy& policy() const { return in_.policy; }
  TimePoint now() const { return in_.now; }

  bool configured(const std::string& site) const { return index_.record(i_).find(site) != nullptr; }
  bool drained(const std::string& site) const { return in_.overrides.drained.count(site) != 0; }

  Health state(const std::string& site) const {
    auto it = in_.site_verdicts.find(site);
    return it == in_.site_verdicts.end() ? Health::unknown : it->second.state;
  }
  const Verdict* verdict(const std::string& site) const {
    auto it = in_.site_verdicts.find(site);
    return it == in_.site_verdicts.end() ? nullptr : &it->second;
  }

  // Priority first, then the record's configured order (precomputed).
  PlanIndex::Rank rank(const std::string& site) const { return index_.rank(i_, site); }
  bool better(const std::string& a, const std::string& b) const { return rank(a) < rank(b); }
  // Only a strictly better priority justifies taking traffic from a healthy
  // active site; the record's order merely breaks ties when choosing anew.
  bool preferred(const std::string& a, const std::string& b) const {
    return rank(a).first < rank(b).first;
  }

  std::vector<std::string> sorted(std::vector<std::string> v) const {
    std::sort(v.begin(), v.end(),
              [this](const std::string& a, const std::string& b) { return better(a, b); });
    return v;
  }

  // Configured, not drained sites, best first.
  std::vector<std::string> eligible() const {
    std::vector<std::string> v;
    for (std::string_view s : index_.record(i_).by_rank) {
      if (!in_.overrides.drained.count(std::string(s))) v.emplace_back(s);
    }
    return v;
  }

  std::vector<std::string> with_state(const std::vector<std::string>& from, Health h) const {
    std::vector<std::string> v;
    for (const std::string& s : from) {
      if (state(s) == h) v.push_back(s);
    }
    return v;
  }
  std::vector<std::string> not_down(const std::vector<std::string>& from) const {
    std::vector<std::string> v;
    for (const std::string& s : from) {
      if (state(s) != Health::down) v.push_back(s);
    }
    return v;
  }

  // "ams is down (web: status 503 ...)"
  std::string why_down(const std::string& site) const {
    const Verdict* v = verdict(site);
    std::string s = site + " is down";
    if (v && !v->reason.empty()) s += " (" + v->reason + ")";
    return s;
  }

  Duration up_for(const std::string& site) const {
    const Verdict* v = verdict(site);
    if (!v || v->state != Health::up) return Duration{0};
    return now() - v->since;
  }

  // The decision waits on time (a hold-down, an interval) and its reason
  // counts it: it must be evaluated again as time passes.
  void waits_on_time() const { waits_on_time_ = true; }
  bool waiting_on_time() const { return waits_on_time_; }

 private:
  const PlannerInput& in_;
  const PlanIndex& index_;
  std::size_t i_;
  const RecordSpec& rec_;
  mutable bool waits_on_time_ = false;
};

// Why a discretionary change (failback / rejoin) must wait, or "" if it may go.
std::string discretionary_blocker(const RecordContext& c, const RecordPlan& prev, bool flap_frozen,
                                  const std::string& candidate) {
  const Policy& p = c.policy();
  if (p.failback == Failback::manual) return "failback is manual";
  if (flap_frozen) {
    return "automation is frozen after " + std::to_string(prev.automatic_changes.size()) +
           " automatic changes within " + format_duration(p.flap_window) +
           " and failback waits until fewer than " + std::to_string(p.flap_max_changes) +
           " remain within the window";
  }
  // A move the operator made is not undone by automation before a hold-down
  // has passed (a switchover, a drain): failback counts from that moment too.
  if (prev.last_change == ChangeKind::operator_ && c.now() - prev.changed_at < p.hold_down) {
    c.waits_on_time();
    return "the operator moved this record " + format_duration(c.now() - prev.changed_at) +
           " ago and automation waits the " + format_duration(p.hold_down) + " hold-down";
  }
  Duration up = c.up_for(candidate);
  if (up < p.hold_down) {
    c.waits_on_time();
    return candidate + " has been up for " + format_duration(up) + " of the " +
           format_duration(p.hold_down) + " hold-down";
  }
  if (prev.last_automatic_change != TimePoint{}) {
    Duration since = c.now() - prev.last_automatic_change;
    if (since < p.min_interval) {
      c.waits_on_time();
      return "the previous automatic change was " + format_duration(since) + " ago and at least " +
             format_duration(p.min_interval) + " must pass between automatic changes";
    }
  }
  return "";
}

Decision all_down(const RecordContext& c, const std::vector<std::string>& current,
                  const std::vector<std::string>& eligible) {
  if (c.rec().all_down == AllDown::fail_open) {
    return {eligible, "every site is down, so the answer is all sites (fail-open)",
            ChangeKind::safety};
  }
  if (current.empty()) {
    return {{eligible.front()},
            "every site is down and there is no last good answer, so " + eligible.front() +
                ", the preferred site, is served (fail-static)",
            ChangeKind::safety};
  }
  return {current,
          "every site is down, so the last good answer " + join(current) + " is kept (fail-static)",
          ChangeKind::none};
}

Decision bootstrap(const RecordContext& c, const std::vector<std::string>& eligible) {
  std::vector<std::string> up = c.with_state(eligible, Health::up);
  std::vector<std::string> nd = c.not_down(eligible);
  if (c.rec().mode == RoutingMode::multivalue) {
    if (!up.empty())
      return {up, join(up) + (up.size() == 1 ? " is" : " are") + " up", ChangeKind::bootstrap};
    if (!nd.empty()) {
      return {nd, "no site has a verdict yet, so every site not known down is answered",
              ChangeKind::bootstrap};
    }
  } else {
    if (!up.empty()) {
      return {{up.front()}, up.front() + " is the best up site by priority", ChangeKind::bootstrap};
    }
    if (!nd.empty()) {
      return {{nd.front()},
              "no site has a verdict yet, so " + nd.front() + ", the preferred site, is answered",
              ChangeKind::bootstrap};
    }
  }
  Decision d = all_down(c, {}, eligible);
  d.kind = ChangeKind::bootstrap;
  return d;
}

Decision decide_failover(const RecordContext& c, const RecordPlan& prev,
                         const std::vector<std::string>& current,
                         const std::vector<std::string>& eligible, bool flap_frozen) {
  std::vector<std::string> up = c.with_state(eligible, Health::up);
  bool current_has_down = false;
  for (const std::string& s : current) current_has_down |= c.state(s) == Health::down;

  if (current.size() != 1 || current_has_down) {
    if (!up.empty()) {
      std::string why;
      if (current.size() == 1) {
        why = c.why_down(current.front()) + ", so traffic moved to " + up.front() +
              ", the best up site by priority";
      } else {
        why = up.front() + " is up, the best by priority, so the answer narrows to it";
      }
      return {{up.front()}, why, ChangeKind::safety};
    }
    std::vector<std::string> nd = c.not_down(eligible);
    if (nd.empty()) return all_down(c, current, eligible);
    if (current.size() == 1) {
      return {current,
              c.why_down(current.front()) + " but no other site is known up yet, so it stays",
              ChangeKind::none};
    }
    return {current, "no site is known up yet, so the answer stays " + join(current),
            ChangeKind::none};
  }

  const std::string& active = current.front();
  const Health active_state = c.state(active);
  if (!up.empty() && c.preferred(up.front(), active)) {
    const std::string& best = up.front();
    std::string blocker = discretionary_blocker(c, prev, flap_frozen, best);
    if (blocker.empty()) {
      return {{best},
              best + " has been up for " + format_duration(c.up_for(best)) + " (hold-down " +
                  format_duration(c.policy().hold_down) + "), so traffic fails back from " + active,
              ChangeKind::discretionary};
    }
    return {current, active + " stays active; " + best + " is preferred and up but " + blocker,
            ChangeKind::none};
  }
  if (active_state == Health::up) {
    std::vector<std::string> better_not_up;
    for (const std::string& s : eligible) {
      if (c.preferred(s, active))
        better_not_up.push_back(s + " " + std::string(to_string(c.state(s))));
    }
    if (better_not_up.empty()) {
      return {current, active + " is up and the best site by priority", ChangeKind::none};
    }
    return {current, active + " is up; preferred sites are not (" + join(better_not_up) + ")",
            ChangeKind::none};
  }
  return {current, active + " has no verdict yet, so it stays until there is evidence",
          ChangeKind::none};
}

Decision decide_multivalue(const RecordContext& c, const RecordPlan& prev,
                           const std::vector<std::string>& current,
                           const std::vector<std::string>& eligible, bool flap_frozen) {
  std::vector<std::string> up = c.with_state(eligible, Health::up);
  std::vector<std::string> kept = c.not_down(current);
  std::vector<std::string> removed;
  for (const std::string& s : current) {
    if (c.state(s) == Health::down) removed.push_back(s);
  }

  if (up.empty()) {
    if (c.not_down(eligible).empty()) return all_down(c, current, eligible);
    if (kept.empty()) {
      return {current, "no site is known up yet, so the answer stays " + join(current),
              ChangeKind::none};
    }
    if (removed.empty()) {
      return {current, "no site is known up yet, so the answer stays " + join(current),
              ChangeKind::none};
    }
    return {kept,
            join(removed) + (removed.size() == 1 ? " is" : " are") + " down, so the answer is " +
                join(kept),
            ChangeKind::safety};
  }

  // At least one site is up: down sites leave now, without delay. When none
  // of the remaining answered sites is known up, the up sites replace them at
  // once. Answered sites that merely lack a verdict are not a reason to move:
  // up sites join them only as a discretionary change.
  if (!removed.empty() && c.with_state(kept, Health::up).empty()) {
    return {up,
            join(removed) + (removed.size() == 1 ? " is" : " are") +
                " down, so the answer is every up site: " + join(up),
            ChangeKind::safety};
  }

  std::vector<std::string> joining, waiting;
  std::string wait_reason;
  for (const std::string& s : up) {
    if (std::find(kept.begin(), kept.end(), s) != kept.end()) continue;
    std::string blocker = discretionary_blocker(c, prev, flap_frozen, s);
    if (blocker.empty()) {
      joining.push_back(s);
    } else {
      waiting.push_back(s);
      if (wait_reason.empty()) wait_reason = blocker;
    }
  }
  std::vector<std::string> next = kept;
  next.insert(next.end(), joining.begin(), joining.end());
  next = c.sorted(std::move(next));

  std::string why;
  ChangeKind kind = ChangeKind::none;
  if (!removed.empty()) {
    why = join(removed) + (removed.size() == 1 ? " is" : " are") + " down and left the answer";
    kind = ChangeKind::safety;
  }
  if (!joining.empty()) {
    if (!why.empty()) why += "; ";
    why += join(joining) + " rejoined after the " + format_duration(c.policy().hold_down) +
           " hold-down";
    if (kind == ChangeKind::none) kind = ChangeKind::discretionary;
  }
  if (!waiting.empty()) {
    if (!why.empty()) why += "; ";
    why += join(waiting) + " waits to rejoin: " + wait_reason;
  }
  if (why.empty()) why = "every answered site is up or awaiting a verdict: " + join(next);
  return {next, why, kind};
}

// A pin to one of the record's sites wins over everything, even at the first plan.
bool pin_decision(const RecordContext& c, const PlannerInput& in, Decision& out) {
  auto pin = in.overrides.pinned.find(c.rec().name);
  if (pin == in.overrides.pinned.end() || !c.configured(pin->second)) return false;
  const std::string& site = pin->second;
  std::string why = "pinned to " + site + " by the operator";
  if (c.state(site) == Health::down) why += " although " + c.why_down(site);
  out = {{site}, why, ChangeKind::operator_};
  return true;
}

// The operator-driven part: pin, freeze, drained or removed sites.
bool operator_decision(const RecordContext& c, const PlannerInput& in,
                       const std::vector<std::string>& previous_sites,
                       const std::vector<std::string>& current,
                       const std::vector<std::string>& eligible, Decision& out) {
  if (pin_decision(c, in, out)) return true;
  auto sw = in.overrides.switchover.find(c.rec().name);
  if (sw != in.overrides.switchover.end() && c.configured(sw->second.site) &&
      !c.drained(sw->second.site)) {
    std::string why = "switched over to " + sw->second.site + " by the operator";
    if (!sw->second.note.empty()) why += " (" + sw->second.note + ")";
    out = {{sw->second.site}, why, ChangeKind::operator_};
    return true;
  }
  if (eligible.empty()) {
    out = {previous_sites, "every site of this record is drained, so the last answer is kept",
           ChangeKind::none};
    return true;
  }
  if (current.size() != previous_sites.size() || current.empty()) {
    // A site was drained or removed from the configuration: the operator's
    // intent, applied at once, but still never onto a down site if avoidable.
    std::vector<std::string> gone;
    for (const std::string& s : previous_sites) {
      if (std::find(current.begin(), current.end(), s) == current.end()) gone.push_back(s);
    }
    if (gone.empty()) {
      // Nothing was taken out: the record had no answer because every one of
      // its sites was drained, and now some are back.
      out = bootstrap(c, eligible);
      out.reason = "sites are back after every site of this record was drained; " + out.reason;
      out.kind = ChangeKind::operator_;
      return true;
    }
    std::string why = join(gone) + (gone.size() == 1 ? " was" : " were") +
                      " taken out (drained or no longer configured)";
    if (c.rec().mode == RoutingMode::multivalue) {
      std::vector<std::string> keep = c.not_down(current);
      if (keep.empty()) keep = c.with_state(eligible, Health::up);
      if (keep.empty()) keep = c.not_down(eligible);
      if (keep.empty()) keep = eligible;
      out = {keep, why + ", so the answer is " + join(keep), ChangeKind::operator_};
    } else {
      std::vector<std::string> up = c.with_state(eligible, Health::up);
      std::vector<std::string> nd = c.not_down(eligible);
      const std::string& to = !up.empty()   ? up.front()
                              : !nd.empty() ? nd.front()
                                            : eligible.front();
      out = {{to}, why + ", so traffic moved to " + to, ChangeKind::operator_};
    }
    return true;
  }
  if (in.overrides.frozen) {
    std::string why = "automation is frozen by the operator";
    if (!in.overrides.frozen_note.empty()) why += " (" + in.overrides.frozen_note + ")";
    out = {current, why + ", so the answer stays " + join(current), ChangeKind::none};
    return true;
  }
  return false;
}

// When `out` must be planned again although nothing but time changes: now,
// when it differs from the previous plan (the previous plan is an input, so
// only an unchanged result is settled); at once while its reason counts a
// hold-down or an interval; when the oldest automatic change leaves the flap
// window.
TimePoint recheck_time(const RecordContext& c, const RecordPlan* prev, const RecordPlan& out) {
  if (!prev) return c.now();
  RecordPlan settled = out;
  settled.recheck_at = prev->recheck_at;
  if (!(settled == *prev)) return c.now();
  if (c.waiting_on_time()) return c.now() + Duration{1};
  if (out.automatic_changes.empty()) return TimePoint{};
  return *std::min_element(out.automatic_changes.begin(), out.automatic_changes.end()) +
         c.policy().flap_window;
}

RecordPlan plan_record(const PlannerInput& in, const PlanIndex& index, std::size_t i) {
  const RecordSpec& rec = in.records[i];
  RecordContext c(in, index, i);
  const RecordPlan* prev = nullptr;
  if (!in.previous.empty()) {
    auto it = in.previous.records.find(rec.key());
    if (it != in.previous.records.end()) prev = &it->second;
  }

  RecordPlan out;
  if (prev) out = *prev;
  // Forget automatic changes that fell out of the flap window.
  const TimePoint horizon = in.now - in.policy.flap_window;
  std::erase_if(out.automatic_changes, [&](TimePoint t) { return t <= horizon; });
  const bool flap_frozen =
      static_cast<int>(out.automatic_changes.size()) >= in.policy.flap_max_changes;

  std::vector<std::string> eligible = c.eligible();
  std::vector<std::string> previous_sites = prev ? prev->sites : std::vector<std::string>{};
  std::vector<std::string> current;
  for (const std::string& s : previous_sites) {
    if (c.configured(s) && !c.drained(s)) current.push_back(s);
  }

  Decision d;
  if (!prev && pin_decision(c, in, d)) {
    // The operator's pin decides the very first answer too.
  } else if (!prev) {
    if (eligible.empty()) {
      d = {{}, "every site of this record is drained, so it has no answer", ChangeKind::bootstrap};
    } else {
      d = bootstrap(c, eligible);
    }
  } else if (!operator_decision(c, in, previous_sites, current, eligible, d)) {
    d = rec.mode == RoutingMode::failover
            ? decide_failover(c, out, current, eligible, flap_frozen)
            : decide_multivalue(c, out, current, eligible, flap_frozen);
  }

  if (!prev || d.sites != prev->sites) {
    out.sites = d.sites;
    out.changed_at = in.now;
    out.last_change = d.kind == ChangeKind::none ? ChangeKind::safety : d.kind;
    if (out.last_change == ChangeKind::safety || out.last_change == ChangeKind::discretionary) {
      out.last_automatic_change = in.now;
      out.automatic_changes.push_back(in.now);
    }
  }
  out.flap_frozen = static_cast<int>(out.automatic_changes.size()) >= in.policy.flap_max_changes;
  out.reason = d.reason;
  // Compared with the previous plan, not with the window before this step, so
  // that a freeze or thaw caused by a policy change alone is explained too.
  const bool was_frozen = prev && prev->flap_frozen;
  if (out.flap_frozen && !was_frozen) {
    out.reason += "; with " + std::to_string(out.automatic_changes.size()) +
                  " automatic changes within " + format_duration(in.policy.flap_window) +
                  " automation now freezes failback for this record";
  } else if (!out.flap_frozen && was_frozen) {
    out.reason += "; fewer than " + std::to_string(in.policy.flap_max_changes) +
                  " automatic changes remain within " + format_duration(in.policy.flap_window) +
                  ", so automation resumes";
  }
  // The sentence that moved the answer stays with it: status shows why traffic
  // is where it is even after later evaluations describe the situation anew.
  if (!prev || d.sites != prev->sites || prev->change_reason.empty())
    out.change_reason = out.reason;
  assert(!out.reason.empty());
  out.recheck_at = recheck_time(c, prev, out);
  return out;
}

// What changed on the data side, one sentence per change.
void summarize_groups(const Plan& previous, const Plan& next, std::string& summary) {
  auto add = [&summary](const std::string& s) {
    if (!summary.empty()) summary += " ";
    summary += s + ".";
  };
  for (const auto& [name, gp] : next.groups) {
    auto prev = previous.groups.find(name);
    const GroupPlan* p = prev == previous.groups.end() ? nullptr : &prev->second;
    if (!p || p->primary != gp.primary || p->move != gp.move) {
      if (!gp.primary.empty() || gp.move != DataMovePhase::none) {
        add(name + " writes -> " + (gp.primary.empty() ? "each site's region" : gp.primary) + ": " +
            gp.primary_reason);
      }
    }
    for (const auto& [site, a] : gp.sites) {
      const GroupAssignment* before = nullptr;
      if (p) {
        auto it = p->sites.find(site);
        if (it != p->sites.end()) before = &it->second;
      }
      if (before && before->data_region == a.data_region &&
          before->write_region == a.write_region && before->role == a.role) {
        continue;
      }
      add(site + "/" + name + " -> " + a.data_region + " (" + std::string(to_string(a.role)) +
          "): " + a.reason);
    }
  }
}

}  // namespace

namespace {

// What a new generation says it changed: every planned record whose answer
// (or freeze) differs from the previous plan, in key order, then the data side.
// A summary is read by people (status, history, the log line): past the
// first ten records it says how many more changed (each record's own reason
// is in status and in the plan's journal event).
using PlannedRecord = std::pair<const std::string, RecordPlan>;
constexpr std::size_t kSummaryRecords = 10;

std::string summarize(const Plan& previous, const std::vector<const PlannedRecord*>& planned,
                      const Plan& next_groups) {
  std::string summary;
  std::size_t changes = 0;
  for (const auto* kv : planned) {
    const auto& [key, rp] = *kv;
    auto it = previous.records.find(key);
    const bool changed = it == previous.records.end() || it->second.sites != rp.sites ||
                         it->second.flap_frozen != rp.flap_frozen;
    if (!changed || ++changes > kSummaryRecords) continue;
    if (!summary.empty()) summary += " ";
    summary += key + " -> " + join(rp.sites) + ": " + rp.reason + ".";
  }
  if (changes > kSummaryRecords) {
    summary += " " + std::to_string(changes - kSummaryRecords) + " more records changed.";
  }
  summarize_groups(previous, next_groups, summary);
  return summary;
}

std::map<std::string, GroupPlan> plan_data(const PlannerInput& in) {
  const DataPlannerInput data{
      in.sites,     in.data->regions,   in.data->groups, in.data->region_verdicts,
      in.data->lag, in.policy,          in.overrides,    in.previous.groups,
      in.now,       in.data->site_views};
  return plan_groups(data);
}

}  // namespace

Plan make_plan(const PlannerInput& in) {
  std::optional<PlanIndex> own;
  const PlanIndex& index = in.index ? *in.index : own.emplace(in.sites, in.records);
  Plan next;
  for (std::size_t i = 0; i < in.records.size(); ++i) {
    next.records[in.records[i].key()] = plan_record(in, index, i);
  }
  if (in.data) next.groups = plan_data(in);

  if (in.previous.empty() || answers_differ(in.previous, next)) {
    next.generation = in.previous.generation + 1;
    next.made_at = in.now;
    std::vector<const PlannedRecord*> all;
    for (const auto& kv : next.records) all.push_back(&kv);
    next.summary = summarize(in.previous, all, next);
    if (next.summary.empty()) next.summary = "records were removed from the configuration.";
  } else {
    next.generation = in.previous.generation;
    next.made_at = in.previous.made_at;
    next.summary = in.previous.summary;
  }
  return next;
}

void update_plan(const PlannerInput& in, const std::vector<std::size_t>& which, bool with_groups,
                 Plan& plan) {
  std::optional<PlanIndex> own;
  const PlanIndex& index = in.index ? *in.index : own.emplace(in.sites, in.records);
  // Everything is computed from in.previous before `plan` (maybe the same
  // object) is touched.
  std::map<std::string, RecordPlan> fresh;
  for (std::size_t i : which) fresh[in.records[i].key()] = plan_record(in, index, i);
  Plan next_groups;  // only its groups are used
  next_groups.groups = with_groups && in.data ? plan_data(in) : in.previous.groups;

  bool changed = in.previous.empty();
  for (const auto& [key, rp] : fresh) {
    auto it = in.previous.records.find(key);
    changed |= it == in.previous.records.end() || it->second.sites != rp.sites ||
               it->second.flap_frozen != rp.flap_frozen;
  }
  changed |= groups_differ(in.previous.groups, next_groups.groups);
  const std::uint64_t generation = in.previous.generation;
  std::string summary;
  if (changed) {
    std::vector<const PlannedRecord*> planned;
    for (const auto& kv : fresh) planned.push_back(&kv);
    summary = summarize(in.previous, planned, next_groups);
  }

  for (auto& [key, rp] : fresh) plan.records[key] = std::move(rp);
  plan.groups = std::move(next_groups.groups);
  if (changed) {
    plan.generation = generation + 1;
    plan.made_at = in.now;
    plan.summary = summary.empty() ? "records were removed from the configuration." : summary;
  }
}

}  // namespace drpilot::core
