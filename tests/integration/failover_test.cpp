// End to end on loopback: the real binary, real HTTP sites, answers read
// with dig. A fault on the preferred site moves www to the other site; healing
// brings it back only after the hold-down.

#include <gtest/gtest.h>

#include <thread>

#include "integration/lab_fixture.h"

namespace drpilot::testing {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

class Failover : public LabFixture {};

TEST_F(Failover, BreakMovesTrafficAndHealBringsItBackAfterHoldDown) {
  start_demo();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s)) << "never answered ams";

  lab("break", "ams");
  auto broke = Steady::now();
  ASSERT_TRUE(wait_for_answer("127.0.0.12", 10s)) << "never failed over to nyc";
  EXPECT_LT(Steady::now() - broke, 5s);

  lab("heal", "ams");
  auto healed = Steady::now();
  // Within the 2 s hold-down (plus rise), traffic must stay on nyc.
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.12"}) << "failed back before the hold-down";
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s)) << "never failed back to ams";
  EXPECT_GE(Steady::now() - healed, 2s);

  std::string status = api_get("/api/v1/status");
  EXPECT_NE(status.find("fails back from nyc"), std::string::npos) << status;
}

TEST_F(Failover, BlackholeAndRefuseBehaveLikeBreak) {
  start_demo();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s));
  for (const char* fault : {"blackhole", "refuse"}) {
    SCOPED_TRACE(fault);
    lab(fault, "ams");
    ASSERT_TRUE(wait_for_answer("127.0.0.12", 10s)) << fault << " did not fail over";
    std::string status = api_get("/api/v1/status");
    EXPECT_NE(status.find(std::string(fault) == "blackhole" ? "timeout after" : "connect refused"),
              std::string::npos)
        << status;
    lab("heal", "ams");
    ASSERT_TRUE(wait_for_answer("127.0.0.11", 15s)) << "no failback after " << fault;
  }
}

TEST_F(Failover, SlowSiteWithinTimeoutStaysUp) {
  start_demo();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s));
  CommandResult r = drpilot({"lab", "-c", config_path_, "slow", "ams", "50"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Two seconds of 50 ms answers, several check rounds: a down verdict would
  // have moved traffic by now.
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.11"});
  // Slower than the 300 ms timeout: down.
  r = drpilot({"lab", "-c", config_path_, "slow", "ams", "1000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(wait_for_answer("127.0.0.12", 10s));
}

TEST_F(Failover, BothSitesDownKeepsTheLastGoodAnswer) {
  start_demo();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s));
  lab("break", "ams");
  ASSERT_TRUE(wait_for_answer("127.0.0.12", 10s));
  lab("break", "nyc");
  ASSERT_TRUE(wait_until(
      [&] { return api_get("/api/v1/status").find("fail-static)") != std::string::npos; }, 10s))
      << api_get("/api/v1/status");
  EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.12"});
}

}  // namespace
}  // namespace drpilot::testing
