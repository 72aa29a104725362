// A real `drpilot agent -c FILE --name NAME` process against a controller
// faked in this test: the fake checks every report the way a controller must
// (signature, freshness, replay) and answers with a signed assignment. The
// agent checks a small application server (also here) as its site's check,
// renders examples/agent/drpilot.env.tmpl, and reloads with a shell script
// that sources the rendered file and logs what it saw.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/agent_protocol.h"
#include "net/http.h"
#include "net/loop.h"
#include "support/leftovers.h"
#include "support/process.h"

namespace drpilot {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kKey = "agent-test-key-7f3a9c1e";
const std::string kAgent = "ams-agent";

api::SiteAssignmentMessage assignment(std::uint64_t generation, const std::string& region,
                                      std::int64_t term = 0) {
  api::SiteAssignmentMessage a;
  a.generation = generation;
  a.term = term;
  a.site = "ams";
  core::GroupAssignment g;
  g.data_region = region;
  g.write_region = "eu-west-1";
  g.role = region == "eu-west-1" ? core::DataRole::read_write : core::DataRole::read_only;
  g.reason = region + " is the site's first region that is up";
  a.groups["shop"] = g;
  return a;
}

const std::string kTemplate = DRPILOT_SOURCE_DIR "/examples/agent/drpilot.env.tmpl";

// What examples/agent/drpilot.env.tmpl renders for assignment(generation,
// region): its comment header as it is, then the variables.
std::string rendered(std::uint64_t generation, const std::string& region) {
  const std::string text = testing::read_file(kTemplate);
  const std::string header = text.substr(0, text.find("\nDRPILOT_SITE=") + 1);
  const bool rw = region == "eu-west-1";
  return header + "DRPILOT_SITE=ams\nDRPILOT_GENERATION=" + std::to_string(generation) +
         "\nAWS_REGION=" + region + "\nDRPILOT_DATA_REGION=" + region +
         "\nDRPILOT_WRITE_REGION=eu-west-1\nDRPILOT_DATA_ROLE=" +
         (rw ? "read-write" : "read-only") + "\n# " + region +
         " is the site\xE2\x80\x99s first region that is up\n";
}

// The controller's end of the protocol and the site's application, on a loop
// thread of their own.
class World {
 public:
  enum class Answer { not_ready, assign, wrong_key, silent };

  struct Received {
    std::string body, timestamp, signature, agent_header;
    api::AgentReport report;
    core::TimePoint at{};
  };

  World() : controller_port_(testing::free_port()) {
    controller_ = std::make_unique<net::HttpServer>(
        loop_, "127.0.0.1", controller_port_,
        [this](const net::ServerRequest& req, net::Responder respond) { handle(req, respond); });
    // An application whose /healthz answers 200 or 503 as `healthy` says.
    auto application = [this](const std::atomic<bool>& healthy) {
      return std::make_unique<net::HttpServer>(
          loop_, "127.0.0.1", 0, [&healthy](const net::ServerRequest&, net::Responder respond) {
            net::ServerResponse r;
            r.content_type = "text/plain";
            r.status = healthy ? 200 : 503;
            r.body = healthy ? "ok\n" : "maintenance\n";
            respond(r);
          });
    };
    app_ = application(app_healthy_);
    // Another site's application, which the agent checks from outside.
    other_ = application(other_healthy_);
    controller_->start();
    app_->start();
    other_->start();
    thread_ = std::thread([this] { loop_.run(); });
  }

  ~World() {
    on_loop([this] {
      controller_->stop();
      app_->stop();
      other_->stop();
    });
    loop_.stop();
    thread_.join();
  }

  std::uint16_t controller_port() const { return controller_port_; }
  std::uint16_t app_port() const { return app_->port(); }
  void set_app_healthy(bool up) { app_healthy_ = up; }
  std::uint16_t other_port() const { return other_->port(); }
  void set_other_healthy(bool up) { other_healthy_ = up; }

  void answer(Answer a, std::optional<api::SiteAssignmentMessage> m = std::nullopt) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_ = a;
    if (m) assignment_ = *m;
  }

  std::vector<Received> accepted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  std::vector<std::string> refused() const {
    std::lock_guard<std::mutex> lock(mu_);
    return refused_;
  }

  // Waits for an accepted report that satisfies `pred`, received after
  // `after` reports (so that a condition reflects the agent's state now).
  std::optional<Received> wait_report(const std::function<bool(const api::AgentReport&)>& pred,
                                      std::size_t after = 0,
                                      std::chrono::milliseconds timeout = 15s) const {
    std::optional<Received> found;
    testing::wait_until(
        [&] {
          std::lock_guard<std::mutex> lock(mu_);
          for (std::size_t i = after; i < accepted_.size(); ++i) {
            if (pred(accepted_[i].report)) {
              found = accepted_[i];
              return true;
            }
          }
          return false;
        },
        timeout, 20ms);
    return found;
  }

  // POSTs a report as an agent would, with the headers given.
  net::ClientResult post(const std::string& body, const std::string& timestamp,
                         const std::string& signature) const {
    net::ClientRequest req;
    req.method = "POST";
    req.host = "127.0.0.1";
    req.port = controller_port_;
    req.target = api::kAgentReportPath;
    req.body = body;
    req.headers = {{"Content-Type", "application/json"},
                   {api::kAgentHeader, kAgent},
                   {api::kTimestampHeader, timestamp},
                   {api::kSignatureHeader, signature}};
    req.timeout = 3s;
    return net::http_request_sync(req);
  }

 private:
  void on_loop(std::function<void()> fn) {
    std::promise<void> done;
    loop_.post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  static std::string header(const net::ServerRequest& req, const std::string& name) {
    auto it = req.headers.find(name);
    return it == req.headers.end() ? "" : it->second;
  }

  // What a controller does with a report: the signature and its age first,
  // then the body, then the nonce; only then does it count and get an answer.
  void handle(const net::ServerRequest& req, net::Responder respond) {
    {
      // Hung, or cut off by the network: reports get no answer and are not
      // received. (Closing the port instead would race other programs for it
      // when it is opened again.)
      std::lock_guard<std::mutex> lock(mu_);
      if (answer_ == Answer::silent) return;
    }
    respond(answer(req));
  }

  net::ServerResponse answer(const net::ServerRequest& req) {
    net::ServerResponse r;
    r.content_type = "text/plain";
    if (req.path != api::kAgentReportPath || req.method != "POST") {
      r.status = 404;
      return r;
    }
    const core::TimePoint now = clock_.now();
    Received got;
    got.body = req.body;
    got.timestamp = header(req, "x-drpilot-timestamp");
    got.signature = header(req, "x-drpilot-signature");
    got.agent_header = header(req, "x-drpilot-agent");
    got.at = now;
    std::lock_guard<std::mutex> lock(mu_);
    const std::string bad =
        api::verify_body(kKey, got.timestamp, got.signature, got.body, now, api::kMaxClockSkew);
    if (!bad.empty()) {
      refused_.push_back(bad);
      r.status = 401;
      r.body = bad;
      return r;
    }
    std::string error;
    auto report = api::parse_report(got.body, error);
    if (!report) {
      refused_.push_back(error);
      r.status = 400;
      r.body = error;
      return r;
    }
    if (!guard_.accept(report->agent, report->nonce, core::from_ms(report->sent_at_ms), now,
                       &error)) {
      refused_.push_back(error);
      r.status = 409;
      r.body = error;
      return r;
    }
    got.report = std::move(*report);
    accepted_.push_back(std::move(got));
    if (answer_ == Answer::not_ready) {
      r.status = 503;
      r.body = "no plan yet";
      return r;
    }
    r.content_type = "application/json";
    r.body = api::encode_assignment(assignment_);
    const std::string ts = api::timestamp_header(now);
    r.headers = {{api::kTimestampHeader, ts},
                 {api::kSignatureHeader,
                  api::sign_body(answer_ == Answer::assign ? kKey : "some-other-key", ts, r.body)}};
    return r;
  }

  net::Loop loop_;
  core::SystemClock clock_;
  std::uint16_t controller_port_;
  std::unique_ptr<net::HttpServer> controller_, app_, other_;
  std::atomic<bool> app_healthy_{true}, other_healthy_{true};
  std::thread thread_;

  mutable std::mutex mu_;
  Answer answer_ = Answer::not_ready;
  api::SiteAssignmentMessage assignment_;
  api::ReplayGuard guard_{api::kMaxClockSkew};
  std::vector<Received> accepted_;
  std::vector<std::string> refused_;
};

class AgentProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("agent-process");
    fs::create_directory(dir_ + "/out");
    testing::write_file(dir_ + "/agent.key", kKey + "\n");
    healthz_port_ = testing::free_port();
    // Sources the rendered env file as a shell-run application would.
    testing::write_file(dir_ + "/reload.sh",
                        ". \"$DRPILOT_OUTPUT\"\n"
                        "echo \"gen=$DRPILOT_GENERATION region=$AWS_REGION "
                        "role=$DRPILOT_DATA_ROLE\" >> " +
                            dir_ +
                            "/reloads.log\n"
                            "if [ -e " +
                            dir_ +
                            "/fail-reload ]; then echo 'php-fpm: configuration test failed'; "
                            "exit 4; fi\n"
                            "if [ -e " +
                            dir_ + "/hang-reload ]; then sleep 30; fi\n");
    write_config(dir_ + "/drpilot.yaml", dir_ + "/agent.key");
  }

  void TearDown() override {
    if (agent_) {
      const int status = agent_->stop(SIGTERM, 10s);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "the agent did not stop cleanly on SIGTERM: " << status << "\n"
          << agent_->log();
      agent_.reset();
    }
    testing::remove_tree(dir_);
  }

  // `lone`: the world's controller only; otherwise a dead one comes first
  // (one dead controller must not hold up the other). `report_interval`:
  // how often the agent reports when nothing changes.
  void write_config(const std::string& path, const std::string& key_file, bool lone = false,
                    const std::string& report_interval = "200ms") {
    const std::uint16_t dead = testing::free_port();
    const std::string controllers =
        (lone ? "" : "http://127.0.0.1:" + std::to_string(dead) + ", ") +
        "http://127.0.0.1:" + std::to_string(world_.controller_port());
    // The site's own application and the other site's, checked alike.
    auto http_check = [](const std::string& name, std::uint16_t port) {
      return "  - name: " + name + "\n    type: http\n    port: " + std::to_string(port) +
             "\n    path: /healthz\n    expect_status: [200]\n    interval: 100ms\n"
             "    edge_interval: 100ms\n    connect_timeout: 200ms\n    timeout: 300ms\n"
             "    rise: 1\n    fall: 1\n";
    };
    testing::write_file(path, "checks:\n" + http_check("web", world_.app_port()) +
                                  http_check("other-web", world_.other_port()) +
                                  "sites:\n"
                                  "  - name: ams\n"
                                  "    endpoints: [127.0.0.1]\n"
                                  "    priority: 1\n"
                                  "    checks: [web]\n"
                                  "  - name: nyc\n"
                                  "    endpoints: [127.0.0.1]\n"
                                  "    priority: 2\n"
                                  "    checks: [other-web]\n"
                                  "records:\n"
                                  "  - name: www.example.test\n"
                                  "    type: A\n"
                                  "    mode: failover\n"
                                  "    ttl: 30\n"
                                  "    sites: [ams]\n"
                                  "agents:\n"
                                  "  - name: " +
                                  kAgent +
                                  "\n"
                                  "    site: ams\n"
                                  "    key_file: " +
                                  key_file +
                                  "\n"
                                  "    controllers: [" +
                                  controllers +
                                  "]\n"
                                  "    report_interval: " +
                                  report_interval +
                                  "\n"
                                  "    listen: 127.0.0.1:" +
                                  std::to_string(healthz_port_) +
                                  "\n"
                                  "    template: " +
                                  kTemplate +
                                  "\n"
                                  "    output: " +
                                  output() +
                                  "\n"
                                  "    reload: [/bin/sh, " +
                                  dir_ +
                                  "/reload.sh]\n"
                                  "    reload_timeout: 1s\n");
  }

  void start_agent() {
    agent_ = std::make_unique<testing::Process>(
        std::vector<std::string>{DRPILOT_BINARY, "agent", "-c", dir_ + "/drpilot.yaml", "--name",
                                 kAgent},
        dir_ + "/agent.log");
    ASSERT_TRUE(testing::wait_until([&] { return healthz().ok || !agent_->running(); }, 10s))
        << agent_->log();
    ASSERT_TRUE(agent_->running()) << agent_->log();
  }

  net::ClientResult healthz() const {
    net::ClientRequest req;
    req.host = "127.0.0.1";
    req.port = healthz_port_;
    req.target = "/healthz";
    req.timeout = 1s;
    req.connect_timeout = 500ms;
    return net::http_request_sync(req);
  }

  // Waits until /healthz answers `status`; returns the last answer.
  net::ClientResult wait_healthz(int status, std::chrono::milliseconds timeout = 10s) const {
    net::ClientResult last;
    testing::wait_until(
        [&] {
          last = healthz();
          return last.ok && last.status == status;
        },
        timeout, 50ms);
    return last;
  }

  std::string output() const { return dir_ + "/out/drpilot.env"; }
  std::string read_or_empty(const std::string& path) const {
    return fs::exists(path) ? testing::read_file(path) : "";
  }
  std::string reloads() const { return read_or_empty(dir_ + "/reloads.log"); }
  bool wait_file(const std::string& path, const std::string& content,
                 std::chrono::milliseconds timeout = 10s) const {
    return testing::wait_until([&] { return read_or_empty(path) == content; }, timeout);
  }
  bool log_has(const std::string& text, std::chrono::milliseconds timeout = 0ms) const {
    return testing::wait_until([&] { return agent_->log().find(text) != std::string::npos; },
                               timeout);
  }

  int log_count(const std::string& text) const {
    const std::string log = agent_->log();
    int n = 0;
    for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
    return n;
  }

  // Applies `generation` and waits until the agent reports it applied
  // (callers wrap it in ASSERT_NO_FATAL_FAILURE).
  void apply(std::uint64_t generation, const std::string& region) {
    world_.answer(World::Answer::assign, assignment(generation, region));
    ASSERT_TRUE(wait_file(output(), rendered(generation, region)))
        << read_or_empty(output()) << "\n"
        << agent_->log();
    ASSERT_TRUE(world_.wait_report([&](const api::AgentReport& r) {
      return r.applied_generation == generation && r.applied_ok;
    })) << agent_->log();
  }

  World world_;
  std::string dir_;
  std::uint16_t healthz_port_ = 0;
  std::unique_ptr<testing::Process> agent_;
};

TEST_F(AgentProcess, ReportsAreSignedAndCarryTheLocalChecks) {
  ASSERT_NO_FATAL_FAILURE(start_agent());
  auto up = world_.wait_report([](const api::AgentReport& r) {
    for (const core::Observation& o : r.observations) {
      if (o.target == "ams/web" && o.ok) return true;
    }
    return false;
  });
  ASSERT_TRUE(up) << agent_->log();
  EXPECT_EQ(up->agent_header, kAgent);
  EXPECT_EQ(up->report.agent, kAgent);
  EXPECT_EQ(up->report.site, "ams");
  EXPECT_EQ(up->timestamp, std::to_string(up->report.sent_at_ms));
  EXPECT_EQ(up->signature, api::sign_body(kKey, up->timestamp, up->body));
  EXPECT_EQ(up->report.applied_generation, 0u);
  EXPECT_FALSE(up->report.healthy);  // nothing applied yet
  for (const core::Observation& o : up->report.observations) {
    EXPECT_EQ(o.vantage, kAgent);
    if (o.target == "ams/web" && o.ok) {
      EXPECT_EQ(o.detail.rfind("status 200", 0), 0u) << o.detail;
    }
  }
  // Every report was signed properly, fresh, and never sent twice.
  EXPECT_EQ(world_.refused(), std::vector<std::string>{});

  // No assignment yet: out of the load balancer, and it says why.
  net::ClientResult h = healthz();
  ASSERT_TRUE(h.ok) << h.error;
  EXPECT_EQ(h.status, 503);
  EXPECT_NE(h.body.find("no assignment applied yet"), std::string::npos) << h.body;

  // The application fails its check: the next reports say so, and so does /healthz.
  world_.set_app_healthy(false);
  const std::size_t seen = world_.accepted().size();
  EXPECT_TRUE(world_.wait_report(
      [](const api::AgentReport& r) {
        for (const core::Observation& o : r.observations) {
          if (o.target == "ams/web" && !o.ok && o.detail.find("503") != std::string::npos) {
            return true;
          }
        }
        return false;
      },
      seen))
      << agent_->log();
  EXPECT_TRUE(testing::wait_until(
      [&] { return healthz().body.find("ams/web is down") != std::string::npos; }, 5s))
      << healthz().body;
}

// The other site's check, seen from here, is news like the site's own: a
// change goes to the controllers at once, not with the next report round
// (their quorum waits for this vote on every failover).
TEST_F(AgentProcess, AFailingCrossCheckIsReportedAtOnce) {
  write_config(dir_ + "/drpilot.yaml", dir_ + "/agent.key", false, "10s");
  ASSERT_NO_FATAL_FAILURE(start_agent());
  ASSERT_TRUE(world_.wait_report([](const api::AgentReport& r) {
    for (const core::Observation& o : r.observations) {
      if (o.target == "nyc/other-web" && o.ok) return true;
    }
    return false;
  })) << agent_->log();
  const std::size_t seen = world_.accepted().size();
  world_.set_other_healthy(false);
  const auto failed_at = std::chrono::steady_clock::now();
  // Well before the 10 s round; about one check interval is expected.
  const auto failing = world_.wait_report(
      [](const api::AgentReport& r) {
        for (const core::Observation& o : r.observations) {
          if (o.target == "nyc/other-web" && !o.ok) return true;
        }
        return false;
      },
      seen, 5s);
  ASSERT_TRUE(failing) << agent_->log();
  EXPECT_LT(std::chrono::steady_clock::now() - failed_at, 5s);
  // It never decides this site's /healthz.
  EXPECT_EQ(healthz().body.find("nyc"), std::string::npos) << healthz().body;
  EXPECT_TRUE(log_has("event=cross_check", 0ms)) << agent_->log();
}

TEST_F(AgentProcess, AppliesTheAssignmentAndReportsTheAppliedGeneration) {
  ASSERT_NO_FATAL_FAILURE(start_agent());
  ASSERT_NO_FATAL_FAILURE(apply(5, "eu-west-1"));
  // The reload ran once, and the application (a shell) read the new file.
  EXPECT_EQ(reloads(), "gen=5 region=eu-west-1 role=read-write\n");
  EXPECT_TRUE(log_has("event=applied generation=5"));
  net::ClientResult h = wait_healthz(200);
  EXPECT_EQ(h.status, 200) << h.body;
  EXPECT_EQ(h.body, "ok\n");
  EXPECT_TRUE(world_.wait_report(
      [](const api::AgentReport& r) { return r.applied_generation == 5 && r.healthy; }));

  // A new generation re-renders and reloads again.
  ASSERT_NO_FATAL_FAILURE(apply(6, "us-east-1"));
  EXPECT_EQ(reloads(),
            "gen=5 region=eu-west-1 role=read-write\n"
            "gen=6 region=us-east-1 role=read-only\n");
  // The same generation answered round after round is not applied again.
  const std::size_t seen = world_.accepted().size();
  ASSERT_TRUE(testing::wait_until([&] { return world_.accepted().size() >= seen + 4; }, 10s));
  EXPECT_EQ(reloads(),
            "gen=5 region=eu-west-1 role=read-write\n"
            "gen=6 region=us-east-1 role=read-only\n");

  // /healthz follows the local check, with the assignment applied.
  world_.set_app_healthy(false);
  h = wait_healthz(503);
  EXPECT_EQ(h.status, 503);
  EXPECT_NE(h.body.find("ams/web is down"), std::string::npos) << h.body;
  world_.set_app_healthy(true);
  h = wait_healthz(200);
  EXPECT_EQ(h.status, 200) << h.body;
}

TEST_F(AgentProcess, AFailedOrHungReloadRestoresThePreviousFileAndIsReported) {
  ASSERT_NO_FATAL_FAILURE(start_agent());
  ASSERT_NO_FATAL_FAILURE(apply(5, "eu-west-1"));
  const std::string good = rendered(5, "eu-west-1");

  testing::write_file(dir_ + "/fail-reload", "");
  world_.answer(World::Answer::assign, assignment(6, "us-east-1"));
  auto failed = world_.wait_report([](const api::AgentReport& r) { return !r.applied_ok; });
  ASSERT_TRUE(failed) << agent_->log();
  EXPECT_EQ(failed->report.applied_generation, 5u);  // still runs with 5
  EXPECT_FALSE(failed->report.healthy);
  const std::string& error = failed->report.applied_error;
  EXPECT_NE(error.find(" exit 4 (php-fpm: configuration test failed)"), std::string::npos) << error;
  EXPECT_NE(error.find("restored the previous " + output()), std::string::npos) << error;
  EXPECT_EQ(testing::read_file(output()), good);
  // The reload did see generation 6 before the file was put back.
  EXPECT_NE(reloads().find("gen=6 region=us-east-1"), std::string::npos) << reloads();
  net::ClientResult h = wait_healthz(503);
  EXPECT_EQ(h.status, 503);
  EXPECT_EQ(h.body.rfind("the last apply failed: reload `/bin/sh ", 0), 0u) << h.body;
  EXPECT_TRUE(log_has("event=apply_failed generation=6", 5s)) << agent_->log();
  EXPECT_TRUE(log_has("kept_generation=5"));

  // A reload that hangs is killed at reload_timeout (1s); the same again.
  fs::remove(dir_ + "/fail-reload");
  testing::write_file(dir_ + "/hang-reload", "");
  world_.answer(World::Answer::assign, assignment(7, "us-east-1"));
  auto hung = world_.wait_report([](const api::AgentReport& r) {
    return !r.applied_ok && r.applied_error.find("timed out after") != std::string::npos;
  });
  ASSERT_TRUE(hung) << agent_->log();
  EXPECT_EQ(hung->report.applied_generation, 5u);
  EXPECT_NE(hung->report.applied_error.find("and was killed; restored the previous"),
            std::string::npos)
      << hung->report.applied_error;
  EXPECT_EQ(testing::read_file(output()), good);
  EXPECT_TRUE(log_has("event=apply_failed generation=7", 5s));

  // Fixed: the next generation applies, and the site is back in.
  fs::remove(dir_ + "/hang-reload");
  ASSERT_NO_FATAL_FAILURE(apply(8, "us-east-1"));
  EXPECT_EQ(wait_healthz(200).status, 200);
}

// A reload that starts a daemon (setsid takes it out of the reload's
// process group, the only thing the agent kills): the daemon outlives the
// reload and the agent, and must hold nothing of the agent's. It has no
// socket open, the agent's /healthz port can be listened on again as soon
// as the agent stops, and a new agent starts on it while the daemon runs.
TEST_F(AgentProcess, AReloadThatLeavesADaemonBehindHoldsNoneOfItsPorts) {
  const std::string pid_file = dir_ + "/daemons.pid";
  testing::Leftovers daemons(pid_file, "sleep");
  // The script waits until the daemon runs as `sleep`: until setsid has
  // run, the child is still in the reload's process group, which is killed
  // when the reload ends.
  testing::write_file(
      dir_ + "/reload.sh",
      "setsid sleep 600 & p=$!\n"
      "while [ \"$(cat /proc/$p/comm 2>/dev/null)\" != sleep ]; do sleep 0.01; done\n"
      "echo $p >> " +
          pid_file + "\nexit 0\n");
  ASSERT_NO_FATAL_FAILURE(start_agent());
  ASSERT_NO_FATAL_FAILURE(apply(5, "eu-west-1"));
  ASSERT_EQ(wait_healthz(200).status, 200);  // /healthz has served connections since
  ASSERT_EQ(daemons.pids().size(), 1u) << testing::read_file(pid_file);
  const pid_t daemon = daemons.pids()[0];

  const int status = agent_->stop(SIGTERM, 10s);
  agent_.reset();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_TRUE(daemons.running(daemon)) << "the daemon did not outlive the agent";
  const std::vector<std::string> files = testing::open_files(daemon);
  for (const std::string& f : files) {
    EXPECT_EQ(f.rfind("socket:", 0), std::string::npos) << "the daemon holds " << f;
  }
  EXPECT_LE(files.size(), 3u) << "more than stdin, stdout and stderr";
  EXPECT_TRUE(testing::can_listen("127.0.0.1", healthz_port_));

  ASSERT_NO_FATAL_FAILURE(start_agent());
  EXPECT_EQ(wait_healthz(200).status, 200);
  EXPECT_TRUE(daemons.running(daemon));
}

TEST_F(AgentProcess, KeepsTheLastAssignmentWhenNoControllerAnswers) {
  ASSERT_NO_FATAL_FAILURE(start_agent());
  ASSERT_NO_FATAL_FAILURE(apply(5, "eu-west-1"));
  ASSERT_EQ(wait_healthz(200).status, 200);

  world_.answer(World::Answer::silent);
  const core::TimePoint gone = core::SystemClock().now();
  ASSERT_TRUE(log_has(
      "event=controllers_unreachable controllers=2 kept_generation=5 note=\"keeping the last "
      "applied assignment\"",
      10s))
      << agent_->log();
  // By design, /healthz follows the site's own checks and the assignment it
  // applied: controllers that cannot be reached do not take a healthy site
  // out of its load balancer (they may be the ones cut off).
  for (int i = 0; i < 5; ++i) {
    net::ClientResult h = healthz();
    EXPECT_EQ(h.status, 200) << h.body;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(testing::read_file(output()), rendered(5, "eu-west-1"));
  EXPECT_EQ(reloads(), "gen=5 region=eu-west-1 role=read-write\n");
  EXPECT_TRUE(agent_->running());

  // Back: the checks made meanwhile are delivered, and a new generation applies.
  const core::TimePoint back = core::SystemClock().now();
  const std::size_t seen = world_.accepted().size();
  const int reachable = log_count("event=controllers_reachable");
  world_.answer(World::Answer::assign, assignment(6, "us-east-1"));
  auto caught_up = world_.wait_report(
      [&](const api::AgentReport& r) {
        for (const core::Observation& o : r.observations) {
          if (o.at > gone + 200ms && o.at < back) return true;
        }
        return false;
      },
      seen);
  EXPECT_TRUE(caught_up) << "observations made while no controller answered were lost";
  ASSERT_TRUE(wait_file(output(), rendered(6, "us-east-1"))) << agent_->log();
  EXPECT_TRUE(
      testing::wait_until([&] { return log_count("event=controllers_reachable") > reachable; }, 5s))
      << agent_->log();
}

TEST_F(AgentProcess, ARestartWithoutControllersResumesTheAppliedAssignment) {
  ASSERT_NO_FATAL_FAILURE(start_agent());
  ASSERT_NO_FATAL_FAILURE(apply(5, "eu-west-1"));
  ASSERT_EQ(wait_healthz(200).status, 200);

  // The controllers go quiet and the agent restarts (a deploy, a reboot).
  world_.answer(World::Answer::silent);
  const int status = agent_->stop(SIGTERM, 10s);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_NO_FATAL_FAILURE(start_agent());
  EXPECT_TRUE(log_has("event=resumed generation=5", 5s)) << agent_->log();
  net::ClientResult h = wait_healthz(200);
  EXPECT_EQ(h.status, 200) << h.body;
  EXPECT_EQ(reloads(), "gen=5 region=eu-west-1 role=read-write\n") << "no reload for a resume";

  // The output was changed by hand meanwhile: what the last run applied is
  // no longer what runs, so nothing is resumed and the site stays out until
  // a controller answers.
  const int stopped = agent_->stop(SIGTERM, 10s);
  ASSERT_TRUE(WIFEXITED(stopped) && WEXITSTATUS(stopped) == 0) << stopped;
  testing::write_file(output(), "AWS_REGION=us-east-1\n");
  ASSERT_NO_FATAL_FAILURE(start_agent());
  EXPECT_TRUE(log_has("event=not_resumed", 5s)) << agent_->log();
  EXPECT_NE(agent_->log().find("no longer holds what generation 5 renders"), std::string::npos)
      << agent_->log();
  h = healthz();
  EXPECT_EQ(h.status, 503);
  EXPECT_NE(h.body.find("no assignment applied yet"), std::string::npos) << h.body;
  ASSERT_NO_FATAL_FAILURE(apply(5, "eu-west-1"));
  EXPECT_EQ(wait_healthz(200).status, 200);
}

TEST_F(AgentProcess, ANewerLeadersTermWinsWhateverItsGenerationAndAnOlderOneNever) {
  ASSERT_NO_FATAL_FAILURE(start_agent());
  world_.answer(World::Answer::assign, assignment(40, "eu-west-1", 7));
  ASSERT_TRUE(wait_file(output(), rendered(40, "eu-west-1"))) << agent_->log();
  // A new leader (term 9) numbering from its own, lower, counter.
  world_.answer(World::Answer::assign, assignment(12, "us-east-1", 9));
  ASSERT_TRUE(wait_file(output(), rendered(12, "us-east-1"))) << agent_->log();
  EXPECT_TRUE(log_has("event=applied generation=\"12 (term 9)\"", 5s)) << agent_->log();
  // The deposed leader's plan, however high its number: never applied.
  world_.answer(World::Answer::assign, assignment(99, "eu-west-1", 7));
  const std::size_t seen = world_.accepted().size();
  ASSERT_TRUE(world_.wait_report([](const api::AgentReport&) { return true; }, seen + 3));
  EXPECT_EQ(testing::read_file(output()), rendered(12, "us-east-1"));
}

TEST_F(AgentProcess, WhenEveryControllerStartsItsNumberingAgainTheAgentFollows) {
  // One controller, whose journal is then deleted: it answers generation 2
  // where the agent applied 57.
  write_config(dir_ + "/drpilot.yaml", dir_ + "/agent.key", true);
  ASSERT_NO_FATAL_FAILURE(start_agent());
  ASSERT_NO_FATAL_FAILURE(apply(57, "eu-west-1"));
  world_.answer(World::Answer::assign, assignment(2, "us-east-1"));
  ASSERT_TRUE(wait_file(output(), rendered(2, "us-east-1"))) << agent_->log();
  EXPECT_TRUE(log_has("event=renumbered generation=2 applied=57", 5s)) << agent_->log();
}

TEST_F(AgentProcess, OneControllerAnsweringAnOldPlanNeverTakesTheAgentBack) {
  // Of two configured controllers only one answers (the other is cut off,
  // or dead): its older plan is no evidence that the numbering restarted.
  ASSERT_NO_FATAL_FAILURE(start_agent());
  ASSERT_NO_FATAL_FAILURE(apply(57, "eu-west-1"));
  world_.answer(World::Answer::assign, assignment(2, "us-east-1"));
  const std::size_t seen = world_.accepted().size();
  ASSERT_TRUE(world_.wait_report([](const api::AgentReport&) { return true; }, seen + 6));
  EXPECT_EQ(testing::read_file(output()), rendered(57, "eu-west-1"));
  EXPECT_EQ(log_count("event=renumbered"), 0);
}

TEST_F(AgentProcess, AnAssignmentSignedWithAnotherKeyIsNotApplied) {
  world_.answer(World::Answer::wrong_key, assignment(5, "eu-west-1"));
  ASSERT_NO_FATAL_FAILURE(start_agent());
  const std::size_t seen = world_.accepted().size();
  ASSERT_TRUE(testing::wait_until([&] { return world_.accepted().size() >= seen + 5; }, 10s));
  EXPECT_FALSE(fs::exists(output()));
  EXPECT_EQ(reloads(), "");
  EXPECT_TRUE(log_has("the signature does not match")) << agent_->log();
  net::ClientResult h = healthz();
  EXPECT_EQ(h.status, 503);
  EXPECT_NE(h.body.find("no assignment applied yet (no controller has answered)"),
            std::string::npos)
      << h.body;
  for (const World::Received& r : world_.accepted()) EXPECT_EQ(r.report.applied_generation, 0u);

  // The same assignment, signed with the shared key, is applied.
  ASSERT_NO_FATAL_FAILURE(apply(5, "eu-west-1"));
}

TEST_F(AgentProcess, AReplayedReportIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start_agent());
  auto first = world_.wait_report([](const api::AgentReport&) { return true; });
  ASSERT_TRUE(first) << agent_->log();
  // The same bytes and headers again, as someone who recorded them would.
  net::ClientResult again = world_.post(first->body, first->timestamp, first->signature);
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body, "the report's nonce was seen before (a replay)");
  // A changed body under the recorded signature fails the signature.
  std::string changed = first->body;
  changed.replace(changed.find("\"healthy\":false"), 15, "\"healthy\":true ");
  net::ClientResult forged = world_.post(changed, first->timestamp, first->signature);
  ASSERT_TRUE(forged.ok) << forged.error;
  EXPECT_EQ(forged.status, 401);
  EXPECT_NE(forged.body.find("the signature does not match"), std::string::npos) << forged.body;
}

TEST_F(AgentProcess, HelpAndConfigurationErrors) {
  testing::CommandResult help = testing::run_command({DRPILOT_BINARY, "agent", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.output;
  for (const char* text : {"-c,--config", "--name", "/healthz", "'agents' section",
                           "examples/agent/drpilot.env.tmpl", "Exit 2: the configuration"}) {
    EXPECT_NE(help.output.find(text), std::string::npos) << text << "\n" << help.output;
  }

  testing::CommandResult nobody = testing::run_command(
      {DRPILOT_BINARY, "agent", "-c", dir_ + "/drpilot.yaml", "--name", "nyc-agent"});
  EXPECT_EQ(nobody.exit_code, 2) << nobody.output;
  EXPECT_NE(nobody.output.find(
                dir_ + "/drpilot.yaml has no agent named 'nyc-agent' (it has: " + kAgent + ")"),
            std::string::npos)
      << nobody.output;

  write_config(dir_ + "/missing-key.yaml", dir_ + "/no-such.key");
  testing::CommandResult no_key = testing::run_command(
      {DRPILOT_BINARY, "agent", "-c", dir_ + "/missing-key.yaml", "--name", kAgent});
  EXPECT_EQ(no_key.exit_code, 2) << no_key.output;
  EXPECT_NE(no_key.output.find("agent " + kAgent + ": cannot read its key"), std::string::npos)
      << no_key.output;
  EXPECT_NE(no_key.output.find(dir_ + "/no-such.key"), std::string::npos) << no_key.output;

  // Its /healthz address is taken (by the application): it cannot start.
  const std::uint16_t healthz_port = healthz_port_;
  healthz_port_ = world_.app_port();
  write_config(dir_ + "/taken.yaml", dir_ + "/agent.key");
  healthz_port_ = healthz_port;
  testing::CommandResult taken =
      testing::run_command({DRPILOT_BINARY, "agent", "-c", dir_ + "/taken.yaml", "--name", kAgent});
  EXPECT_EQ(taken.exit_code, 1) << taken.output;
  EXPECT_NE(
      taken.output.find("cannot listen on http 127.0.0.1:" + std::to_string(world_.app_port())),
      std::string::npos)
      << taken.output;

  testing::write_file(dir_ + "/broken.yaml", "agents:\n  - name: [\n");
  testing::CommandResult broken = testing::run_command(
      {DRPILOT_BINARY, "agent", "-c", dir_ + "/broken.yaml", "--name", kAgent});
  EXPECT_EQ(broken.exit_code, 2) << broken.output;
  EXPECT_NE(broken.output.find(dir_ + "/broken.yaml:"), std::string::npos) << broken.output;

  testing::CommandResult missing =
      testing::run_command({DRPILOT_BINARY, "agent", "--name", kAgent});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("--config is required"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace drpilot
