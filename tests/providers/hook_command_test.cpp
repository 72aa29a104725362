// run_hook with real programs: argv without a shell, the environment, the
// captured output and its bound, exit codes, signals, timeouts that kill the
// whole process group, and programs that cannot be started.

#include "providers/hook_command.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "support/process.h"

namespace drpilot::providers {
namespace {

using namespace std::chrono_literals;
using V = std::vector<std::string>;

config::HookCommand cmd(V argv, core::Duration timeout = core::Duration{10'000}) {
  config::HookCommand h;
  h.command = std::move(argv);
  h.timeout = timeout;
  return h;
}

// True when `pid` no longer runs: gone, or a zombie waiting for a reaper
// (an orphan's new parent may be slow to reap it).
bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return true;
  const char state = line[close + 2];
  return state == 'Z' || state == 'X';
}

TEST(RunHook, ExitZeroWithItsOutput) {
  HookResult r = run_hook(cmd({"sh", "-c", "echo hello; echo oops >&2"}), {});
  EXPECT_TRUE(r.ok()) << r.outcome();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.output, "hello\noops\n");  // stdout and stderr, interleaved
  EXPECT_EQ(r.outcome(), "exit 0");
  EXPECT_EQ(r.command, (V{"sh", "-c", "echo hello; echo oops >&2"}));
  EXPECT_LT(r.took, core::Duration{10'000});
}

TEST(RunHook, ANonZeroExitIsNotOk) {
  HookResult r = run_hook(cmd({"sh", "-c", "echo no; exit 3"}), {});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.outcome(), "exit 3");
  EXPECT_EQ(r.output, "no\n");
}

TEST(RunHook, ArgumentsAreNotInterpretedByAShell) {
  const std::string tricky = "$HOME; echo injected `id` | cat > /dev/null";
  HookResult r = run_hook(cmd({"printf", "%s", tricky}), {});
  EXPECT_TRUE(r.ok()) << r.outcome();
  EXPECT_EQ(r.output, tricky);
}

TEST(RunHook, TheChangeIsAddedToTheEnvironmentAndReplacesSameNamedVariables) {
  ASSERT_EQ(setenv("DRPILOT_TEST_INHERITED", "kept", 1), 0);
  ASSERT_EQ(setenv("DRPILOT_RECORD", "stale", 1), 0);
  HookResult r = run_hook(cmd({"sh", "-c",
                               "printf '%s|%s|%s|' \"$DRPILOT_TEST_INHERITED\" \"$DRPILOT_RECORD\" "
                               "\"$DRPILOT_REASON\"; env | grep -c '^DRPILOT_RECORD='"}),
                          {{"DRPILOT_RECORD", "www.example.test/A"},
                           {"DRPILOT_REASON", "ams is down (web: status 503)"}});
  unsetenv("DRPILOT_TEST_INHERITED");
  unsetenv("DRPILOT_RECORD");
  EXPECT_TRUE(r.ok()) << r.outcome() << " " << r.output;
  EXPECT_EQ(r.output, "kept|www.example.test/A|ams is down (web: status 503)|1\n");
}

TEST(RunHook, StdinIsEmpty) {
  HookResult r = run_hook(cmd({"cat"}, core::Duration{5'000}), {});
  EXPECT_TRUE(r.ok()) << r.outcome();
  EXPECT_EQ(r.output, "");
  EXPECT_FALSE(r.timed_out);
}

TEST(RunHook, OutputIsCappedAt4KiBButTheHookRunsToTheEnd) {
  HookResult r = run_hook(
      cmd({"sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x; echo; echo done >&2; exit 4"}), {});
  EXPECT_EQ(r.exit_code, 4) << r.outcome();
  EXPECT_EQ(r.output.size(), 4096u);
  EXPECT_EQ(r.output, std::string(4096, 'x'));
  EXPECT_FALSE(r.timed_out);
}

TEST(RunHook, ATimeoutKillsTheWholeProcessGroup) {
  const std::string dir = drpilot::testing::make_temp_dir("hook");
  const std::string pidfile = dir + "/child.pid";
  // The hook starts a background child, records its pid and waits for it.
  const auto start = std::chrono::steady_clock::now();
  HookResult r =
      run_hook(cmd({"sh", "-c", "sleep 30 & echo $! > " + pidfile + "; echo started; wait"},
                   core::Duration{1'000}),
               {});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.output, "started\n");
  EXPECT_GE(r.took, core::Duration{1'000});
  EXPECT_NE(r.outcome().find("timed out after"), std::string::npos) << r.outcome();
  EXPECT_NE(r.outcome().find("and was killed"), std::string::npos) << r.outcome();
  EXPECT_LT(took, 10s);

  const std::string written = drpilot::testing::read_file(pidfile);
  ASSERT_FALSE(written.empty()) << "the hook did not get to start its child";
  const pid_t child = std::stoi(written);
  ASSERT_GT(child, 0);
  EXPECT_TRUE(drpilot::testing::wait_until([&] { return process_gone(child); }, 5s))
      << "the hook's background child " << child << " still runs";
  if (!process_gone(child)) kill(child, SIGKILL);
  drpilot::testing::remove_tree(dir);
}

// The hook's outcome is its own exit status, even when a background child
// still holds its output open; whatever it left running is killed then.
TEST(RunHook, ABackgroundChildDoesNotHoldTheHookOpenAndDoesNotOutliveIt) {
  const std::string dir = drpilot::testing::make_temp_dir("hook");
  const std::string pidfile = dir + "/child.pid";
  const auto start = std::chrono::steady_clock::now();
  HookResult r =
      run_hook(cmd({"sh", "-c", "sleep 30 & echo $! > " + pidfile + "; echo allowed; exit 0"},
                   core::Duration{5000}),
               {});
  EXPECT_TRUE(r.ok()) << r.outcome();
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s) << "waited for the background child";
  EXPECT_NE(r.output.find("allowed"), std::string::npos) << r.output;
  const std::string written = drpilot::testing::read_file(pidfile);
  ASSERT_FALSE(written.empty()) << "the hook did not get to start its child";
  const pid_t child = std::stoi(written);
  EXPECT_TRUE(drpilot::testing::wait_until([&] { return process_gone(child); }, 5s))
      << "the hook's background child " << child << " still runs";
  if (!process_gone(child)) kill(child, SIGKILL);
  drpilot::testing::remove_tree(dir);
}

TEST(RunHook, AHookThatClosesItsOutputButRunsOnIsStillTimedOut) {
  const auto start = std::chrono::steady_clock::now();
  HookResult r =
      run_hook(cmd({"sh", "-c", "exec >/dev/null 2>&1; sleep 30"}, core::Duration{300}), {});
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(RunHook, KilledByASignal) {
  HookResult r = run_hook(cmd({"sh", "-c", "kill -9 $$"}), {});
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.outcome(), "was killed by a signal");
}

TEST(RunHook, AMissingProgramIsAClearError) {
  HookResult r = run_hook(cmd({"/nonexistent/drpilot-hook", "--x"}), {});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.error, "cannot run /nonexistent/drpilot-hook: No such file or directory");
  EXPECT_EQ(r.outcome(), r.error);
}

TEST(RunHook, ANonExecutableFileIsAClearError) {
  const std::string dir = drpilot::testing::make_temp_dir("hook");
  drpilot::testing::write_file(dir + "/script", "#!/bin/sh\nexit 0\n");  // mode 0644
  HookResult r = run_hook(cmd({dir + "/script"}), {});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error, "cannot run " + dir + "/script: Permission denied");
  drpilot::testing::remove_tree(dir);
}

TEST(RunHook, AProgramIsFoundOnThePath) {
  HookResult r = run_hook(cmd({"true"}), {});
  EXPECT_TRUE(r.ok()) << r.outcome();
}

TEST(RunHook, AnEmptyCommandIsRefused) {
  HookResult r = run_hook(cmd({}), {});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error, "empty command");
}

// The controller's secrets (a provider's token_env) are not handed to hooks.
TEST(RunHook, HiddenVariablesAreNotPassedOn) {
  setenv("DRPILOT_TEST_HIDDEN_TOKEN", "do-not-leak", 1);
  HookResult r = run_hook(cmd({"sh", "-c", "env"}, core::Duration{5000}), {{"DRPILOT_X", "1"}},
                          {"DRPILOT_TEST_HIDDEN_TOKEN"});
  unsetenv("DRPILOT_TEST_HIDDEN_TOKEN");
  ASSERT_TRUE(r.ok()) << r.outcome();
  EXPECT_EQ(r.output.find("do-not-leak"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("DRPILOT_X=1"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace drpilot::providers
