// The change gate with the real HookThread running real commands (sh): the
// change in the environment, vetoes by exit status and by timeout.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "change_gate_samples.h"
#include "net/loop.h"
#include "providers/change_gate.h"

namespace drpilot::providers {
namespace {

using namespace std::chrono_literals;
using namespace gate_samples;

class ChangeGateHooks : public ::testing::Test {
 protected:
  net::Loop loop_;
};

TEST_F(ChangeGateHooks, TheHookThreadRunsRealCommandsWithTheChangeInTheEnvironment) {
  HookThread thread(loop_);
  std::vector<std::vector<HookResult>> finished;
  ChangeGate::Runner run = thread.runner();

  HookJob j;
  j.kind = "post_change";
  j.commands = {hook({"sh", "-c",
                      "printf '%s %s %s' \"$DRPILOT_HOOK\" \"$DRPILOT_RECORD\" "
                      "\"$DRPILOT_TO_SITES\""}),
                hook({"sh", "-c", "exit 3"})};
  j.runs = {{{"DRPILOT_HOOK", "post_change"},
             {"DRPILOT_RECORD", "www.example.test/A"},
             {"DRPILOT_TO_SITES", "fra"}},
            {{"DRPILOT_HOOK", "post_change"},
             {"DRPILOT_RECORD", "api.example.test/A"},
             {"DRPILOT_TO_SITES", "ams,fra"}}};
  HookJob veto = j;
  veto.kind = "pre_change";
  veto.commands = {hook({"sh", "-c", "exit 3"}), hook({"sh", "-c", "echo never"})};

  run(j, [&](std::vector<HookResult> r) { finished.push_back(std::move(r)); });
  run(veto, [&](std::vector<HookResult> r) {
    finished.push_back(std::move(r));
    loop_.stop();
  });
  net::Timer guard(loop_);
  guard.start(20s, [this] { loop_.stop(); });
  loop_.run();

  ASSERT_EQ(finished.size(), 2u);  // in order, both delivered on the loop
  // post_change: every command for every record, failures or not.
  ASSERT_EQ(finished[0].size(), 4u);
  EXPECT_EQ(finished[0][0].output, "post_change www.example.test/A fra");
  EXPECT_TRUE(finished[0][0].ok());
  EXPECT_EQ(finished[0][1].exit_code, 3);
  EXPECT_EQ(finished[0][2].output, "post_change api.example.test/A ams,fra");
  // pre_change: the first veto is final.
  ASSERT_EQ(finished[1].size(), 1u);
  EXPECT_EQ(finished[1][0].exit_code, 3);
}

TEST_F(ChangeGateHooks, AGateWithRealHooksVetoesAndAllows) {
  HookThread thread(loop_);
  config::HooksConfig h;
  // Allows a move to fra only.
  h.pre_change = {hook({"sh", "-c",
                        "echo \"checking $DRPILOT_RECORD -> $DRPILOT_TO_SITES\"; "
                        "test \"$DRPILOT_TO_SITES\" = fra"})};
  std::vector<std::uint64_t> released;
  std::vector<std::string> kinds;
  ChangeGate gate(
      loop_, h, thread.runner(), [&](const Target& t) { released.push_back(t.generation); },
      [&](const std::string& kind, const std::string&, const std::vector<HookResult>&,
          std::uint64_t) {
        kinds.push_back(kind);
        loop_.stop();
      });
  Target to_ams = target(2, "fra");
  to_ams.records[1] = rt("api.example.test", {"nyc"}, {"203.0.113.1"});  // api to nyc: vetoed
  to_ams.records[0] = target(1, "ams").records[0];
  gate.start(target(1, "ams"), to_ams);
  net::Timer guard(loop_);
  guard.start(20s, [this] { loop_.stop(); });
  loop_.run();
  ASSERT_EQ(kinds, V{"vetoed"});
  EXPECT_EQ(gate.held_back(),
            "generation 2 is held back: sh -c echo \"checking $DRPILOT_RECORD -> "
            "$DRPILOT_TO_SITES\"; test \"$DRPILOT_TO_SITES\" = fra exit 1: checking "
            "api.example.test/A -> nyc");

  gate.offer(target(3, "fra"));
  guard.start(20s, [this] { loop_.stop(); });
  loop_.run();
  ASSERT_EQ(kinds, (V{"vetoed", "allowed"}));
  EXPECT_EQ(released, (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(gate.held_back(), "");
}

// A pre_change hook that writes without end (`cat /dev/zero`) is a veto by
// timeout, reported with cleaned output; the hook thread is free again for
// the next plan.
TEST_F(ChangeGateHooks, AnEndlessHookIsAVetoByTimeoutAndLaterPlansAreReleased) {
  HookThread thread(loop_);
  config::HooksConfig h;
  config::HookCommand endless =
      hook({"sh", "-c", "test \"$DRPILOT_TO_SITES\" = fra && exit 0; cat /dev/zero"});
  endless.timeout = core::Duration{300};
  h.pre_change = {endless};
  std::vector<std::uint64_t> released;
  std::vector<std::string> kinds, messages;
  ChangeGate gate(
      loop_, h, thread.runner(), [&](const Target& t) { released.push_back(t.generation); },
      [&](const std::string& kind, const std::string& message, const std::vector<HookResult>&,
          std::uint64_t) {
        kinds.push_back(kind);
        messages.push_back(message);
        loop_.stop();
      });
  gate.start(target(1, "fra"), target(2, "ams"));  // www to ams: the hook never ends
  net::Timer guard(loop_);
  guard.start(20s, [this] { loop_.stop(); });
  loop_.run();
  ASSERT_EQ(kinds, V{"vetoed"});
  EXPECT_NE(messages[0].find("timed out after"), std::string::npos) << messages[0];
  EXPECT_EQ(messages[0].find('\0'), std::string::npos);
  EXPECT_NE(gate.held_back().find("timed out after"), std::string::npos) << gate.held_back();

  gate.offer(target(3, "fra", true));  // api to fra: allowed
  guard.start(20s, [this] { loop_.stop(); });
  loop_.run();
  ASSERT_EQ(kinds, (V{"vetoed", "allowed"}));
  EXPECT_EQ(released, (std::vector<std::uint64_t>{1, 3}));
}

}  // namespace
}  // namespace drpilot::providers
