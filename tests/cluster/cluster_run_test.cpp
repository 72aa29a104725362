// Three `drpilot run --member` controllers on loopback, one real three-member
// etcd and the lab's sites: one leader acts, every controller's DNS answers
// with its plan, a killed leader is replaced within seconds and its
// successor continues the plan's numbering, operator commands go to the
// leader and are acknowledged once the cluster stored them, and losing
// etcd's quorum stops every change while DNS keeps answering.

#include <glob.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cluster_settings.h"
#include "net/http.h"
#include "support/etcd_cluster.h"
#include "support/process.h"

namespace drpilot {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::vector<std::string> kMembers = {"alpha", "bravo", "charlie"};

struct Reply {
  int status = 0;
  std::string body;
};

Reply http(std::uint16_t port, const std::string& method, const std::string& path,
           const std::string& body = "") {
  net::ClientRequest req;
  req.host = "127.0.0.1";
  req.port = port;
  req.method = method;
  req.target = path;
  req.timeout = 2s;
  req.body = body;
  if (!body.empty()) req.headers.push_back({"Content-Type", "application/json"});
  req.headers.push_back({"Authorization", "Bearer test-operator-token"});
  net::ClientResult r = net::http_request_sync(req);
  return r.ok ? Reply{r.status, r.body} : Reply{};
}

class ClusterRunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { etcd_ = new testing::EtcdCluster(3); }
  static void TearDownTestSuite() {
    delete etcd_;
    etcd_ = nullptr;
  }

  void SetUp() override {
    if (!testing::EtcdCluster::installed()) GTEST_SKIP() << "etcd is not installed";
    if (!testing::have_program("dig")) GTEST_SKIP() << "dig (dnsutils) is not installed";
    ASSERT_TRUE(etcd_->ok()) << etcd_->why();
    ASSERT_EQ(etcd_->restart_stopped(), "");
    dir_ = testing::make_temp_dir("drpilot-cluster-run");
    prefix_ =
        "/" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "/";
    // The lab's control, then each member's API and DNS: all different.
    const std::vector<std::uint16_t> ports = testing::free_ports(1 + 2 * kMembers.size());
    control_ = ports[0];
    do {
      site_port_ = testing::free_port("127.0.0.11");
    } while (!testing::free_port_on("127.0.0.12", site_port_));
    for (std::size_t i = 0; i < kMembers.size(); ++i) {
      api_.push_back(ports[1 + 2 * i]);
      dns_.push_back(ports[2 + 2 * i]);
    }
    config_ = dir_ + "/cluster.yaml";
    testing::write_file(config_, config_text());
    lab_ = std::make_unique<testing::Process>(
        std::vector<std::string>{DRPILOT_BINARY, "lab", "-c", config_}, dir_ + "/lab.log");
    ASSERT_TRUE(testing::wait_until(
        [&] {
          return testing::run_command({DRPILOT_BINARY, "lab", "--control",
                                       "127.0.0.1:" + std::to_string(control_), "status"})
                     .exit_code == 0;
        },
        10s, 50ms))
        << lab_->log();
    for (std::size_t i = 0; i < kMembers.size(); ++i) start(i);
  }

  void TearDown() override {
    for (std::size_t i = 0; i < controllers_.size(); ++i) {
      if (controllers_[i] && HasFailure()) {
        std::cerr << "---- " << kMembers[i] << " ----\n" << controllers_[i]->log() << "\n";
      }
      controllers_[i].reset();
    }
    lab_.reset();
    if (!dir_.empty()) testing::remove_tree(dir_);
  }

  std::string config_text() const {
    std::ostringstream c;
    c << testing::cluster_settings(site_port_) << "sites:\n"
      << "  - name: ams\n    endpoints: [127.0.0.11]\n    priority: 1\n    checks: [web]\n"
      << "  - name: nyc\n    endpoints: [127.0.0.12]\n    priority: 2\n    checks: [web]\n"
      << "records:\n  - name: www.example.test\n    ttl: 30\n    sites: [ams, nyc]\n"
      // A change is vetoed while the file `veto` exists.
      << "hooks:\n  veto_retry: 1s\n  pre_change:\n    - command: [sh, -c, 'test ! -e " << dir_
      << "/veto']\n      timeout: 2s\n"
      << "cluster:\n  members:\n";
    for (std::size_t i = 0; i < kMembers.size(); ++i) {
      c << "    - name: " << kMembers[i] << "\n      api: http://127.0.0.1:" << api_[i]
        << "\n      dns: [127.0.0.1:" << dns_[i] << "]\n      journal: " << kMembers[i] << ".db\n";
    }
    c << "  etcd:\n    prefix: " << prefix_ << "\n    lease_ttl: 2s\n    timeout: 500ms\n"
      << "    endpoints: [";
    for (int i = 0; i < etcd_->size(); ++i) c << (i ? ", " : "") << etcd_->endpoint(i);
    c << "]\n"
      << "lab:\n  control: 127.0.0.1:" << control_ << "\n  sites:\n"
      << "    - name: ams\n      listen: 127.0.0.11:" << site_port_ << "\n"
      << "    - name: nyc\n      listen: 127.0.0.12:" << site_port_ << "\n";
    return c.str();
  }

  // `wrapper`: a command the member runs under (faketime, say).
  void start(std::size_t i, const std::string& config = "", std::vector<std::string> wrapper = {}) {
    if (controllers_.size() <= i) controllers_.resize(i + 1);
    wrapper.insert(wrapper.end(), {DRPILOT_BINARY, "run", "-c", config.empty() ? config_ : config,
                                   "--member", kMembers[i]});
    controllers_[i] =
        std::make_unique<testing::Process>(std::move(wrapper), dir_ + "/" + kMembers[i] + ".log");
    ASSERT_TRUE(testing::wait_until([&] { return http(api_[i], "GET", "/healthz").status == 200; },
                                    10s, 50ms))
        << controllers_[i]->log();
  }

  // The members whose /healthz/leader says 200 (of those running).
  std::vector<std::size_t> leaders() {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < kMembers.size(); ++i) {
      if (controllers_[i] && controllers_[i]->running() &&
          http(api_[i], "GET", "/healthz/leader").status == 200) {
        out.push_back(i);
      }
    }
    return out;
  }
  // Waits until exactly one member leads; its index, or -1.
  int wait_for_one_leader(std::chrono::milliseconds within) {
    int leader = -1;
    testing::wait_until(
        [&] {
          auto l = leaders();
          leader = l.size() == 1 ? static_cast<int>(l[0]) : -1;
          return leader >= 0;
        },
        within, 50ms);
    return leader;
  }

  json status(std::size_t i) {
    return json::parse(http(api_[i], "GET", "/api/v1/status").body, nullptr, false);
  }

  std::vector<std::string> dig(std::size_t i) {
    return testing::dig_short(dns_[i], "www.example.test");
  }
  // Every running controller's DNS answers exactly `address`.
  bool all_answer(const std::string& address, std::chrono::milliseconds within) {
    return testing::wait_until(
        [&] {
          for (std::size_t i = 0; i < kMembers.size(); ++i) {
            if (!controllers_[i] || !controllers_[i]->running()) continue;
            if (dig(i) != std::vector<std::string>{address}) return false;
          }
          return true;
        },
        within, 50ms);
  }

  json stored_state() {
    testing::CommandResult r = etcd_->etcdctl({"get", prefix_ + "state", "--print-value-only"});
    return json::parse(r.output, nullptr, false);
  }

  void lab(const std::string& action, const std::string& site) {
    testing::CommandResult r =
        testing::run_command({DRPILOT_BINARY, "lab", "-c", config_, action, site});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  static testing::EtcdCluster* etcd_;
  std::string dir_, prefix_, config_;
  std::uint16_t control_ = 0, site_port_ = 0;
  std::vector<std::uint16_t> api_, dns_;
  std::unique_ptr<testing::Process> lab_;
  std::vector<std::unique_ptr<testing::Process>> controllers_;
};

testing::EtcdCluster* ClusterRunTest::etcd_ = nullptr;

TEST_F(ClusterRunTest, OneLeaderActsAndEveryMemberServesItsPlan) {
  const int leader = wait_for_one_leader(15s);
  ASSERT_GE(leader, 0);
  ASSERT_TRUE(all_answer("127.0.0.11", 10s));
  const json stored = stored_state();
  ASSERT_TRUE(stored.is_object()) << stored.dump();
  EXPECT_EQ(stored["plan"]["leader"], kMembers[leader]);
  const json leader_status = status(leader);
  EXPECT_EQ(leader_status["cluster"]["role"], "leader");
  EXPECT_EQ(leader_status["cluster"]["acting"], true);
  const std::int64_t term = leader_status["cluster"]["term"].get<std::int64_t>();
  EXPECT_GT(term, 0);
  EXPECT_EQ(stored["plan"]["term"], term);
  for (std::size_t i = 0; i < kMembers.size(); ++i) {
    if (static_cast<int>(i) == leader) continue;
    const json s = status(i);
    EXPECT_EQ(s["cluster"]["role"], "follower") << s["cluster"].dump();
    EXPECT_EQ(s["cluster"]["leader"], kMembers[leader]);
    EXPECT_EQ(s["cluster"]["term"], term);
    EXPECT_EQ(s["cluster"]["leader_api"], "http://127.0.0.1:" + std::to_string(api_[leader]));
    EXPECT_EQ(s["plan"]["generation"], stored["plan"]["generation"]);
    Reply r = http(api_[i], "GET", "/healthz/leader");
    EXPECT_EQ(r.status, 503);
    EXPECT_NE(r.body.find("the leader is " + kMembers[leader]), std::string::npos) << r.body;
  }
  // Every member's checks count in the leader's quorum, fresh.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const json s = status(leader);
        if (!s.is_object() || !s.contains("sites")) return false;
        for (const json& site : s["sites"]) {
          for (const json& check : site["checks"]) {
            std::set<std::string> fresh;
            for (const json& v : check["vantages"]) {
              if (v["fresh"] == true) fresh.insert(v["vantage"].get<std::string>());
            }
            if (fresh != std::set<std::string>(kMembers.begin(), kMembers.end())) return false;
          }
        }
        return true;
      },
      10s, 100ms))
      << status(leader)["sites"].dump();
}

TEST_F(ClusterRunTest, TheLeadersFailoverReachesEveryMembersDns) {
  const int leader = wait_for_one_leader(15s);
  ASSERT_GE(leader, 0);
  ASSERT_TRUE(all_answer("127.0.0.11", 10s));
  lab("break", "ams");
  EXPECT_TRUE(all_answer("127.0.0.12", 10s));
  const json stored = stored_state();
  EXPECT_EQ(stored["plan"]["records"]["www.example.test/A"]["sites"], json({"nyc"}));
}

TEST_F(ClusterRunTest, FollowersServeOnlyWhatTheLeadersHooksLetThrough) {
  const int leader = wait_for_one_leader(15s);
  ASSERT_GE(leader, 0);
  ASSERT_TRUE(all_answer("127.0.0.11", 10s));
  testing::write_file(dir_ + "/veto", "");
  lab("break", "ams");
  // The plan moves to nyc (stored for the next leader), the release does not.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const json s = stored_state();
        return s.is_object() &&
               s["plan"]["records"]["www.example.test/A"]["sites"] == json({"nyc"});
      },
      10s, 50ms));
  const json held = stored_state();
  EXPECT_EQ(held["released"]["records"]["www.example.test/A"]["sites"], json({"ams"}));
  EXPECT_TRUE(all_answer("127.0.0.11", 1s));
  // Allowed: every member serves it.
  ::unlink((dir_ + "/veto").c_str());
  EXPECT_TRUE(all_answer("127.0.0.12", 10s));
  EXPECT_EQ(stored_state()["released"]["generation"], stored_state()["plan"]["generation"]);
}

TEST_F(ClusterRunTest, AKilledLeaderIsReplacedAndTheNumberingGoesOn) {
  const int first = wait_for_one_leader(15s);
  ASSERT_GE(first, 0);
  ASSERT_TRUE(all_answer("127.0.0.11", 10s));
  const std::int64_t first_term = status(first)["cluster"]["term"].get<std::int64_t>();
  const std::uint64_t first_generation = stored_state()["plan"]["generation"].get<std::uint64_t>();

  controllers_[first]->kill_hard();
  const int second = wait_for_one_leader(15s);
  ASSERT_GE(second, 0);
  ASSERT_NE(second, first);
  const json s = status(second);
  EXPECT_GT(s["cluster"]["term"].get<std::int64_t>(), first_term);

  // The new leader acts: a failure is failed over, numbered above the old plan.
  lab("break", "ams");
  ASSERT_TRUE(all_answer("127.0.0.12", 10s));
  const json stored = stored_state();
  EXPECT_EQ(stored["plan"]["leader"], kMembers[second]);
  EXPECT_GT(stored["plan"]["generation"].get<std::uint64_t>(), first_generation);

  // The old leader comes back with its journal and follows.
  start(first);
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const json f = status(first);
        return f.is_object() && f["cluster"]["role"] == "follower" &&
               f["plan"]["generation"] == stored["plan"]["generation"];
      },
      10s, 50ms))
      << status(first).dump();
  EXPECT_TRUE(all_answer("127.0.0.12", 5s));
  EXPECT_EQ(leaders(), std::vector<std::size_t>{static_cast<std::size_t>(second)});
}

TEST_F(ClusterRunTest, ASiteThatFailsDuringATakeoverIsFailedOverByTheNewLeader) {
  const int first = wait_for_one_leader(15s);
  ASSERT_GE(first, 0);
  ASSERT_TRUE(all_answer("127.0.0.11", 10s));
  const std::int64_t first_term = status(first)["cluster"]["term"].get<std::int64_t>();
  controllers_[first]->kill_hard();
  lab("break", "ams");
  // Nobody leads for about the lease; then the new leader's own checks (and
  // the other follower's report) carry the failover.
  EXPECT_TRUE(all_answer("127.0.0.12", 15s));
  const json stored = stored_state();
  EXPECT_GT(stored["plan"]["term"].get<std::int64_t>(), first_term);
  EXPECT_EQ(leaders().size(), 1u);
}

TEST_F(ClusterRunTest, APausedLeaderThatWakesUpFollowsAndWritesNothing) {
  const int first = wait_for_one_leader(15s);
  ASSERT_GE(first, 0);
  ASSERT_TRUE(all_answer("127.0.0.11", 10s));
  const std::int64_t first_term = status(first)["cluster"]["term"].get<std::int64_t>();
  // Paused for longer than its lease (2 s): another member leads meanwhile.
  controllers_[first]->signal(SIGSTOP);
  int second = -1;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        for (std::size_t i = 0; i < kMembers.size(); ++i) {
          if (static_cast<int>(i) != first &&
              http(api_[i], "GET", "/healthz/leader").status == 200) {
            second = static_cast<int>(i);
          }
        }
        return second >= 0;
      },
      15s, 100ms));
  const std::int64_t second_term = status(second)["cluster"]["term"].get<std::int64_t>();
  EXPECT_GT(second_term, first_term);
  lab("break", "ams");
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const json s = stored_state();
        return s.is_object() && s["plan"]["term"] == second_term &&
               s["released"]["records"]["www.example.test/A"]["sites"] == json({"nyc"});
      },
      10s, 50ms));
  // It wakes up: it learns it was deposed, stores nothing, and follows.
  controllers_[first]->signal(SIGCONT);
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const json f = status(first);
        return f.is_object() && f["cluster"]["role"] == "follower" &&
               f["cluster"]["term"] == second_term;
      },
      10s, 100ms))
      << status(first)["cluster"].dump();
  EXPECT_EQ(leaders(), std::vector<std::size_t>{static_cast<std::size_t>(second)});
  EXPECT_EQ(stored_state()["plan"]["term"], second_term);
  EXPECT_TRUE(all_answer("127.0.0.12", 5s));
}

TEST_F(ClusterRunTest, CommandsGoToTheLeaderAndAreStoredBeforeTheyAreAcknowledged) {
  const int leader = wait_for_one_leader(15s);
  ASSERT_GE(leader, 0);
  const std::size_t follower = (static_cast<std::size_t>(leader) + 1) % kMembers.size();
  Reply r = http(api_[follower], "POST", "/api/v1/commands/drain",
                 R"({"site":"ams","who":"test","why":"maintenance"})");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("does not lead the cluster"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("http://127.0.0.1:" + std::to_string(api_[leader])), std::string::npos)
      << r.body;

  // The CLI finds the leader from the configured members.
  testing::CommandResult cli =
      testing::run_command({DRPILOT_BINARY, "drain", "ams", "-c", config_, "--reason", "maint"});
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  // Acknowledged means stored.
  const json stored = stored_state();
  EXPECT_EQ(stored["overrides"]["drained"], json({"ams"})) << stored.dump();
  EXPECT_TRUE(all_answer("127.0.0.12", 10s));
  for (std::size_t i = 0; i < kMembers.size(); ++i) {
    EXPECT_EQ(status(i)["overrides"]["drained"], json({"ams"})) << kMembers[i];
  }
}

TEST_F(ClusterRunTest, LosingOneEtcdMemberChangesNothing) {
  const int leader = wait_for_one_leader(15s);
  ASSERT_GE(leader, 0);
  ASSERT_TRUE(all_answer("127.0.0.11", 10s));
  const std::int64_t term = status(leader)["cluster"]["term"].get<std::int64_t>();
  // A member that is not etcd's own leader (losing that one is a raft
  // election, a second of unavailability that a 2 s lease may not ride
  // out): the first endpoint when it can be, which every member's client
  // talks to until it fails.
  const int raft_leader = etcd_->raft_leader();
  etcd_->kill(raft_leader == 0 ? 1 : 0);
  lab("break", "ams");
  EXPECT_TRUE(all_answer("127.0.0.12", 10s));
  EXPECT_EQ(leaders(), std::vector<std::size_t>{static_cast<std::size_t>(leader)});
  EXPECT_EQ(status(leader)["cluster"]["term"], term);
}

TEST_F(ClusterRunTest, WithoutEtcdsQuorumNothingChangesAndDnsKeepsAnswering) {
  const int leader = wait_for_one_leader(15s);
  ASSERT_GE(leader, 0);
  ASSERT_TRUE(all_answer("127.0.0.11", 10s));
  etcd_->kill(1);
  etcd_->kill(2);
  // The leader steps down within its lease (2 s, and the margins).
  EXPECT_TRUE(testing::wait_until([&] { return leaders().empty(); }, 10s, 100ms));
  // A site fails meanwhile: nobody may act on it; every DNS keeps the last plan.
  lab("break", "ams");
  // Long enough for three failed checks (fall 3 at 100 ms) and a plan: a
  // controller that acted alone would have moved by now.
  std::this_thread::sleep_for(2s);
  EXPECT_TRUE(all_answer("127.0.0.11", 1s));
  EXPECT_TRUE(leaders().empty());
  const json s = status(leader);
  EXPECT_NE(s["cluster"]["etcd_error"], "") << s["cluster"].dump();

  // etcd is back: one leader continues from the stored state and fails over.
  ASSERT_TRUE(etcd_->restart(1)) << etcd_->log(1);
  ASSERT_TRUE(etcd_->restart(2)) << etcd_->log(2);
  EXPECT_GE(wait_for_one_leader(20s), 0);
  EXPECT_TRUE(all_answer("127.0.0.12", 15s));
}

TEST_F(ClusterRunTest, TheLeaderChangesNothingWhileAMemberRunsAnotherConfiguration) {
  const int leader = wait_for_one_leader(15s);
  ASSERT_GE(leader, 0);
  ASSERT_TRUE(all_answer("127.0.0.11", 10s));
  const std::size_t other = (static_cast<std::size_t>(leader) + 1) % kMembers.size();
  const std::string changed = dir_ + "/changed.yaml";
  testing::write_file(changed, config_text() + "# edited on one machine only\n");
  controllers_[other]->kill_hard();
  start(other, changed);
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const json s = status(leader);
        return s.is_object() &&
               s["cluster"].value("disagreement", "").find(kMembers[other] + " runs sha256:") !=
                   std::string::npos;
      },
      10s, 100ms))
      << status(leader)["cluster"].dump();
  EXPECT_TRUE(testing::wait_until(
      [&] {
        const json s = status(leader);
        if (!s.is_object()) return false;
        for (const json& a : s["alerts"]) {
          if (a.get<std::string>().find("members disagree on the configuration") !=
              std::string::npos) {
            return true;
          }
        }
        return false;
      },
      5s, 100ms))
      << status(leader)["alerts"].dump();
  // A failure now is not acted on: every member keeps answering ams.
  lab("break", "ams");
  // Long enough for the checks to judge ams down (fall 3 at 100 ms) and the
  // leader to plan: a leader that acted would have moved every answer by now.
  std::this_thread::sleep_for(2s);
  EXPECT_TRUE(all_answer("127.0.0.11", 1s));
  // The same file again: the leader acts.
  controllers_[other]->kill_hard();
  start(other);
  EXPECT_TRUE(all_answer("127.0.0.12", 15s));
}

// libfaketime, preloaded by `env` so that the member's PID is drpilot's own
// (the faketime command would run it as a child, left behind when killed).
std::string faketime_library() {
  glob_t g{};
  std::string found;
  if (::glob("/usr/lib/*/faketime/libfaketime.so.1", 0, nullptr, &g) == 0 && g.gl_pathc > 0) {
    found = g.gl_pathv[0];
  }
  ::globfree(&g);
  return found;
}

TEST_F(ClusterRunTest, AMemberWhoseClockIsOffIsWarnedAboutAndItsChecksStillCount) {
  const std::string faketime = faketime_library();
  if (faketime.empty()) GTEST_SKIP() << "libfaketime is not installed (apt-get install faketime)";
  const int leader = wait_for_one_leader(15s);
  ASSERT_GE(leader, 0);
  ASSERT_TRUE(all_answer("127.0.0.11", 10s));
  // A follower whose wall clock is 30 s behind (its monotonic clock, which
  // its lease runs on, is untouched).
  const std::size_t late = (static_cast<std::size_t>(leader) + 1) % kMembers.size();
  controllers_[late]->kill_hard();
  start(late, "", {"env", "LD_PRELOAD=" + faketime, "FAKETIME=-30s", "DONT_FAKE_MONOTONIC=1"});
  const std::string warning = kMembers[late] + "'s clock is ";
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const json s = status(leader);
        if (!s.is_object()) return false;
        for (const json& a : s["alerts"]) {
          const std::string text = a.get<std::string>();
          if (text.find(warning) != std::string::npos &&
              text.find(" behind " + kMembers[leader] + "'s") != std::string::npos) {
            return true;
          }
        }
        return false;
      },
      10s, 100ms))
      << status(leader)["alerts"].dump();
  const json offsets = status(leader)["cluster"]["clock_offsets_ms"];
  ASSERT_TRUE(offsets.contains(kMembers[late])) << offsets.dump();
  EXPECT_NEAR(offsets[kMembers[late]].get<double>(), -30'000, 1'000) << offsets.dump();
  // Its results are aged by the leader's clock of receipt: fresh, not 30 s old.
  EXPECT_TRUE(testing::wait_until(
      [&] {
        const json s = status(leader);
        for (const json& site : s["sites"]) {
          for (const json& v : site["checks"][0]["vantages"]) {
            if (v["vantage"] == kMembers[late] && v["fresh"] != true) return false;
          }
        }
        return true;
      },
      5s, 100ms))
      << status(leader)["sites"].dump();
  lab("break", "ams");
  EXPECT_TRUE(all_answer("127.0.0.12", 10s));
}

TEST_F(ClusterRunTest, AMemberThatIsNotInTheClusterIsRefused) {
  testing::CommandResult r =
      testing::run_command({DRPILOT_BINARY, "run", "-c", config_, "--member", "delta"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no member 'delta' in cluster.members (alpha, bravo, charlie)"),
            std::string::npos)
      << r.output;
  r = testing::run_command({DRPILOT_BINARY, "run", "-c", config_});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("--member NAME"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace drpilot
