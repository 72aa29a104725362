#pragma once
// When a leader may still act on its etcd lease. etcd ends a lease `ttl`
// after the last keep-alive it received. The leader cannot know when that
// was, only when it sent the keep-alive that etcd then acknowledged: that is
// earlier, so a deadline counted from the sending is never later than etcd's.
// Its own clock may run slower than etcd's by up to `clock_rate_bound` (a
// slow clock shows less time gone by than has), so the lease counts as
// valid for ttl / (1 + bound) after the sending. And an action started now
// (a provider write, a hook, a data move) lands up to `apply_deadline` later,
// so it may start only while that much validity is left. A deposed or paused
// leader whose keep-alives stopped being acknowledged therefore stops acting
// before another controller can be elected.

#include <optional>
#include <string>

#include "core/time.h"
#include "core/time_source.h"

namespace drpilot::core {

struct LeaseMargins {
  Duration ttl{2'000};             // as etcd granted it
  double clock_rate_bound = 0.01;  // 1%: far beyond a working quartz or NTP-disciplined clock
  Duration apply_deadline{500};    // the longest an action may take to land
};

struct LeaseVerdict {
  bool may_act = false;
  SteadyTime valid_until{};  // confirmed + ttl / (1 + bound)
  SteadyTime act_until{};    // valid_until - apply_deadline: no action starts after it
  std::string reason;        // one sentence, for status and the log
};

// `confirmed`: when the latest keep-alive (or grant) that etcd acknowledged
// with a live lease was sent; nullopt: none was.
LeaseVerdict judge_lease(const LeaseMargins& m, std::optional<SteadyTime> confirmed,
                         SteadyTime now);

// How long the lease stays valid after a confirmation: ttl / (1 + bound).
Duration lease_validity(const LeaseMargins& m);

// "" when a leader with these margins and keep-alives sent every `interval`
// can act at all, else why not (the deadline eats the whole validity).
std::string lease_margins_error(const LeaseMargins& m, Duration keepalive_interval);

}  // namespace drpilot::core
