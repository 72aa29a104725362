#pragma once
// The health book: per target x vantage hysteresis counters, and per target a
// verdict from the quorum of fresh vantages. Pure; time comes with the calls.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/hysteresis.h"
#include "core/model.h"

namespace drpilot::core {

struct VantageState {
  explicit VantageState(Hysteresis h) : counter(h) {}
  HysteresisCounter counter;
  TimePoint last_seen{};
  bool last_ok = false;
  std::string last_detail;
  Duration last_latency{0};
};

struct TargetState {
  Hysteresis hysteresis;
  std::map<std::string, VantageState> vantages;  // by vantage name
  Verdict verdict;
};

class HealthBook {
 public:
  // `freshness`: a vantage whose last observation is older than this does not vote.
  explicit HealthBook(Duration freshness) : freshness_(freshness) {}

  // Declares a target (or updates its hysteresis); keeps existing evidence.
  void add_target(const std::string& target, Hysteresis h);
  void remove_target(const std::string& target);
  bool has_target(const std::string& target) const { return targets_.count(target) != 0; }

  // Feeds one observation. Observations for undeclared targets are ignored
  // (returns nullopt); returns the verdict change if there was one.
  std::optional<VerdictChange> observe(const Observation& o);
  // Re-evaluates every target at `now` (vantages may have gone stale).
  std::vector<VerdictChange> refresh(TimePoint now);
  // Seeds a target's verdict from the journal as if `vantage` had just
  // reported it at `now`; real observations replace it.
  void restore(const std::string& target, const std::string& vantage, const Verdict& v,
               TimePoint now);

  const Verdict& verdict(const std::string& target) const;
  bool pending(const std::string& target, const std::string& vantage) const;
  const std::map<std::string, TargetState>& targets() const { return targets_; }
  Duration freshness() const { return freshness_; }
  void set_freshness(Duration d) { freshness_ = d; }

 private:
  std::optional<VerdictChange> evaluate(const std::string& target, TargetState& t, TimePoint now);

  Duration freshness_;
  std::map<std::string, TargetState> targets_;
};

}  // namespace drpilot::core
