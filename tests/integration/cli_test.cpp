// The command line as an operator meets it: status and history readable,
// clear errors for unreachable addresses and bad configuration, and a reload
// that refuses a broken file while the controller keeps running.

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <thread>

#include "integration/lab_fixture.h"

namespace drpilot::testing {
namespace {

using namespace std::chrono_literals;

class Cli : public LabFixture {
 protected:
  std::string api() const { return "http://127.0.0.1:" + std::to_string(ports_.api); }
};

TEST_F(Cli, StatusAndHistoryExplainDecisions) {
  start_demo();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s));
  // ams must have been seen up, or history would read "unknown -> down".
  ASSERT_TRUE(wait_for_site("ams", "up", 10s)) << api_get("/api/v1/status");
  lab("break", "ams");
  ASSERT_TRUE(wait_for_answer("127.0.0.12", 10s));

  CommandResult s = drpilot({"status", "--api", api()});
  ASSERT_EQ(s.exit_code, 0) << s.output;
  EXPECT_NE(s.output.find("www.example.test A (failover, ttl 30): nyc -> 127.0.0.12"),
            std::string::npos)
      << s.output;
  EXPECT_NE(s.output.find("why: ams is down"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("status 503"), std::string::npos) << s.output;

  CommandResult j = drpilot({"status", "--json", "--api", api()});
  ASSERT_EQ(j.exit_code, 0);
  EXPECT_NE(j.output.find("\"generation\""), std::string::npos);

  CommandResult h = drpilot({"history", "--api", api()});
  ASSERT_EQ(h.exit_code, 0) << h.output;
  EXPECT_NE(h.output.find("ams/web up -> down"), std::string::npos) << h.output;
  EXPECT_NE(h.output.find("www.example.test/A -> nyc"), std::string::npos) << h.output;

  // The journal can also be read directly, e.g. after the controller died.
  CommandResult hj = drpilot({"history", "--journal", dir_ + "/journal.db"});
  ASSERT_EQ(hj.exit_code, 0) << hj.output;
  EXPECT_NE(hj.output.find("www.example.test/A -> nyc"), std::string::npos) << hj.output;
}

TEST_F(Cli, UnreachableAddressesAreClearErrors) {
  CommandResult s = drpilot({"status", "--api", "http://127.0.0.1:1"});
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_NE(s.output.find("cannot reach http://127.0.0.1:1: connect refused"), std::string::npos)
      << s.output;
  CommandResult l = drpilot({"lab", "--control", "127.0.0.1:1", "break", "ams"});
  EXPECT_EQ(l.exit_code, 1);
  EXPECT_NE(l.output.find("is `drpilot lab` or `drpilot demo` running?"), std::string::npos)
      << l.output;
  CommandResult bad = drpilot({"status", "--api", "not a url"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("is not an http:// or https:// URL"), std::string::npos) << bad.output;
}

TEST_F(Cli, LabRejectsUnknownSite) {
  start_lab();
  CommandResult r = drpilot({"lab", "-c", config_path_, "break", "lon"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("no lab site named 'lon' (sites: ams, nyc)"), std::string::npos)
      << r.output;
}

TEST_F(Cli, CheckConfig) {
  CommandResult ok = drpilot({"check-config", "-c", config_path_});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("OK"), std::string::npos);

  std::string text = config_text();
  text.replace(text.find("fall: 3"), 7, "fall: 0");
  write_config(text);
  CommandResult bad = drpilot({"check-config", "-c", config_path_});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find(config_path_ + ":"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("'fall' must be between 1 and 100, got 0"), std::string::npos)
      << bad.output;

  CommandResult missing = drpilot({"check-config", "-c", dir_ + "/nope.yaml"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("cannot read the configuration file"), std::string::npos);

  CommandResult usage = drpilot({"check-config"});
  EXPECT_EQ(usage.exit_code, 2);
}

// The production example is valid; its secrets are checked where they live.
TEST_F(Cli, CheckConfigReadsTheSecretsTheFileNames) {
  const std::string example = std::string(DRPILOT_SOURCE_DIR) + "/examples/providers.yaml";
  CommandResult skipped = drpilot({"check-config", "-c", example, "--skip-secrets"});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.output;
  EXPECT_NE(skipped.output.find("4 providers"), std::string::npos) << skipped.output;

  unsetenv("LINODE_TOKEN");
  CommandResult missing = drpilot({"check-config", "-c", example});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(
      missing.output.find("provider 'linode' token: environment variable LINODE_TOKEN is not set"),
      std::string::npos)
      << missing.output;
  EXPECT_NE(missing.output.find("API token 'operator': secret file /etc/drpilot/api.token"),
            std::string::npos)
      << missing.output;
}

TEST_F(Cli, ReloadRefusesBrokenConfigAndAppliesAGoodOne) {
  start_demo();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s));
  const std::string good = config_text();

  write_config(good + "\nunknown_section: 1\n");
  demo_->signal(SIGHUP);
  ASSERT_TRUE(
      wait_until([&] { return demo_->log().find("reload_refused") != std::string::npos; }, 5s));
  EXPECT_NE(demo_->log().find("unknown key 'unknown_section'"), std::string::npos) << demo_->log();
  ASSERT_TRUE(demo_->running());
  EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.11"});

  std::string changed = good;
  changed.replace(changed.find("ttl: 30"), 7, "ttl: 45");
  write_config(changed);
  demo_->signal(SIGHUP);
  ASSERT_TRUE(wait_until(
      [&] {
        CommandResult r = run_command({"dig", "@127.0.0.1", "-p", std::to_string(ports_.dns),
                                       "www.example.test", "+noall", "+answer"});
        return r.output.find("\t45\tIN\tA\t127.0.0.11") != std::string::npos;
      },
      5s));
}

TEST_F(Cli, ReloadRefusesWhatNeedsARestartAndJournalsIt) {
  start_demo();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s));
  // The vantage names all the evidence collected so far: changing it live would
  // split every target's history in two.
  std::string text = config_text();
  text.insert(0, "controller:\n  vantage: elsewhere\n");
  write_config(text);
  demo_->signal(SIGHUP);
  ASSERT_TRUE(wait_until(
      [&] { return demo_->log().find("controller.vantage needs a restart") != std::string::npos; },
      5s))
      << demo_->log();
  ASSERT_TRUE(demo_->running());
  EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.11"});
  CommandResult h = drpilot({"history", "--api", api()});
  EXPECT_NE(h.output.find("configuration reload refused"), std::string::npos) << h.output;
}

TEST_F(Cli, HelpIsUseful) {
  CommandResult r = drpilot({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"run", "demo", "lab", "check-config", "status", "history", "drain",
                          "undrain", "pin", "unpin", "freeze", "resume", "switchover"}) {
    EXPECT_NE(r.output.find(cmd), std::string::npos) << cmd;
  }
  CommandResult lab = drpilot({"lab", "--help"});
  EXPECT_NE(lab.output.find("blackhole"), std::string::npos) << lab.output;
}

}  // namespace
}  // namespace drpilot::testing
