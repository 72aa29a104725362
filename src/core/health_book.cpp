#include "core/health_book.h"

#include <algorithm>
#include <cassert>

#include "core/vantage_verdict.h"

namespace drpilot::core {

namespace {

// Changes in target order, whatever order the targets are kept in.
std::vector<VerdictChange> sorted(std::vector<VerdictChange> changes) {
  std::sort(changes.begin(), changes.end(),
            [](const VerdictChange& a, const VerdictChange& b) { return a.subject < b.subject; });
  return changes;
}

}  // namespace

void HealthBook::add_target(const std::string& target, Hysteresis h, const std::string& owner) {
  auto [it, inserted] = targets_.try_emplace(target);
  if (inserted) it->second.verdict.reason = "no observation yet";
  it->second.hysteresis = h;
  it->second.owner = owner;
  for (auto& [name, v] : it->second.vantages) v.counter.set_params(h);
}

void HealthBook::set_freshness(Duration d) {
  if (d == freshness_) return;
  freshness_ = d;
  stale_checks_ = {};
  for (auto& [name, t] : targets_) {
    t.stale_check = TimePoint{};
    for (const auto& [vantage, v] : t.vantages) expect_staleness(name, t, v.last_seen);
  }
}

void HealthBook::remove_target(const std::string& target) {
  targets_.erase(target);
}

std::optional<VerdictChange> HealthBook::observe(const Observation& o) {
  auto it = targets_.find(o.target);
  if (it == targets_.end()) return std::nullopt;
  TargetState& t = it->second;
  auto [vit, inserted] = t.vantages.try_emplace(o.vantage, t.hysteresis);
  VantageState& v = vit->second;
  v.counter.observe(o);
  v.last_seen = o.at;
  v.last_ok = o.ok;
  v.last_inconclusive = o.inconclusive;
  v.last_detail = o.detail;
  v.last_latency = o.latency;
  t.verdict.latency = o.latency;
  expect_staleness(o.target, t, o.at);
  return evaluate(o.target, t, o.at);
}

// A vantage is fresh while now - last_seen <= freshness: it goes stale one
// millisecond after that.
void HealthBook::expect_staleness(const std::string& target, TargetState& t, TimePoint seen) {
  const TimePoint at = seen + freshness_ + Duration{1};
  if (t.stale_check != TimePoint{} && t.stale_check <= at) return;
  t.stale_check = at;
  stale_checks_.push({at, target});
}

std::vector<VerdictChange> HealthBook::refresh_due(TimePoint now,
                                                   std::vector<std::string>& evaluated) {
  std::vector<VerdictChange> changes;
  while (!stale_checks_.empty() && stale_checks_.top().first <= now) {
    const Due due = stale_checks_.top();
    stale_checks_.pop();
    auto it = targets_.find(due.second);
    // Superseded (an earlier check was queued since) or removed.
    if (it == targets_.end() || it->second.stale_check != due.first) continue;
    TargetState& t = it->second;
    t.stale_check = TimePoint{};
    // The next vantage to go stale after now, if any is still fresh.
    TimePoint next{};
    for (const auto& [name, v] : t.vantages) {
      const TimePoint at = v.last_seen + freshness_ + Duration{1};
      if (at > now && (next == TimePoint{} || at < next)) next = at;
    }
    if (next != TimePoint{}) {
      t.stale_check = next;
      stale_checks_.push({next, due.second});
    }
    evaluated.push_back(due.second);
    if (auto c = evaluate(due.second, t, now)) changes.push_back(std::move(*c));
  }
  return sorted(std::move(changes));
}

std::vector<VerdictChange> HealthBook::refresh(TimePoint now) {
  std::vector<VerdictChange> changes;
  for (auto& [name, t] : targets_) {
    if (auto c = evaluate(name, t, now)) changes.push_back(std::move(*c));
  }
  return sorted(std::move(changes));
}

void HealthBook::restore(const std::string& target, const std::string& vantage, const Verdict& v,
                         TimePoint now) {
  auto it = targets_.find(target);
  if (it == targets_.end()) return;
  TargetState& t = it->second;
  auto [vit, inserted] = t.vantages.try_emplace(vantage, t.hysteresis);
  vit->second.counter.restore(v.state);
  vit->second.last_seen = now;
  vit->second.last_ok = v.state == Health::up;
  vit->second.last_inconclusive = false;
  vit->second.last_detail = "restored from the journal";
  t.verdict = v;
  expect_staleness(target, t, now);
}

const TargetState* HealthBook::state(const std::string& target) const {
  auto it = targets_.find(target);
  return it == targets_.end() ? nullptr : &it->second;
}

const Verdict& HealthBook::verdict(const std::string& target) const {
  static const Verdict kUnknown{Health::unknown, {}, "not a known target", Duration{0}};
  auto it = targets_.find(target);
  return it == targets_.end() ? kUnknown : it->second.verdict;
}

bool HealthBook::pending(const std::string& target, const std::string& vantage) const {
  auto it = targets_.find(target);
  if (it == targets_.end()) return false;
  auto vit = it->second.vantages.find(vantage);
  if (vit == it->second.vantages.end()) return true;  // no evidence yet
  return vit->second.counter.pending();
}

Side HealthBook::side_of(const TargetState& t, const std::string& vantage) const {
  if (t.owner.empty()) return Side::external;
  auto site = vantage_sites_.find(vantage);
  return site != vantage_sites_.end() && site->second == t.owner ? Side::internal : Side::external;
}

std::optional<VerdictChange> HealthBook::evaluate(const std::string& target, TargetState& t,
                                                  TimePoint now) {
  std::vector<Vote> votes;
  votes.reserve(t.vantages.size());
  for (const auto& [name, v] : t.vantages) {
    Vote vote;
    vote.vantage = name;
    vote.side = side_of(t, name);
    vote.state = v.counter.state();
    vote.fresh = now - v.last_seen <= freshness_;
    vote.abstains = v.last_inconclusive;
    vote.detail = v.last_detail;
    vote.streak = vote.state == Health::down ? v.counter.fail_streak()
                  : vote.state == Health::up ? v.counter.ok_streak()
                                             : 0;
    votes.push_back(std::move(vote));
  }
  QuorumResult q = vantage_verdict(votes);
  if (q.state == Health::unknown && t.vantages.empty()) q.reason = "no observation yet";
  if (q.state == t.verdict.state) {
    t.verdict.reason = std::move(q.reason);
    return std::nullopt;
  }
  VerdictChange change;
  change.subject = target;
  change.before = t.verdict;
  t.verdict.state = q.state;
  t.verdict.since = now;
  t.verdict.reason = std::move(q.reason);
  change.after = t.verdict;
  change.votes = std::move(votes);
  return change;
}

}  // namespace drpilot::core
