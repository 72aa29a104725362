// run_hook with real programs: argv without a shell, the environment, the
// captured output and its bound, exit codes, signals, timeouts that kill the
// whole process group, and programs that cannot be started.

#include "providers/hook_command.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
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
  HookPolicy passed;
  passed.pass_env = {"DRPILOT_TEST_INHERITED", "DRPILOT_RECORD"};
  HookResult r = run_hook(cmd({"sh", "-c",
                               "printf '%s|%s|%s|' \"$DRPILOT_TEST_INHERITED\" \"$DRPILOT_RECORD\" "
                               "\"$DRPILOT_REASON\"; env | grep -c '^DRPILOT_RECORD='"}),
                          {{"DRPILOT_RECORD", "www.example.test/A"},
                           {"DRPILOT_REASON", "ams is down (web: status 503)"}},
                          passed);
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
  // The first 4 KiB and how much was left out (100,000 x, a newline, "done\n").
  EXPECT_EQ(r.output, std::string(4096, 'x') + "... (95910 more bytes)");
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

// Nothing of the caller's environment reaches a hook unless allow-listed:
// agent keys, AWS secrets and API tokens live there.
TEST(RunHook, OnlyAllowListedVariablesArePassedOn) {
  setenv("DRPILOT_TEST_HIDDEN_TOKEN", "do-not-leak", 1);
  setenv("DRPILOT_TEST_PASSED", "passed-on", 1);
  HookPolicy policy;
  policy.pass_env = {"DRPILOT_TEST_PASSED"};
  HookResult r =
      run_hook(cmd({"sh", "-c", "env"}, core::Duration{5000}), {{"DRPILOT_X", "1"}}, policy);
  unsetenv("DRPILOT_TEST_HIDDEN_TOKEN");
  unsetenv("DRPILOT_TEST_PASSED");
  ASSERT_TRUE(r.ok()) << r.outcome();
  EXPECT_EQ(r.output.find("do-not-leak"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("DRPILOT_X=1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("DRPILOT_TEST_PASSED=passed-on"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("PATH="), std::string::npos) << r.output;
  // env prints one line per variable: PATH, maybe HOME and LANG, the two above; sh may add PWD.
  EXPECT_LE(std::count(r.output.begin(), r.output.end(), '\n'), 6) << r.output;
}

TEST(RunHook, SecretsAreScrubbedFromTheOutput) {
  HookPolicy policy;
  policy.secrets = {"s3cr3t-value-0123456789"};
  HookResult r = run_hook(cmd({"sh", "-c", "echo token=s3cr3t-value-0123456789 ok"}), {}, policy);
  ASSERT_TRUE(r.ok()) << r.outcome();
  EXPECT_EQ(r.output, "token=[secret] ok\n");
}

// A veto's journal line used to end at the first NUL; terminals obey escapes.
TEST(RunHook, ControlCharactersAndNulsAreCleanedFromTheOutput) {
  HookResult r = run_hook(cmd({"printf", "a\\000b\\033[31mc\\tdé\\n\\377"}), {});
  ASSERT_TRUE(r.ok()) << r.outcome();
  EXPECT_EQ(r.output, "a?b?[31mc\tdé\n?");
}

// `cat /dev/zero` writes faster than anyone reads: the deadline still holds,
// the output is capped and cleaned.
TEST(RunHook, AnEndlessWriterEndsAtItsTimeout) {
  const auto start = std::chrono::steady_clock::now();
  HookResult r = run_hook(cmd({"sh", "-c", "cat /dev/zero"}, core::Duration{300}), {});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.output.substr(0, 4096), std::string(4096, '?'));
  EXPECT_NE(r.output.find(" more bytes)", 4096), std::string::npos) << r.output.substr(4096);
}

TEST(RunHook, ALineEvery10msForeverEndsAtItsTimeout) {
  const auto start = std::chrono::steady_clock::now();
  HookResult r = run_hook(
      cmd({"sh", "-c", "while :; do echo tick; sleep 0.01; done"}, core::Duration{300}), {});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.output.rfind("tick\n", 0), 0u) << r.output;
}

// A child that leaves the process group (setsid) and keeps writing to the
// output after the hook exited: the hook's outcome is still its own.
TEST(RunHook, AnEscapedChildWritingForeverDoesNotHoldTheHook) {
  const std::string dir = drpilot::testing::make_temp_dir("hook");
  const std::string pidfile = dir + "/child.pid";
  const auto start = std::chrono::steady_clock::now();
  HookResult r = run_hook(cmd({"sh", "-c",
                               "setsid sh -c 'echo $$ > " + pidfile +
                                   "; while :; do echo x; sleep 0.01; done' & sleep 0.2; exit 0"},
                              core::Duration{5000}),
                          {});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_TRUE(r.ok()) << r.outcome();
  const std::string written = drpilot::testing::read_file(pidfile);
  if (!written.empty()) kill(std::stoi(written), SIGKILL);
  drpilot::testing::remove_tree(dir);
}

// Whatever the caller has open (a listening socket without close-on-exec
// included), a hook sees only stdin, stdout and stderr.
TEST(RunHook, AHookInheritsNoDescriptorButTheStandardThree) {
  const int leaky = socket(AF_INET, SOCK_STREAM, 0);  // no SOCK_CLOEXEC on purpose
  ASSERT_GE(leaky, 0);
  HookResult r = run_hook(cmd({"ls", "-l", "/proc/self/fd"}), {});
  close(leaky);
  ASSERT_TRUE(r.ok()) << r.outcome();
  std::istringstream lines(r.output);
  std::string line;
  int listed = 0;
  while (std::getline(lines, line)) {
    const auto arrow = line.find(" -> ");
    if (arrow == std::string::npos) continue;
    const std::string fd =
        line.substr(line.rfind(' ', arrow - 1) + 1, arrow - line.rfind(' ', arrow - 1) - 1);
    ++listed;
    // ls's own handle on the directory it lists is the only other one.
    if (fd != "0" && fd != "1" && fd != "2") {
      EXPECT_NE(line.find("/fd"), std::string::npos) << "inherited: " << line;
    }
  }
  EXPECT_EQ(listed, 4) << r.output;
}

}  // namespace
}  // namespace drpilot::providers
