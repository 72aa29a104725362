// The world follows the plan: a Linode record, a DigitalOcean record and a
// DigitalOcean load balancer, each behind a fake that enforces what the real
// API enforces, converge on the site the controller chose; and they keep
// converging through outages, rate limits and restarts.

#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "integration/world_fixture.h"
#include "net/http.h"
#include "store/journal.h"

namespace drpilot::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class Providers : public WorldFixture {
 protected:
  bool world_is(const std::string& address, std::int64_t droplet,
                std::chrono::milliseconds timeout) {
    return wait_until(
        [&] {
          return linode_www() == address && do_www() == address &&
                 lb_droplets() == std::vector<std::int64_t>{droplet};
        },
        timeout, 100ms);
  }
  bool in_sync(const std::string& provider, std::chrono::milliseconds timeout) {
    return wait_until([&] { return provider_status(provider).value("state", "") == "in sync"; },
                      timeout, 100ms);
  }
};

TEST_F(Providers, OutageMovesEveryProviderAndHealingBringsThemBack) {
  start_demo();
  ASSERT_TRUE(wait_for_site("ams", "up", 10s));
  ASSERT_TRUE(world_is("127.0.0.11", 111, 15s));
  lab("break", "ams");
  ASSERT_TRUE(wait_for_answer("127.0.0.12", 10s));
  EXPECT_TRUE(world_is("127.0.0.12", 222, 15s))
      << linode_www() << " " << do_www() << " " << lb_droplets().size();
  for (const char* p : {"embedded-dns", "linode", "do-dns", "do-lb"}) {
    EXPECT_TRUE(in_sync(p, 10s)) << p << ": " << provider_status(p).dump(2);
  }
  // Membership changes go through the droplets endpoints, never a PUT that
  // would reset the load balancer's other settings.
  EXPECT_EQ(digitalocean_->count("PUT", "/load_balancers"), 0);
  EXPECT_GE(digitalocean_->count("POST", "/load_balancers/lb-1/droplets"), 1);
  EXPECT_GE(digitalocean_->count("DELETE", "/load_balancers/lb-1/droplets"), 1);

  lab("heal", "ams");
  EXPECT_TRUE(world_is("127.0.0.11", 111, 20s));

  CommandResult h =
      drpilot({"history", "-n", "200", "--api", "http://127.0.0.1:" + std::to_string(ports_.api)});
  for (const char* step : {"linode started on generation", "linode applying 1 change",
                           "linode applied generation", "linode verified generation"}) {
    EXPECT_NE(h.output.find(step), std::string::npos) << step << "\n" << h.output;
  }
}

TEST_F(Providers, AProviderDownForThirtySecondsCatchesUpAndHoldsNoOneBack) {
  start_demo();
  ASSERT_TRUE(wait_for_site("ams", "up", 10s));
  ASSERT_TRUE(world_is("127.0.0.11", 111, 15s));
  linode_->fault({{"mode", "down"}, {"duration_ms", 30000}});
  const auto down_at = std::chrono::steady_clock::now();
  lab("break", "ams");
  // The others converge at once, whatever Linode does.
  ASSERT_TRUE(wait_until([&] { return do_www() == "127.0.0.12"; }, 15s, 100ms));
  EXPECT_EQ(lb_droplets(), std::vector<std::int64_t>{222});
  EXPECT_TRUE(in_sync("do-dns", 5s));
  ASSERT_TRUE(wait_until([&] { return provider_status("linode").value("state", "") == "failing"; },
                         10s, 100ms));
  EXPECT_NE(provider_status("linode")["last_error"].get<std::string>().find("connect refused"),
            std::string::npos)
      << provider_status("linode").dump(2);
  // Monitoring hears of it from the alerts alone.
  EXPECT_NE(api_get("/api/v1/status").find("provider linode is failing"), std::string::npos);
  // Back after 30 s: converged within a few backoff periods (retry_max 2s).
  ASSERT_TRUE(wait_until([&] { return linode_www() == "127.0.0.12"; }, 45s, 200ms));
  EXPECT_GE(std::chrono::steady_clock::now() - down_at, 29s);
  EXPECT_TRUE(in_sync("linode", 10s)) << provider_status("linode").dump(2);
  // One outage is one failure in the journal, not one per retry.
  CommandResult h =
      drpilot({"history", "-n", "500", "--api", "http://127.0.0.1:" + std::to_string(ports_.api)});
  std::size_t failures = 0;
  for (std::size_t p = 0;
       (p = h.output.find("linode failed on generation", p)) != std::string::npos; ++p) {
    ++failures;
  }
  EXPECT_GE(failures, 1u);
  EXPECT_LE(failures, 3u) << h.output;
}

TEST_F(Providers, TooManyRequestsIsAnsweredWithPatience) {
  start_demo();
  ASSERT_TRUE(wait_for_site("ams", "up", 10s));
  ASSERT_TRUE(world_is("127.0.0.11", 111, 15s));
  json before = linode_->requests();
  // Every request is refused with 429 and Retry-After: 2, five times.
  linode_->fault({{"mode", "status"}, {"status", 429}, {"retry_after", 2}, {"count", 5}});
  lab("break", "ams");
  ASSERT_TRUE(wait_until([&] { return linode_www() == "127.0.0.12"; }, 40s, 200ms))
      << provider_status("linode").dump(2);
  std::vector<std::int64_t> refused_at;
  const json requests = linode_->requests();
  for (const json& r : requests) {
    if (r["status"] == 429) refused_at.push_back(r["at_ms"].get<std::int64_t>());
  }
  ASSERT_EQ(refused_at.size(), 5u);
  for (std::size_t i = 1; i < refused_at.size(); ++i) {
    EXPECT_GE(refused_at[i] - refused_at[i - 1], 1900) << "request " << i << " came too soon";
  }
}

TEST_F(Providers, KilledBetweenApplyAndVerifyVerifiesWithoutApplyingAgain) {
  start_lab();
  start_controller();
  ASSERT_TRUE(wait_for_site("ams", "up", 10s));
  ASSERT_TRUE(world_is("127.0.0.11", 111, 15s));
  // Linode reads take 2 s (within the provider's 3 s timeout): after the
  // change is made, there is time to kill the controller during the read-back.
  linode_->fault({{"mode", "slow"}, {"delay_ms", 2000}, {"methods", {"GET"}}});
  lab("break", "ams");
  ASSERT_TRUE(wait_until([&] { return linode_->count("PUT") == 1; }, 20s, 50ms));
  controller_->kill_hard();
  EXPECT_EQ(linode_www(), "127.0.0.12");
  linode_->fault({{"mode", "none"}});

  start_controller();
  ASSERT_TRUE(in_sync("linode", 20s)) << provider_status("linode").dump(2);
  EXPECT_EQ(linode_->count("PUT"), 1) << "the change was applied twice";
  EXPECT_EQ(linode_->count("POST", "/records"), 0);
  CommandResult h =
      drpilot({"history", "-n", "500", "--api", "http://127.0.0.1:" + std::to_string(ports_.api)});
  EXPECT_NE(h.output.find(": already in sync"), std::string::npos) << h.output;
}

TEST_F(Providers, AnOlderGenerationThanOneAppliedIsRefused) {
  start_lab();
  start_controller();
  ASSERT_TRUE(world_is("127.0.0.11", 111, 15s));
  const auto generation =
      json::parse(api_get("/api/v1/status"))["plan"]["generation"].get<std::uint64_t>();
  ASSERT_EQ(controller_->stop(SIGTERM), 0);
  {
    // As if another controller had already applied a newer plan to Linode.
    store::Journal journal(dir_ + "/journal.db");
    journal.record_provider("linode", "applied", generation + 10, "applied elsewhere",
                            core::SystemClock().now(), json::object(),
                            {generation + 10, generation + 10});
  }
  linode_->control("POST", "/requests/clear");
  start_controller();
  ASSERT_TRUE(wait_until(
      [&] {
        return provider_status("linode")["last_error"].get<std::string>().find("refused") !=
               std::string::npos;
      },
      10s, 100ms))
      << provider_status("linode").dump(2);
  lab("break", "ams");
  ASSERT_TRUE(wait_until([&] { return do_www() == "127.0.0.12"; }, 15s, 100ms));
  // DigitalOcean has the new generation; Linode would have been sent it (or
  // an older one) within this second of reconciler rounds.
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(linode_->count("PUT"), 0) << "an older generation was applied";
  EXPECT_EQ(linode_www(), "127.0.0.11");
}

TEST_F(Providers, APreChangeHookVetoesUntilItAgrees) {
  const std::string veto = dir_ + "/veto";
  const std::string seen = dir_ + "/post-change.env";
  write_file(veto, "");
  write_config(
      world_config("hooks:\n  veto_retry: 1s\n  pre_change:\n"
                   "    - command: [sh, -c, 'echo maintenance window; test ! -e " +
                   veto +
                   "']\n"
                   "  post_change:\n    - command: [sh, -c, 'env | grep ^DRPILOT_ | sort > " +
                   seen + "']\n"));
  start_demo();
  ASSERT_TRUE(wait_for_site("ams", "up", 10s));
  lab("break", "ams");
  // The plan moves to nyc, the world does not.
  ASSERT_TRUE(wait_until(
      [&] {
        return api_get("/api/v1/status").find("vetoed") != std::string::npos ||
               api_get("/api/v1/status").find("held back") != std::string::npos;
      },
      10s, 100ms))
      << api_get("/api/v1/status");
  // Vetoed: 1.5 s (more than a check round and a reconciler round) in which
  // a change that slipped past the veto would have reached DNS and Linode.
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.11"});
  EXPECT_EQ(linode_www(), "127.0.0.11");
  CommandResult h =
      drpilot({"history", "-n", "200", "--api", "http://127.0.0.1:" + std::to_string(ports_.api)});
  EXPECT_NE(h.output.find("vetoed generation"), std::string::npos) << h.output;

  std::remove(veto.c_str());
  ASSERT_TRUE(wait_for_answer("127.0.0.12", 10s));
  EXPECT_TRUE(world_is("127.0.0.12", 222, 15s));
  ASSERT_TRUE(
      wait_until([&] { return read_file(seen).find("DRPILOT_TO_SITES=nyc") != std::string::npos; },
                 10s, 100ms));
  const std::string env = read_file(seen);
  EXPECT_NE(env.find("DRPILOT_RECORD=www.example.test/A"), std::string::npos) << env;
  EXPECT_NE(env.find("DRPILOT_FROM_SITES=ams"), std::string::npos) << env;
  EXPECT_NE(env.find("DRPILOT_HOOK=post_change"), std::string::npos) << env;
  EXPECT_NE(env.find("DRPILOT_REASON=ams is down"), std::string::npos) << env;
}

TEST_F(Providers, OperatorCommandsNeedTheTokenAndChangeNothingWithout) {
  start_demo();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s));
  // Straight to the API without a token: 401, and nothing else happens.
  net::ClientRequest req;
  req.method = "POST";
  req.host = "127.0.0.1";
  req.port = ports_.api;
  req.target = "/api/v1/commands/drain";
  req.body = R"({"site": "ams"})";
  net::ClientResult bare = net::http_request_sync(req);
  ASSERT_TRUE(bare.ok) << bare.error;
  EXPECT_EQ(bare.status, 401);
  EXPECT_EQ(bare.headers["www-authenticate"], "Bearer");
  CommandResult wrong = operator_cmd({"drain", "ams", "--token", "not-the-token"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.output.find("401"), std::string::npos) << wrong.output;
  EXPECT_EQ(json::parse(api_get("/api/v1/status"))["overrides"]["drained"], json::array());

  CommandResult ok = operator_cmd({"drain", "ams", "--token", kApiToken, "--reason", "patching"});
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  ASSERT_TRUE(wait_for_answer("127.0.0.12", 10s));
  EXPECT_TRUE(world_is("127.0.0.12", 222, 15s));
  // -c FILE finds the address and the token by itself.
  CommandResult back = drpilot({"undrain", "ams", "-c", config_path_});
  ASSERT_EQ(back.exit_code, 0) << back.output;
  CommandResult h = drpilot({"history", "-c", config_path_});
  EXPECT_NE(h.output.find("ams is drained"), std::string::npos) << h.output;
  EXPECT_NE(h.output.find("patching"), std::string::npos) << h.output;
}

TEST_F(Providers, SecretsNeverAppearInLogsStatusOrHistory) {
  start_demo();
  ASSERT_TRUE(wait_for_site("ams", "up", 10s));
  linode_->fault({{"mode", "status"}, {"status", 500}, {"count", 2}});
  lab("break", "ams");
  ASSERT_TRUE(world_is("127.0.0.12", 222, 20s));
  const std::string status = api_get("/api/v1/status");
  const std::string history = api_get("/api/v1/history?limit=1000");
  for (const char* secret : {kLinodeToken, kDoToken, kApiToken}) {
    EXPECT_EQ(status.find(secret), std::string::npos) << secret;
    EXPECT_EQ(history.find(secret), std::string::npos) << secret;
    EXPECT_EQ(demo_->log().find(secret), std::string::npos) << secret;
  }
}

}  // namespace
}  // namespace drpilot::testing
