#pragma once
// The health book: per target x vantage hysteresis counters, and per target a
// verdict from the quorum of fresh vantages. Pure; time comes with the calls.

#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/hysteresis.h"
#include "core/model.h"
#include "core/quorum.h"

namespace drpilot::core {

struct VantageState {
  explicit VantageState(Hysteresis h) : counter(h) {}
  HysteresisCounter counter;
  TimePoint last_seen{};
  bool last_ok = false;
  // Its last observation was inconclusive: while fresh, it abstains.
  bool last_inconclusive = false;
  std::string last_detail;
  Duration last_latency{0};
};

struct TargetState {
  Hysteresis hysteresis;
  std::string owner;                             // the site it belongs to; "" for a data region's
  std::map<std::string, VantageState> vantages;  // by vantage name
  Verdict verdict;
  TimePoint stale_check{};  // when a vantage may next go stale ({}: none queued)
};

class HealthBook {
 public:
  // `freshness`: a vantage whose last observation is older than this does not vote.
  explicit HealthBook(Duration freshness) : freshness_(freshness) {}

  // Declares a target (or updates its hysteresis); keeps existing evidence.
  // `owner`: the site it belongs to ("" for a data region's): the vantages
  // running in that site see it from inside.
  void add_target(const std::string& target, Hysteresis h, const std::string& owner = "");
  // The site each vantage runs in (agents); vantages not named stand
  // outside every site (controllers).
  void set_vantage_sites(std::map<std::string, std::string> sites) {
    vantage_sites_ = std::move(sites);
  }
  void remove_target(const std::string& target);
  bool has_target(const std::string& target) const { return targets_.count(target) != 0; }

  // Feeds one observation. Observations for undeclared targets are ignored
  // (returns nullopt); returns the verdict change if there was one.
  std::optional<VerdictChange> observe(const Observation& o);
  // Re-evaluates every target at `now` (vantages may have gone stale).
  std::vector<VerdictChange> refresh(TimePoint now);
  // The same for the targets that need it: those with a vantage whose
  // freshness ended since they were last evaluated. Appends their names to
  // `evaluated`. Costs nothing for targets whose vantages all stay fresh.
  std::vector<VerdictChange> refresh_due(TimePoint now, std::vector<std::string>& evaluated);
  // Seeds a target's verdict from the journal as if `vantage` had just
  // reported it at `now`; real observations replace it.
  void restore(const std::string& target, const std::string& vantage, const Verdict& v,
               TimePoint now);

  const Verdict& verdict(const std::string& target) const;
  // Whether `vantage` sees the target from inside its site or from outside.
  Side side_of(const TargetState& t, const std::string& vantage) const;
  // The target's state, or null; stable until the target is removed.
  const TargetState* state(const std::string& target) const;
  bool pending(const std::string& target, const std::string& vantage) const;
  // Unordered: looked up by name for every observation, never walked in order.
  const std::unordered_map<std::string, TargetState>& targets() const { return targets_; }
  Duration freshness() const { return freshness_; }
  // Takes effect for every vantage, including when each will go stale.
  void set_freshness(Duration d);

 private:
  std::optional<VerdictChange> evaluate(const std::string& target, TargetState& t, TimePoint now);
  // Queues the moment the vantage seen at `seen` goes stale, if it is earlier
  // than what the target has queued.
  void expect_staleness(const std::string& target, TargetState& t, TimePoint seen);

  Duration freshness_;
  std::map<std::string, std::string> vantage_sites_;
  std::unordered_map<std::string, TargetState> targets_;
  using Due = std::pair<TimePoint, std::string>;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> stale_checks_;
};

}  // namespace drpilot::core
