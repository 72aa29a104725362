// The cluster under real partitions: three etcd members, three
// `drpilot run --member` controllers and the lab's two sites, each in a
// network namespace of its own (support/net_lab.h), with links cut by
// iptables and nodes taken off the bridge. The provider is a recording
// webhook receiver on the host that every controller reaches.
//
// Every scenario is checked against the cluster's invariants:
//   - fencing: the provider sees terms that never decrease, so no write of a
//     term arrives after a newer term's first write (TermLedger);
//   - never two acting leaders (/healthz/leader watched all along);
//   - no acknowledged operator command lost;
//   - all controllers' DNS answers agree within 2 s of a change (those cut
//     off from etcd excepted: they keep the last plan they know);
//   - after a takeover no answer names a site that every vantage sees down.
//
// Skips, saying why, where namespaces cannot be made (not root).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cluster_settings.h"
#include "net/http.h"
#include "providers/webhook.h"
#include "support/etcd_cluster.h"
#include "support/net_lab.h"
#include "support/process.h"
#include "support/served_http.h"
#include "support/term_ledger.h"

namespace drpilot {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

const std::vector<std::string> kMembers = {"alpha", "bravo", "charlie"};
const std::vector<std::string> kSites = {"ams", "nyc"};
// Every node has a namespace of its own, so the ports are fixed.
constexpr std::uint16_t kApiPort = 8080;
constexpr std::uint16_t kDnsPort = 53;
constexpr std::uint16_t kSitePort = 8080;
constexpr std::uint16_t kLabControlPort = 8079;
const std::string kWebhookKey = "partition-webhook-key-0123456789";
const std::string kName = "www.example.test";

struct Reply {
  int status = 0;
  std::string body;
};

Reply http(const std::string& host, const std::string& method, const std::string& path,
           const std::string& body = "", std::chrono::milliseconds timeout = 2s) {
  net::ClientRequest req;
  req.host = host;
  req.port = kApiPort;
  req.method = method;
  req.target = path;
  req.timeout = timeout;
  req.body = body;
  if (!body.empty()) req.headers.push_back({"Content-Type", "application/json"});
  req.headers.push_back({"Authorization", "Bearer test-operator-token"});
  net::ClientResult r = net::http_request_sync(req);
  return r.ok ? Reply{r.status, r.body} : Reply{};
}

// Watches every member's /healthz/leader from its own thread and notes any
// round of polls in which two members answered 200.
class LeaderWatch {
 public:
  explicit LeaderWatch(std::vector<std::string> hosts) : hosts_(std::move(hosts)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        std::vector<std::string> acting;
        for (std::size_t i = 0; i < hosts_.size(); ++i) {
          if (http(hosts_[i], "GET", "/healthz/leader", "", 300ms).status == 200) {
            acting.push_back(kMembers[i]);
          }
        }
        if (acting.size() > 1) {
          std::lock_guard lock(mutex_);
          seen_.push_back(acting[0] + " and " + acting[1] + " both acted as leader");
        }
        std::this_thread::sleep_for(50ms);
      }
    });
  }
  ~LeaderWatch() {
    stop_ = true;
    thread_.join();
  }
  std::vector<std::string> two_leaders() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  std::vector<std::string> hosts_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::string> seen_;
  std::thread thread_;
};

class ClusterPartitionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    skip_ = testing::NetLab::unavailable();
    if (skip_.empty() && !testing::EtcdCluster::installed()) skip_ = "etcd is not installed";
    if (skip_.empty() && !testing::have_program("dig")) skip_ = "dig (dnsutils) is not installed";
    if (!skip_.empty()) return;
    net_ = new testing::NetLab();
    if (!net_->ok()) return;
    etcd_ = new testing::EtcdCluster(3, *net_);
    for (const std::string& m : kMembers) net_->add(m);
    for (const std::string& s : kSites) net_->add(s);
  }
  static void TearDownTestSuite() {
    delete etcd_;  // its members run in the lab's namespaces
    etcd_ = nullptr;
    delete net_;
    net_ = nullptr;
  }

  void SetUp() override {
    if (!skip_.empty()) {
      GTEST_SKIP() << skip_;
    }
    ASSERT_TRUE(net_->ok()) << net_->why();
    ASSERT_TRUE(etcd_->ok()) << etcd_->why();
    net_->heal_all();
    ASSERT_EQ(etcd_->restart_stopped(), "");
    dir_ = testing::make_temp_dir("drpilot-cluster-partition");
    prefix_ =
        "/" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "/";
    for (const std::string& m : kMembers) hosts_.push_back(net_->address(m));

    recorder_ = std::make_unique<testing::ServedHttp>(
        [this](const net::ServerRequest& req, net::Responder respond) {
          net::ServerResponse r;
          auto ts = req.headers.find("x-drpilot-timestamp");
          auto sig = req.headers.find("x-drpilot-signature");
          json body = json::parse(req.body, nullptr, false);
          // As a receiver must: unsigned or badly signed deliveries are refused.
          if (ts == req.headers.end() || sig == req.headers.end() ||
              sig->second != providers::webhook_signature(kWebhookKey, ts->second, req.body) ||
              body.is_discarded()) {
            r.status = 401;
            r.body = R"({"error":"bad signature"})";
          } else {
            ledger_.add({Steady::now(), body.value("term", std::int64_t{0}),
                         body.value("generation", std::uint64_t{0}),
                         body.value("leader", std::string())});
            r.body = "{}";
          }
          respond(std::move(r));
        },
        net::ServerOptions{}, net_->host_address());

    config_ = dir_ + "/cluster.yaml";
    testing::write_file(config_, controller_text());
    ::chmod(config_.c_str(), 0600);  // it holds the webhook's key
    for (const std::string& site : kSites) {
      const std::string file = dir_ + "/lab-" + site + ".yaml";
      testing::write_file(file, lab_text(site));
      labs_.push_back(std::make_unique<testing::Process>(
          net_->in(site, {DRPILOT_BINARY, "lab", "-c", file}), dir_ + "/lab-" + site + ".log"));
    }
    for (const std::string& site : kSites) {
      ASSERT_TRUE(testing::wait_until(
          [&] {
            return testing::run_command(
                       {DRPILOT_BINARY, "lab", "--control", lab_control(site), "status"})
                       .exit_code == 0;
          },
          10s, 50ms))
          << labs_.back()->log();
    }
    controllers_.resize(kMembers.size());
    for (std::size_t i = 0; i < kMembers.size(); ++i) start(i);
    watch_ = std::make_unique<LeaderWatch>(hosts_);
  }

  void TearDown() override {
    if (watch_) {
      for (const std::string& w : watch_->two_leaders()) ADD_FAILURE() << w;
      watch_.reset();
    }
    if (recorder_) {
      for (const std::string& v : ledger_.violations()) {
        ADD_FAILURE() << "fencing broken: " << v;
      }
    }
    for (std::size_t i = 0; i < controllers_.size(); ++i) {
      if (controllers_[i] && HasFailure()) {
        std::cerr << "---- " << kMembers[i] << " ----\n" << controllers_[i]->log() << "\n";
      }
      controllers_[i].reset();
    }
    labs_.clear();
    recorder_.reset();
    if (net_) net_->heal_all();
    if (!dir_.empty()) testing::remove_tree(dir_);
  }

  std::string site_address(const std::string& site) const { return net_->address(site); }
  std::string lab_control(const std::string& site) const {
    return site_address(site) + ":" + std::to_string(kLabControlPort);
  }

  // The settings the controllers and the labs share.
  std::string base_text() const {
    std::ostringstream c;
    c << testing::cluster_settings(kSitePort) << "sites:\n";
    for (std::size_t i = 0; i < kSites.size(); ++i) {
      c << "  - name: " << kSites[i] << "\n    endpoints: [" << site_address(kSites[i])
        << "]\n    priority: " << i + 1 << "\n    checks: [web]\n";
    }
    c << "records:\n  - name: " << kName << "\n    ttl: 30\n    sites: [ams, nyc]\n";
    return c.str();
  }

  std::string controller_text() const {
    std::ostringstream c;
    c << base_text() << "providers:\n  - name: recorder\n    type: webhook\n"
      << "    endpoint: http://" << net_->host_address() << ":" << recorder_->port() << "/hook\n"
      << "    token: " << kWebhookKey << "\n"
      << "cluster:\n  members:\n";
    for (std::size_t i = 0; i < kMembers.size(); ++i) {
      c << "    - name: " << kMembers[i] << "\n      api: http://" << hosts_[i] << ":" << kApiPort
        << "\n      dns: [" << hosts_[i] << ":" << kDnsPort << "]\n      journal: " << kMembers[i]
        << ".db\n";
    }
    c << "  etcd:\n    prefix: " << prefix_ << "\n    lease_ttl: 2s\n    timeout: 500ms\n"
      << "    endpoints: [";
    for (int i = 0; i < etcd_->size(); ++i) c << (i ? ", " : "") << etcd_->endpoint(i);
    c << "]\n";
    return c.str();
  }

  std::string lab_text(const std::string& site) const {
    return base_text() + "lab:\n  control: " + lab_control(site) +
           "\n  sites:\n    - name: " + site + "\n      listen: " + site_address(site) + ":" +
           std::to_string(kSitePort) + "\n";
  }

  void start(std::size_t i) {
    controllers_[i] = std::make_unique<testing::Process>(
        net_->in(kMembers[i], {DRPILOT_BINARY, "run", "-c", config_, "--member", kMembers[i]}),
        dir_ + "/" + kMembers[i] + ".log");
    ASSERT_TRUE(testing::wait_until(
        [&] { return http(hosts_[i], "GET", "/healthz").status == 200; }, 10s, 50ms))
        << controllers_[i]->log();
  }

  bool up(std::size_t i) { return controllers_[i] && controllers_[i]->running(); }

  std::vector<std::size_t> leaders() {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < kMembers.size(); ++i) {
      if (up(i) && http(hosts_[i], "GET", "/healthz/leader", "", 500ms).status == 200) {
        out.push_back(i);
      }
    }
    return out;
  }
  // Waits until exactly one member leads (not `except`); its index, or -1.
  int wait_for_one_leader(std::chrono::milliseconds within, int except = -1) {
    int leader = -1;
    testing::wait_until(
        [&] {
          auto l = leaders();
          leader = l.size() == 1 && static_cast<int>(l[0]) != except ? static_cast<int>(l[0]) : -1;
          return leader >= 0;
        },
        within, 50ms);
    return leader;
  }

  json status(std::size_t i) {
    return json::parse(http(hosts_[i], "GET", "/api/v1/status").body, nullptr, false);
  }
  std::int64_t term_of(std::size_t i) {
    const json s = status(i);
    return s.is_object() ? s["cluster"].value("term", std::int64_t{0}) : 0;
  }
  std::vector<std::string> dig(std::size_t i) {
    return testing::dig_short_at(hosts_[i], kDnsPort, kName);
  }

  // Waits (up to `within`) until some controller answers exactly the site
  // `site`, then gives every other running controller not in `except` 2 s to
  // answer the same. Says which did not.
  ::testing::AssertionResult all_move_to(const std::string& site, std::chrono::milliseconds within,
                                         const std::set<std::size_t>& except = {}) {
    const std::vector<std::string> want{site_address(site)};
    std::set<std::size_t> pending;
    for (std::size_t i = 0; i < kMembers.size(); ++i) {
      if (up(i) && !except.count(i)) pending.insert(i);
    }
    const bool first = testing::wait_until(
        [&] {
          for (std::size_t i : pending) {
            if (dig(i) == want) return true;
          }
          return false;
        },
        within, 50ms);
    if (!first) return ::testing::AssertionFailure() << "no controller answered " << site;
    testing::wait_until(
        [&] {
          for (auto it = pending.begin(); it != pending.end();) {
            it = dig(*it) == want ? pending.erase(it) : std::next(it);
          }
          return pending.empty();
        },
        2s, 50ms);
    if (pending.empty()) return ::testing::AssertionSuccess();
    ::testing::AssertionResult r = ::testing::AssertionFailure();
    r << "within 2 s of the first answer naming " << site << ", still otherwise:";
    for (std::size_t i : pending) r << " " << kMembers[i] << " answers " << json(dig(i)).dump();
    return r;
  }
  // Every member in `who` answers `site`, now.
  ::testing::AssertionResult answering(const std::string& site, const std::set<std::size_t>& who) {
    for (std::size_t i : who) {
      const std::vector<std::string> got = dig(i);
      if (got != std::vector<std::string>{site_address(site)}) {
        return ::testing::AssertionFailure()
               << kMembers[i] << " answers " << json(got).dump() << ", not " << site;
      }
    }
    return ::testing::AssertionSuccess();
  }
  std::set<std::size_t> running() {
    std::set<std::size_t> out;
    for (std::size_t i = 0; i < kMembers.size(); ++i) {
      if (up(i)) out.insert(i);
    }
    return out;
  }

  json stored_state() {
    testing::CommandResult r = etcd_->etcdctl({"get", prefix_ + "state", "--print-value-only"});
    return json::parse(r.output, nullptr, false);
  }

  void lab(const std::string& action, const std::string& site) {
    testing::CommandResult r =
        testing::run_command({DRPILOT_BINARY, "lab", "--control", lab_control(site), action, site});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  // The steady start of every scenario: one leader, every DNS on ams, and
  // the leader's first write recorded.
  int settled() {
    const int leader = wait_for_one_leader(15s);
    if (leader < 0) return -1;
    if (!all_move_to("ams", 10s)) return -1;
    const std::int64_t term = term_of(static_cast<std::size_t>(leader));
    if (!testing::wait_until([&] { return ledger_.first_above(term - 1).has_value(); }, 10s, 50ms))
      return -1;
    return leader;
  }

  static std::string skip_;
  static testing::NetLab* net_;
  static testing::EtcdCluster* etcd_;
  std::string dir_, prefix_, config_;
  std::vector<std::string> hosts_;
  testing::TermLedger ledger_;
  std::unique_ptr<testing::ServedHttp> recorder_;
  std::vector<std::unique_ptr<testing::Process>> labs_;
  std::vector<std::unique_ptr<testing::Process>> controllers_;
  std::unique_ptr<LeaderWatch> watch_;
};

std::string ClusterPartitionTest::skip_;
testing::NetLab* ClusterPartitionTest::net_ = nullptr;
testing::EtcdCluster* ClusterPartitionTest::etcd_ = nullptr;

TEST_F(ClusterPartitionTest, ALeaderKilledHardIsReplacedAndOnlyTheNewTermWrites) {
  const int first = settled();
  ASSERT_GE(first, 0);
  const std::int64_t first_term = term_of(first);
  controllers_[first]->kill_hard();
  const int second = wait_for_one_leader(15s);
  ASSERT_GE(second, 0);
  ASSERT_NE(second, first);
  lab("break", "ams");
  EXPECT_TRUE(all_move_to("nyc", 10s));
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto w = ledger_.first_above(first_term);
        return w && w->leader == kMembers[second];
      },
      10s, 50ms));
  // The old leader comes back and follows; it writes nothing.
  start(first);
  EXPECT_TRUE(testing::wait_until([&] { return dig(first) == dig(second); }, 10s, 50ms));
  EXPECT_EQ(leaders(), std::vector<std::size_t>{static_cast<std::size_t>(second)});
}

TEST_F(ClusterPartitionTest, ALeaderPausedBeyondItsLeaseWakesUpDeposedAndWritesNothing) {
  const int first = settled();
  ASSERT_GE(first, 0);
  const std::int64_t first_term = term_of(first);
  controllers_[first]->signal(SIGSTOP);
  // (A paused member does not answer: it never counts as leading.)
  const int second = wait_for_one_leader(15s, first);
  ASSERT_GE(second, 0);
  lab("break", "ams");
  ASSERT_TRUE(
      testing::wait_until([&] { return ledger_.first_above(first_term).has_value(); }, 10s, 50ms));
  const Steady::time_point woken = Steady::now();
  controllers_[first]->signal(SIGCONT);
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const json f = status(first);
        return f.is_object() && f["cluster"]["role"] == "follower" &&
               f["cluster"]["term"] == term_of(second);
      },
      10s, 100ms))
      << status(first)["cluster"].dump();
  EXPECT_TRUE(all_move_to("nyc", 5s));
  // Time for a woken leader that still believed itself in charge to write.
  std::this_thread::sleep_for(1s);
  for (const testing::ProviderWrite& w : ledger_.writes()) {
    EXPECT_FALSE(w.at > woken && w.term <= first_term)
        << "the woken leader wrote generation " << w.generation << " of term " << w.term;
  }
  EXPECT_EQ(leaders(), std::vector<std::size_t>{static_cast<std::size_t>(second)});
}

TEST_F(ClusterPartitionTest, ALeaderCutFromTheEtcdMajorityStepsDownAndStillAnswersClients) {
  const int first = settled();
  ASSERT_GE(first, 0);
  const std::int64_t first_term = term_of(first);
  // The leader and one etcd member on one side; the two other etcd members
  // and the two other controllers on the other. Everyone still reaches the
  // host (DNS clients, the provider) and the sites.
  const std::string leader = kMembers[first];
  for (int e = 1; e < etcd_->size(); ++e) {
    net_->cut(leader, "etcd" + std::to_string(e));
    net_->cut("etcd0", "etcd" + std::to_string(e));
  }
  std::set<std::size_t> others;
  for (std::size_t i = 0; i < kMembers.size(); ++i) {
    if (static_cast<int>(i) == first) continue;
    others.insert(i);
    net_->cut(leader, kMembers[i]);
    net_->cut("etcd0", kMembers[i]);
  }
  const int second = wait_for_one_leader(15s, first);
  ASSERT_GE(second, 0) << status(first)["cluster"].dump();
  const json cut = status(first);
  EXPECT_NE(cut["cluster"]["role"], "leader") << cut["cluster"].dump();
  EXPECT_NE(cut["cluster"].value("etcd_error", ""), "") << cut["cluster"].dump();

  // A failure now: the majority side fails over; the cut-off member keeps
  // answering the last plan it knows.
  lab("break", "ams");
  EXPECT_TRUE(all_move_to("nyc", 10s, {static_cast<std::size_t>(first)}));
  EXPECT_TRUE(answering("ams", {static_cast<std::size_t>(first)}));
  auto written = ledger_.first_above(first_term);
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(written->leader, kMembers[second]);

  // Healed: it follows the leader and serves its plan.
  net_->heal_all();
  EXPECT_TRUE(testing::wait_until([&] { return answering("nyc", running()); }, 10s, 100ms))
      << answering("nyc", running()).message();
  const int after = wait_for_one_leader(10s);
  EXPECT_GE(after, 0);
  EXPECT_TRUE(testing::wait_until(
      [&] {
        const json f = status(first);
        return f.is_object() && f["cluster"]["role"] == "follower" &&
               f["cluster"]["term"] == term_of(after);
      },
      10s, 100ms))
      << status(first)["cluster"].dump();
}

TEST_F(ClusterPartitionTest, ALeaderCutOffFromOneSiteMovesNothing) {
  const int first = settled();
  ASSERT_GE(first, 0);
  const std::size_t writes = ledger_.size();
  net_->cut(kMembers[first], "ams");
  // The leader's own checks see ams down; the two followers see it up.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const json s = status(first);
        if (!s.is_object()) return false;
        for (const json& site : s["sites"]) {
          if (site["name"] != "ams") continue;
          std::map<std::string, std::string> seen;
          for (const json& v : site["checks"][0]["vantages"]) {
            if (v["fresh"] == true) seen[v["vantage"]] = v["state"];
          }
          return seen.size() == 3 && seen[kMembers[first]] == "down";
        }
        return false;
      },
      10s, 100ms))
      << status(first)["sites"].dump();
  // Long enough for a plan (fall 3 at 100 ms, then the planner): one
  // vantage of three is no quorum, so nothing moves.
  std::this_thread::sleep_for(2s);
  EXPECT_TRUE(answering("ams", running()));
  EXPECT_EQ(ledger_.size(), writes);
  const json s = status(first);
  for (const json& site : s["sites"]) {
    if (site["name"] == "ams") {
      EXPECT_EQ(site["verdict"], "up") << site.dump();
    }
  }
  // And it still acts on a real failure.
  lab("break", "ams");
  EXPECT_TRUE(all_move_to("nyc", 10s));
}

TEST_F(ClusterPartitionTest, OneEtcdMemberCutOffChangesNothing) {
  const int leader = settled();
  ASSERT_GE(leader, 0);
  const std::int64_t term = term_of(leader);
  // Not etcd's own leader: losing that one is a raft election, a second of
  // unavailability a 2 s lease may not ride out.
  const int raft_leader = etcd_->raft_leader();
  net_->unplug("etcd" + std::to_string(raft_leader == 0 ? 1 : 0));
  lab("break", "ams");
  EXPECT_TRUE(all_move_to("nyc", 10s));
  EXPECT_EQ(leaders(), std::vector<std::size_t>{static_cast<std::size_t>(leader)});
  EXPECT_EQ(term_of(leader), term);
}

TEST_F(ClusterPartitionTest, WithoutEtcdsQuorumNothingChangesAndItContinuesWhenItIsBack) {
  const int leader = settled();
  ASSERT_GE(leader, 0);
  net_->unplug("etcd1");
  net_->unplug("etcd2");
  EXPECT_TRUE(testing::wait_until([&] { return leaders().empty(); }, 10s, 100ms));
  const std::size_t writes = ledger_.size();
  lab("break", "ams");
  // Long enough for three failed checks and a plan: a controller acting
  // alone would have moved by now.
  std::this_thread::sleep_for(2s);
  EXPECT_TRUE(answering("ams", running()));
  EXPECT_TRUE(leaders().empty());
  EXPECT_EQ(ledger_.size(), writes);
  net_->heal_all();
  EXPECT_GE(wait_for_one_leader(20s), 0);
  EXPECT_TRUE(all_move_to("nyc", 15s));
}

TEST_F(ClusterPartitionTest, ASiteThatFailsDuringATakeoverIsFailedOver) {
  const int first = settled();
  ASSERT_GE(first, 0);
  const std::int64_t first_term = term_of(first);
  controllers_[first]->kill_hard();
  lab("break", "ams");
  EXPECT_TRUE(all_move_to("nyc", 15s));
  const int second = wait_for_one_leader(5s);
  ASSERT_GE(second, 0);
  EXPECT_GT(term_of(second), first_term);
  // Every vantage sees ams down: no answer names it afterwards.
  std::this_thread::sleep_for(1s);
  EXPECT_TRUE(answering("nyc", running()));
}

TEST_F(ClusterPartitionTest, ACommandAcknowledgedJustBeforeTheLeaderDiesIsKept) {
  const int first = settled();
  ASSERT_GE(first, 0);
  const Reply r = http(hosts_[first], "POST", "/api/v1/commands/drain",
                       R"({"site":"ams","who":"test","why":"maintenance"})");
  ASSERT_EQ(r.status, 200) << r.body;
  controllers_[first]->kill_hard();
  const int second = wait_for_one_leader(15s);
  ASSERT_GE(second, 0);
  ASSERT_NE(second, first);
  EXPECT_TRUE(all_move_to("nyc", 10s));
  const json s = status(second);
  EXPECT_EQ(s["overrides"]["drained"], json({"ams"})) << s["overrides"].dump();
  EXPECT_EQ(stored_state()["overrides"]["drained"], json({"ams"}));
}

}  // namespace
}  // namespace drpilot
