#include "core/leader_lease.h"

#include <cmath>

namespace drpilot::core {

Duration lease_validity(const LeaseMargins& m) {
  // Rounded down: a millisecond too early is safe, one too late is not.
  return Duration{static_cast<Duration::rep>(
      std::floor(static_cast<double>(m.ttl.count()) / (1.0 + m.clock_rate_bound)))};
}

LeaseVerdict judge_lease(const LeaseMargins& m, std::optional<SteadyTime> confirmed,
                         SteadyTime now) {
  LeaseVerdict v;
  if (!confirmed) {
    v.reason = "no live lease: etcd has not acknowledged one";
    return v;
  }
  v.valid_until = *confirmed + lease_validity(m);
  v.act_until = v.valid_until - m.apply_deadline;
  const auto age = std::chrono::duration_cast<Duration>(now - *confirmed);
  if (now < v.act_until) {
    v.may_act = true;
    v.reason = "lease confirmed " + format_duration(age) + " ago; actions may start for " +
               format_duration(std::chrono::duration_cast<Duration>(v.act_until - now)) + " more";
  } else if (now < v.valid_until) {
    v.reason = "lease confirmed " + format_duration(age) + " ago, valid for " +
               format_duration(std::chrono::duration_cast<Duration>(v.valid_until - now)) +
               " more: too little for an action to land (apply deadline " +
               format_duration(m.apply_deadline) + ")";
  } else {
    v.reason = "lease not confirmed for " + format_duration(age) + " (valid " +
               format_duration(lease_validity(m)) + " after a confirmation): it may have expired";
  }
  return v;
}

std::string lease_margins_error(const LeaseMargins& m, Duration keepalive_interval) {
  const Duration usable = lease_validity(m) - m.apply_deadline - keepalive_interval;
  if (usable <= Duration{0}) {
    return "the lease (" + format_duration(m.ttl) + ", valid " +
           format_duration(lease_validity(m)) + " at a " +
           std::to_string(static_cast<int>(std::lround(m.clock_rate_bound * 100))) +
           "% clock-rate bound) leaves no time to act after the apply deadline (" +
           format_duration(m.apply_deadline) + ") and a keep-alive interval (" +
           format_duration(keepalive_interval) + ")";
  }
  return "";
}

}  // namespace drpilot::core
