// The journal carries the controller across restarts: killed during an
// outage, it resumes the same plan generation and never flips back.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <thread>

#include "integration/lab_fixture.h"
#include "support/leftovers.h"

namespace drpilot::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class Restart : public LabFixture {
 protected:
  json status() {
    std::string body = api_get("/api/v1/status");
    json j = json::parse(body, nullptr, false);
    return j.is_discarded() ? json() : j;
  }
};

TEST_F(Restart, KillDuringOutageResumesWithoutFlip) {
  start_lab();
  start_controller();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s));
  lab("break", "ams");
  ASSERT_TRUE(wait_for_answer("127.0.0.12", 10s));
  const auto generation = status()["plan"]["generation"].get<std::uint64_t>();
  const auto serial = dig("SOA", "example.test");
  ASSERT_EQ(serial.size(), 1u);

  controller_->kill_hard();
  start_controller();
  // From the first answer on, and for several check rounds: nyc, same generation.
  for (int i = 0; i < 15; ++i) {
    EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.12"}) << "round " << i;
    std::this_thread::sleep_for(100ms);
  }
  json s = status();
  EXPECT_EQ(s["plan"]["generation"].get<std::uint64_t>(), generation);
  EXPECT_EQ(s["sites"][0]["verdict"], "down") << s.dump(2);
  EXPECT_EQ(dig("SOA", "example.test"), serial);

  // The timers came back too: healing still fails back after the hold-down.
  lab("heal", "ams");
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 15s));
  // After a crash the next plan is numbered above the journal's reservation
  // (generations the killed run may have handed out without journaling).
  const auto after = status()["plan"]["generation"].get<std::uint64_t>();
  EXPECT_GT(after, generation + 1);
  EXPECT_LE(after, generation + 100 + 1);
}

// A post_change hook that starts a daemon (setsid takes it out of the
// hook's process group, the only thing the controller kills): the daemon
// outlives the hook and the controller, and must hold nothing of the
// controller's. It has no socket open, the API and DNS ports can be
// listened on again as soon as the controller stops, and a new controller
// starts on them while the daemon runs.
// The hook waits until the daemon runs as `sleep` before it exits: until
// setsid has run, the child is still in the hook's process group, which is
// killed when the hook ends.
const std::string kDetach =
    "setsid sleep 600 & p=$!; while [ \"$(cat /proc/$p/comm 2>/dev/null)\" != sleep ]; do "
    "sleep 0.01; done; echo $p >> ";

TEST_F(Restart, AHookThatLeavesADaemonBehindHoldsNoneOfTheControllersPorts) {
  const std::string pid_file = dir_ + "/daemons.pid";
  Leftovers daemons(pid_file, "sleep");
  write_config(config_text() + "hooks:\n  post_change:\n    - command: [sh, -c, '" + kDetach +
               pid_file + "']\n");
  start_lab();
  start_controller();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s));
  lab("break", "ams");
  ASSERT_TRUE(wait_for_answer("127.0.0.12", 10s));
  ASSERT_TRUE(wait_until([&] { return !daemons.pids().empty(); }, 10s)) << controller_->log();

  ASSERT_EQ(controller_->stop(SIGTERM), 0) << controller_->log();
  for (pid_t daemon : daemons.pids()) {
    ASSERT_TRUE(daemons.running(daemon)) << "the daemon did not outlive the controller";
    const std::vector<std::string> files = open_files(daemon);
    for (const std::string& f : files) {
      EXPECT_EQ(f.rfind("socket:", 0), std::string::npos) << "the daemon holds " << f;
    }
    EXPECT_LE(files.size(), 3u) << "more than stdin, stdout and stderr";
  }
  EXPECT_TRUE(can_listen("127.0.0.1", ports_.api));
  EXPECT_TRUE(can_listen("127.0.0.1", ports_.dns, true));

  start_controller();
  EXPECT_TRUE(wait_for_answer("127.0.0.12", 10s));
}

TEST_F(Restart, GracefulRestartKeepsAnswerAndHistory) {
  start_lab();
  start_controller();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s));
  const auto generation = status()["plan"]["generation"].get<std::uint64_t>();
  EXPECT_EQ(controller_->stop(SIGTERM), 0);
  start_controller();
  EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.11"});
  EXPECT_EQ(status()["plan"]["generation"].get<std::uint64_t>(), generation);
  CommandResult h = drpilot({"history", "--api", "http://127.0.0.1:" + std::to_string(ports_.api)});
  ASSERT_EQ(h.exit_code, 0) << h.output;
  EXPECT_NE(h.output.find("controller stopped"), std::string::npos) << h.output;
  EXPECT_NE(h.output.find("controller started"), std::string::npos) << h.output;
}

TEST_F(Restart, CorruptJournalIsRefusedAndLeftAlone) {
  const std::string journal = dir_ + "/journal.db";
  const std::string garbage(8192, '\x5a');
  write_file(journal, garbage);
  CommandResult r = drpilot({"run", "-c", config_path_});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("not a drpilot journal"), std::string::npos) << r.output;
  EXPECT_EQ(read_file(journal), garbage);
}

TEST_F(Restart, ForeignSqliteDatabaseIsRefused) {
  if (!have_program("sqlite3")) GTEST_SKIP() << "sqlite3 is not installed";
  const std::string journal = dir_ + "/journal.db";
  ASSERT_EQ(run_command({"sqlite3", journal, "CREATE TABLE customers(id INTEGER);"}).exit_code, 0);
  CommandResult r = drpilot({"run", "-c", config_path_});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("not a drpilot journal"), std::string::npos) << r.output;
}

TEST_F(Restart, MissingJournalDirectoryIsAClearError) {
  std::string text = config_text();
  text.replace(text.find("path: journal.db"), 16, "path: no/such/dir/journal.db");
  write_config(text);
  CommandResult r = drpilot({"run", "-c", config_path_});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("does not exist"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace drpilot::testing
