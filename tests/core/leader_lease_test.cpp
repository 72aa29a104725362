// When a leader may act on its lease: every input, `now` included, in one
// row, and the sentence that explains the verdict.

#include "core/leader_lease.h"

#include <gtest/gtest.h>

namespace drpilot::core {
namespace {

using namespace std::chrono_literals;

const SteadyTime t0{std::chrono::seconds(1000)};

struct Row {
  const char* name;
  Duration ttl;
  double bound;
  Duration deadline;
  std::optional<Duration> confirmed;  // after t0; nullopt: never
  Duration now;                       // after t0
  bool may_act;
  const char* reason_has;
};

class LeaderLease : public ::testing::TestWithParam<Row> {};

TEST_P(LeaderLease, Table) {
  const Row& r = GetParam();
  LeaseMargins m;
  m.ttl = r.ttl;
  m.clock_rate_bound = r.bound;
  m.apply_deadline = r.deadline;
  std::optional<SteadyTime> confirmed;
  if (r.confirmed) confirmed = t0 + *r.confirmed;
  const LeaseVerdict v = judge_lease(m, confirmed, t0 + r.now);
  EXPECT_EQ(v.may_act, r.may_act) << v.reason;
  EXPECT_NE(v.reason.find(r.reason_has), std::string::npos) << v.reason;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, LeaderLease,
    ::testing::Values(
        Row{"never_confirmed", 2000ms, 0.01, 500ms, std::nullopt, 0ms, false, "no live lease"},
        Row{"just_confirmed", 2000ms, 0.01, 500ms, 0ms, 0ms, true, "may start for 1.4s more"},
        // 2000 / 1.01 = 1980 ms of validity; 500 ms of it are the deadline.
        Row{"last_moment_to_act", 2000ms, 0.01, 500ms, 0ms, 1479ms, true, "1ms more"},
        Row{"too_late_to_act", 2000ms, 0.01, 500ms, 0ms, 1480ms, false, "too little"},
        Row{"valid_but_too_little", 2000ms, 0.01, 500ms, 0ms, 1900ms, false, "valid for 80ms"},
        Row{"expired", 2000ms, 0.01, 500ms, 0ms, 1980ms, false, "may have expired"},
        Row{"long_expired", 2000ms, 0.01, 500ms, 0ms, 60s, false, "not confirmed for 1m"},
        // A larger clock-rate bound shortens the validity: 2000 / 1.25 = 1600.
        Row{"slow_clock_bound", 2000ms, 0.25, 500ms, 0ms, 1100ms, false, "too little"},
        Row{"no_deadline", 2000ms, 0.0, 0ms, 0ms, 1999ms, true, "1ms more"},
        Row{"reconfirmed", 2000ms, 0.01, 500ms, 1400ms, 2000ms, true, "confirmed 600ms ago"}),
    [](const ::testing::TestParamInfo<Row>& i) { return std::string(i.param.name); });

TEST(LeaderLeaseMargins, TheValidityRoundsDownAndTheMarginsMustLeaveTimeToAct) {
  LeaseMargins m;
  m.ttl = 2000ms;
  m.clock_rate_bound = 0.03;  // 1941.7 ms
  EXPECT_EQ(lease_validity(m), 1941ms);
  m.apply_deadline = 500ms;
  EXPECT_EQ(lease_margins_error(m, 333ms), "");
  m.apply_deadline = 1700ms;
  const std::string e = lease_margins_error(m, 333ms);
  EXPECT_NE(e.find("leaves no time to act"), std::string::npos) << e;
  EXPECT_NE(e.find("1.7s"), std::string::npos) << e;
}

TEST(LeaderLeaseMargins, ActingAlwaysEndsBeforeEtcdCouldExpireTheLease) {
  // etcd expires the lease ttl after it received the last keep-alive, which
  // is after it was sent; on a clock slower by the bound, the leader's
  // "act_until + deadline" must come before that on the real clock.
  for (double bound : {0.0, 0.01, 0.05}) {
    for (int ttl_ms : {1000, 2000, 5000, 30000}) {
      LeaseMargins m;
      m.ttl = Duration{ttl_ms};
      m.clock_rate_bound = bound;
      m.apply_deadline = Duration{ttl_ms / 4};
      const LeaseVerdict v = judge_lease(m, t0, t0);
      const auto local = std::chrono::duration<double, std::milli>(v.act_until - t0).count() +
                         m.apply_deadline.count();
      // Elapsed on the real clock when the local clock shows `local`, at worst.
      EXPECT_LE(local * (1 + bound), ttl_ms) << "ttl " << ttl_ms << " bound " << bound;
    }
  }
}

}  // namespace
}  // namespace drpilot::core
