// The data plane end to end: the lab's sites and data regions, the tables
// made by `drpilot bootstrap dynamodb`, the controller and one agent per
// site, all real processes. A regional data outage moves a site's reads and
// writes but not its traffic; a controller cut off from the sites changes
// nothing; a planned move of the write-primary waits for replication; and
// the controller refuses agent reports it cannot trust.

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "api/agent_protocol.h"
#include "integration/data_fixture.h"
#include "net/http.h"

namespace drpilot::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

class DataPlane : public DataFixture {
 protected:
  // A check's vantage entry in the status (null when that vantage has none).
  json vantage(const std::string& site, const std::string& target, const std::string& name) {
    const json s = status();
    for (const json& st : s.value("sites", json::array())) {
      if (st.value("name", "") != site) continue;
      for (const json& c : st.value("checks", json::array())) {
        if (c.value("target", "") != target) continue;
        for (const json& v : c.value("vantages", json::array())) {
          if (v.value("vantage", "") == name) return v;
        }
      }
    }
    return json::object();
  }

  json site(const std::string& name) {
    for (const json& st : status().value("sites", json::array())) {
      if (st.value("name", "") == name) return st;
    }
    return json::object();
  }

  bool has_alert(const std::string& part) {
    for (const json& a : status().value("alerts", json::array())) {
      if (a.is_string() && a.get<std::string>().find(part) != std::string::npos) return true;
    }
    return false;
  }
};

// Reads a rendered file as fast as it can while the agent rewrites it: every
// read must see one complete rendering, never a truncated or empty file.
class TornReadWatch {
 public:
  explicit TornReadWatch(std::string path) : path_(std::move(path)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        const std::string text = read_file(path_);
        const auto vars = parse_env(text);
        const bool complete =
            vars.size() == 5 && vars.count("COMPLETE") && !text.empty() && text.back() == '\n';
        if (!complete && torn_.size() < 10) torn_.push_back(text);
        ++reads_;
        // Often enough to land inside a non-atomic rewrite, without taking
        // a core from the processes under test.
        std::this_thread::sleep_for(200us);
      }
    });
  }
  ~TornReadWatch() { finish(); }
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  const std::vector<std::string>& torn() const { return torn_; }  // after finish()
  int reads() const { return reads_; }

 private:
  std::string path_;
  std::atomic<bool> stop_{false};
  std::atomic<int> reads_{0};
  std::vector<std::string> torn_;
  std::thread thread_;
};

ino_t inode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST_F(DataPlane, DataOutageMovesTheSiteToAnotherRegionWhileTrafficStays) {
  ASSERT_NO_FATAL_FAILURE(start_world());
  TornReadWatch watch(output_path("ams"));
  const ino_t first = inode(output_path("ams"));

  lab("break", "eu-west-1");
  ASSERT_TRUE(wait_until([&] { return assignment("ams").value("data_region", "") == "us-east-1"; },
                         10s, 50ms))
      << group().dump(2);
  EXPECT_NE(assignment("ams").value("change_reason", "").find("eu-west-1 is down"),
            std::string::npos)
      << assignment("ams").dump(2);
  ASSERT_TRUE(wait_rendered("ams", "DATA_REGION", "us-east-1", 10s))
      << read_file(output_path("ams"));
  EXPECT_EQ(rendered("ams")["ROLE"], "read-write");
  // Replaced by a rename, not rewritten in place.
  EXPECT_NE(inode(output_path("ams")), first);
  // The reload command ran, with the new assignment in its environment.
  ASSERT_TRUE(wait_until(
      [&] {
        return read_file(reload_log("ams")).find(" us-east-1 read-write\n") != std::string::npos;
      },
      5s))
      << read_file(reload_log("ams"));
  // nyc's own region is fine: it stays where it was.
  EXPECT_EQ(assignment("nyc").value("data_region", ""), "us-east-1");

  // Traffic stays: ams's web check passes, so www still answers ams.
  json ams = site("ams");
  EXPECT_EQ(ams.value("verdict", ""), "up") << ams.dump(2);
  EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.11"});

  lab("heal", "eu-west-1");
  const auto healed = Steady::now();
  // failback: auto, hold_down: 2s: ams returns to its local region once it
  // has been up for the hold-down, not before.
  ASSERT_TRUE(wait_until([&] { return assignment("ams").value("data_region", "") == "eu-west-1"; },
                         15s, 50ms))
      << group().dump(2);
  EXPECT_GE(Steady::now() - healed, 2s);
  EXPECT_NE(
      assignment("ams").value("change_reason", "").find("(hold-down 2s), so ams returns to it"),
      std::string::npos)
      << assignment("ams").dump(2);
  ASSERT_TRUE(wait_rendered("ams", "DATA_REGION", "eu-west-1", 10s))
      << read_file(output_path("ams"));
  EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.11"});

  watch.finish();
  EXPECT_GT(watch.reads(), 100);
  EXPECT_TRUE(watch.torn().empty()) << "a torn read of the rendered file: '"
                                    << (watch.torn().empty() ? "" : watch.torn().front()) << "'";
}

// The controller loses its path to both sites while the agents, each
// checking the other site from outside, still reach them: the controller is
// outvoted (one external vantage against one is no majority), raises an
// alert and changes nothing.
TEST_F(DataPlane, ControllerCutOffFromTheSitesChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(start_world());
  const std::uint64_t before = generation();

  // Only the controller's copy of the configuration points its web checks at
  // a port where nothing listens; the agents keep reading their own copy.
  write_config(data_config(dead_port_));
  controller_->signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return has_alert("probably the one cut off"); }, 10s, 50ms))
      << api_get("/api/v1/status");

  // Well past its `fall`, the controller's own vantage keeps failing...
  for (const char* s : {"ams", "nyc"}) {
    const std::string target = std::string(s) + "/web";
    ASSERT_TRUE(wait_until(
        [&] { return vantage(s, target, "controller").value("fail_streak", 0) >= 10; }, 10s, 50ms))
        << site(s).dump(2);
    EXPECT_EQ(vantage(s, target, "controller").value("state", ""), "down");
    EXPECT_NE(vantage(s, target, "controller").value("detail", "").find("connect refused"),
              std::string::npos)
        << site(s).dump(2);
    // ...while the other site's agent, from outside, sees it up: one
    // external vantage of two is not a majority. Its own agent, inside,
    // sees it up too, and is heard, but does not decide.
    const std::string other = std::string(s) == "ams" ? "nyc" : "ams";
    EXPECT_EQ(vantage(s, target, other + "-agent").value("state", ""), "up");
    EXPECT_EQ(vantage(s, target, std::string(s) + "-agent").value("state", ""), "up");
    const json st = site(s);
    EXPECT_EQ(st.value("verdict", ""), "up") << st.dump(2);
    EXPECT_NE(st.dump().find("only 1 of 2 external vantages sees it down, not a majority"),
              std::string::npos)
        << st.dump(2);
    EXPECT_NE(st.dump().find("its own agent sees it up"), std::string::npos) << st.dump(2);
  }
  EXPECT_TRUE(has_alert("probably the one cut off"));
  EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.11"});
  // No new plan: nothing moved, neither traffic nor data.
  EXPECT_EQ(generation(), before);
  EXPECT_EQ(assignment("ams").value("data_region", ""), "eu-west-1");
  // No site, and none of their checks, was ever judged down.
  for (const json& e : history()) {
    const std::string subject = e.value("subject", "");
    if (e.value("kind", "") == "verdict" &&
        (subject.rfind("ams", 0) == 0 || subject.rfind("nyc", 0) == 0)) {
      EXPECT_EQ(e.value("message", "").find("-> down"), std::string::npos) << e.dump();
    }
  }
  // The journal notes the change of view on the controller's next tick.
  json cut;
  ASSERT_TRUE(wait_until(
      [&] {
        cut = find_event("lifecycle",
                         {"this controller sees every site down while other vantages see some up"});
        return !cut.is_null();
      },
      5s, 50ms))
      << api_get("/api/v1/history");
  EXPECT_EQ(cut.value("subject", ""), "vantage");

  // Its path back: the alert clears and the history says so.
  write_config(data_config(ports_.site));
  controller_->signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return !has_alert("probably the one cut off"); }, 10s, 50ms))
      << api_get("/api/v1/status");
  EXPECT_TRUE(wait_until(
      [&] { return !find_event("lifecycle", {"this controller sees the sites again"}).is_null(); },
      5s, 50ms))
      << api_get("/api/v1/history");
  EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.11"});
}

// drpilot switchover --data with replication from the primary paused: writes
// pause at once (every site read-only) but the switch waits until the new
// region has seen a canary written after the pause, then for 10x the recent
// maximum lag; then writes resume on the new primary.
TEST_F(DataPlane, PlannedWriteMoveWaitsForPausedReplication) {
  ASSERT_NO_FATAL_FAILURE(start_world());
  ASSERT_TRUE(
      wait_until([&] { return lag("eu-west-1", "us-east-1").value("samples", 0) > 0; }, 10s, 50ms))
      << group().dump(2);
  EXPECT_EQ(group().value("primary", ""), "eu-west-1");

  lab("pause-replication", "eu-west-1");
  ASSERT_TRUE(wait_until(
      [&] { return lag("eu-west-1", "us-east-1").value("current_ms", 0) >= 1000; }, 10s, 50ms))
      << group().dump(2);
  const int lag_at_switch = lag("eu-west-1", "us-east-1").value("current_ms", 0);

  const auto switch_at = Steady::now();
  CommandResult r = drpilot({"switchover", "--data", "us-east-1", "-c", config_path_, "--who",
                             "it-test", "--reason", "planned move"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("writes of shop move to us-east-1: paused now"), std::string::npos)
      << r.output;

  // Paused and waiting: the canary written in eu-west-1 since cannot arrive.
  json g = group();
  EXPECT_EQ(g.value("primary", ""), "eu-west-1") << g.dump(2);
  EXPECT_EQ(move_phase(), "paused") << g.dump(2);
  EXPECT_NE(g.value("primary_reason", "")
                .find("no canary written in eu-west-1 since the pause "
                      "has reached us-east-1"),
            std::string::npos)
      << g.dump(2);
  ASSERT_EQ(g.value("assignments", json::array()).size(), 2u) << g.dump(2);
  for (const json& a : g["assignments"]) EXPECT_EQ(a.value("role", ""), "read-only") << a.dump();
  for (const char* s : {"ams", "nyc"}) {
    EXPECT_TRUE(wait_rendered(s, "ROLE", "read-only", 5s)) << read_file(output_path(s));
  }
  ASSERT_TRUE(wait_until(
      [&] { return lag("eu-west-1", "us-east-1").value("current_ms", 0) > lag_at_switch + 300; },
      5s, 50ms))
      << "the lag did not keep growing: " << group().dump(2);
  g = group();
  EXPECT_EQ(move_phase(), "paused") << g.dump(2);
  EXPECT_NE(g.value("primary_reason", "").find("no canary written"), std::string::npos)
      << g.dump(2);

  lab("resume-replication", "eu-west-1");
  // Bounded by the planner's own rule: 10x the recent maximum lag after the
  // pause, plus time for the canary and a few ticks.
  bool moved = false;
  for (;;) {
    g = group();
    if (g.value("primary", "") == "us-east-1" &&
        g.value("move", json::object()).value("phase", "") == "none") {
      moved = true;
      break;
    }
    const auto max_lag =
        std::chrono::milliseconds(lag("eu-west-1", "us-east-1").value("max_ms", 0));
    if (Steady::now() > switch_at + 10 * max_lag + 5s || Steady::now() > switch_at + 60s) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(moved) << g.dump(2);
  ASSERT_EQ(g.value("assignments", json::array()).size(), 2u) << g.dump(2);
  for (const json& a : g["assignments"]) {
    EXPECT_EQ(a.value("role", ""), "read-write") << a.dump();
    EXPECT_EQ(a.value("write_region", ""), "us-east-1") << a.dump();
  }
  for (const char* s : {"ams", "nyc"}) {
    EXPECT_TRUE(wait_rendered(s, "WRITE_REGION", "us-east-1", 5s)) << read_file(output_path(s));
    EXPECT_TRUE(wait_rendered(s, "ROLE", "read-write", 5s)) << read_file(output_path(s));
  }

  // Every step in the history, in order.
  const json command = find_event("command", {"writes of shop move to us-east-1"});
  const json paused =
      find_event("plan", {"shop writes -> eu-west-1: writes paused for the move from eu-west-1 "
                          "to us-east-1"});
  const json switched = find_event(
      "plan", {"shop writes -> us-east-1: moved from eu-west-1 to us-east-1 by the operator",
               "writes resume next"});
  const json resumed = find_event(
      "plan", {"shop writes -> us-east-1: moved from eu-west-1 to us-east-1 by the operator",
               "writes resumed"});
  ASSERT_FALSE(command.is_null() || paused.is_null() || switched.is_null() || resumed.is_null())
      << api_get("/api/v1/history?limit=1000");
  EXPECT_NE(command.value("message", "").find("it-test"), std::string::npos) << command.dump();
  EXPECT_LT(command["id"], paused["id"]);
  EXPECT_LT(paused["id"], switched["id"]);
  EXPECT_LT(switched["id"], resumed["id"]);
}

// The controller's end of the agent protocol, spoken by the test as an agent
// would: unsigned, badly signed and replayed reports are refused and counted;
// a valid one is answered with the site's signed assignment.
TEST_F(DataPlane, AgentReportsAreAuthenticated) {
  ASSERT_NO_FATAL_FAILURE(start_world(/*with_agents=*/false));
  core::SystemClock clock;

  auto report = [&](const std::string& nonce) {
    api::AgentReport r;
    r.agent = "ams-agent";
    r.site = "ams";
    r.sent_at_ms = core::to_ms(clock.now());
    r.nonce = nonce;
    core::Observation o;
    o.target = "ams/web";
    o.ok = true;
    o.latency = core::Duration{3};
    o.detail = "status 200";
    o.at = clock.now();
    r.observations.push_back(o);
    r.healthy = true;
    return r;
  };
  auto post = [&](const std::string& body, const std::string& timestamp,
                  const std::string& signature) {
    net::ClientRequest req;
    req.method = "POST";
    req.host = "127.0.0.1";
    req.port = ports_.api;
    req.target = api::kAgentReportPath;
    req.body = body;
    req.headers = {{"Content-Type", "application/json"},
                   {api::kAgentHeader, "ams-agent"},
                   {api::kTimestampHeader, timestamp}};
    if (!signature.empty()) req.headers.push_back({api::kSignatureHeader, signature});
    req.timeout = 3s;
    return net::http_request_sync(req);
  };

  // Signed with another key.
  api::AgentReport bad = report("it-nonce-bad-signature");
  std::string body = api::encode_report(bad);
  std::string ts = std::to_string(bad.sent_at_ms);
  net::ClientResult r = post(body, ts, api::sign_body("not-the-agent-key", ts, body));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 401) << r.body;

  // Not signed at all.
  api::AgentReport unsigned_report = report("it-nonce-unsigned");
  body = api::encode_report(unsigned_report);
  ts = std::to_string(unsigned_report.sent_at_ms);
  r = post(body, ts, "");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 401) << r.body;

  // Valid: the answer is the site's assignment, signed with the agent's key.
  api::AgentReport good = report("it-nonce-valid-report");
  body = api::encode_report(good);
  ts = std::to_string(good.sent_at_ms);
  const std::string signature = api::sign_body(kAgentKey, ts, body);
  r = post(body, ts, signature);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      api::verify_body(kAgentKey, r.headers["x-drpilot-timestamp"],
                       r.headers["x-drpilot-signature"], r.body, clock.now(), api::kMaxClockSkew),
      "");
  std::string error;
  auto assigned = api::parse_assignment(r.body, error);
  ASSERT_TRUE(assigned) << error << "\n" << r.body;
  EXPECT_EQ(assigned->site, "ams");
  ASSERT_TRUE(assigned->groups.count("shop")) << r.body;
  EXPECT_EQ(assigned->groups["shop"].data_region, "eu-west-1");
  EXPECT_EQ(assigned->groups["shop"].write_region, "eu-west-1");
  EXPECT_EQ(assigned->groups["shop"].role, core::DataRole::read_write);
  EXPECT_EQ(assigned->generation, generation());
  // Its observation counts as the agent's vantage.
  EXPECT_EQ(vantage("ams", "ams/web", "ams-agent").value("detail", ""), "status 200");

  // The same request again, byte for byte: a replay.
  r = post(body, ts, signature);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find("replay"), std::string::npos) << r.body;

  // Only the replay counts against the agent: the two that did not verify
  // could have come from anyone, and change nothing in its status.
  const json agent = agent_status("ams-agent");
  EXPECT_EQ(agent.value("refused", -1), 1) << agent.dump(2);
  EXPECT_EQ(agent.value("reports", -1), 1) << agent.dump(2);
  EXPECT_NE(agent.value("last_refusal", "").find("replay"), std::string::npos) << agent.dump(2);
}

}  // namespace
}  // namespace drpilot::testing
