// Leader election against real etcd members (Debian's etcd-server): one
// leader at a time, terms that only grow, a dead leader replaced once its
// lease expires, a resigning one at once, and a leader that loses etcd
// stops acting within its lease. Each elector stands for a controller; all
// run on the test's loop, and destroying one without resigning is what a
// kill -9 looks like to etcd.

#include "cluster/elector.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "cluster/etcd_client.h"
#include "support/etcd_cluster.h"
#include "support/run_loop.h"

namespace drpilot::cluster {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

class ElectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { etcd_ = new testing::EtcdCluster(1); }
  static void TearDownTestSuite() {
    delete etcd_;
    etcd_ = nullptr;
  }
  void SetUp() override {
    if (!etcd_->ok()) GTEST_SKIP() << etcd_->why();
    // A prefix per test: the suite shares one etcd.
    prefix_ = "/drpilot-test/" +
              std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "/";
  }
  void TearDown() override { electors_.clear(); }

  struct Controller {
    std::unique_ptr<EtcdClient> etcd;
    std::unique_ptr<Elector> elector;
    Leadership seen;
    int changes = 0;
  };

  Controller& start(const std::string& name, std::vector<std::string> endpoints = {}) {
    EtcdOptions eo;
    eo.endpoints = endpoints.empty() ? etcd_->endpoints() : endpoints;
    eo.timeout = 500ms;
    auto& c = electors_[name];
    c = std::make_unique<Controller>();
    c->etcd = std::make_unique<EtcdClient>(loop_, eo);
    ElectorOptions o;
    o.member = name;
    o.prefix = prefix_;
    o.lease_ttl_s = 2;
    o.poll_interval = 100ms;
    Controller* self = c.get();
    c->elector = std::make_unique<Elector>(loop_, *c->etcd, o, [self](const Leadership& l) {
      self->seen = l;
      ++self->changes;
    });
    c->elector->start();
    return *c;
  }

  // Dies without a word: its lease is left to expire.
  void kill(const std::string& name) { electors_.erase(name); }

  // The names of those that think they lead.
  std::vector<std::string> leaders() {
    std::vector<std::string> out;
    for (auto& [name, c] : electors_) {
      if (c->seen.role == Role::leader) out.push_back(name);
    }
    return out;
  }

  bool run_until(const std::function<bool()>& cond, std::chrono::milliseconds limit = 10s) {
    return testing::run_loop_until(loop_, cond, limit, 5ms);
  }

  // Every elector agrees on one leader and its term.
  bool agreed() {
    if (leaders().size() != 1) return false;
    const Controller& l = *electors_[leaders()[0]];
    for (auto& [name, c] : electors_) {
      if (c->seen.leader != l.seen.leader || c->seen.term != l.seen.term) return false;
    }
    return true;
  }

  static testing::EtcdCluster* etcd_;
  std::string prefix_;
  net::Loop loop_;
  std::map<std::string, std::unique_ptr<Controller>> electors_;
};

testing::EtcdCluster* ElectorTest::etcd_ = nullptr;

TEST_F(ElectorTest, ALoneControllerLeadsAndItsTermIsTheKeysCreateRevision) {
  Controller& a = start("ams-ctl");
  ASSERT_TRUE(run_until([&] { return a.seen.role == Role::leader; })) << a.seen.reason;
  EXPECT_EQ(a.seen.leader, "ams-ctl");
  EXPECT_GT(a.seen.term, 0);
  std::int64_t term = 0;
  EXPECT_TRUE(a.elector->guard().check(&term).may_act);
  EXPECT_EQ(term, a.seen.term);
  // What etcd holds: the key, its value, its create revision.
  testing::CommandResult r = etcd_->etcdctl({"get", prefix_ + "leader", "--write-out=fields"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"CreateRevision\" : " + std::to_string(a.seen.term)), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("\"Value\" : \"ams-ctl\""), std::string::npos) << r.output;
}

TEST_F(ElectorTest, OfThreeControllersExactlyOneLeadsAndAllAgree) {
  start("ams-ctl");
  start("nyc-ctl");
  start("sgp-ctl");
  ASSERT_TRUE(run_until([&] { return agreed(); }));
  // And it stays that way: nobody else claims the lead over a few lease
  // renewals (a second claimant would show up within a poll interval).
  const std::string leader = leaders()[0];
  EXPECT_FALSE(run_until([&] { return !agreed(); }, 3s))
      << "the leadership changed with everyone alive";
  EXPECT_EQ(leaders(), std::vector<std::string>{leader});
  for (auto& [name, c] : electors_) {
    std::int64_t term = 0;
    const bool may_act = c->elector->guard().check(&term).may_act;
    EXPECT_EQ(may_act, name == leader) << name;
  }
}

TEST_F(ElectorTest, ADeadLeaderIsReplacedOnceItsLeaseExpiresWithALargerTerm) {
  start("ams-ctl");
  ASSERT_TRUE(run_until([&] { return leaders().size() == 1; }));
  start("nyc-ctl");
  start("sgp-ctl");
  ASSERT_TRUE(run_until([&] { return agreed(); }));
  const std::string old_leader = leaders()[0];
  const std::int64_t old_term = electors_[old_leader]->seen.term;
  kill(old_leader);
  const auto killed = Steady::now();
  ASSERT_TRUE(run_until([&] { return agreed(); }, 15s));
  const auto took = Steady::now() - killed;
  const std::string new_leader = leaders()[0];
  EXPECT_NE(new_leader, old_leader);
  EXPECT_GT(electors_[new_leader]->seen.term, old_term);
  // Not before etcd could have expired the lease (TTL 2 s, counted from the
  // last keep-alive, sent at most a sixth of the TTL before the kill).
  EXPECT_GE(took, 1500ms);
}

TEST_F(ElectorTest, AResigningLeaderHandsOverAtOnce) {
  start("ams-ctl");
  ASSERT_TRUE(run_until([&] { return leaders().size() == 1; }));
  start("nyc-ctl");
  ASSERT_TRUE(run_until([&] { return agreed(); }));
  const std::int64_t old_term = electors_["ams-ctl"]->seen.term;
  bool resigned = false;
  electors_["ams-ctl"]->elector->resign([&] { resigned = true; });
  EXPECT_FALSE(electors_["ams-ctl"]->elector->guard().check().may_act);
  ASSERT_TRUE(run_until([&] { return resigned; }));
  const auto at = Steady::now();
  ASSERT_TRUE(run_until([&] { return electors_["nyc-ctl"]->seen.role == Role::leader; }));
  // Within a poll interval or two, far less than the 2 s TTL.
  EXPECT_LT(Steady::now() - at, 1500ms);
  EXPECT_GT(electors_["nyc-ctl"]->seen.term, old_term);
}

TEST_F(ElectorTest, ADeletedLeaderKeyDeposesTheLeaderAndANewTermBegins) {
  Controller& a = start("ams-ctl");
  ASSERT_TRUE(run_until([&] { return a.seen.role == Role::leader; }));
  const std::int64_t old_term = a.seen.term;
  ASSERT_EQ(etcd_->etcdctl({"del", prefix_ + "leader"}).exit_code, 0);
  ASSERT_TRUE(run_until([&] { return a.seen.role == Role::leader && a.seen.term > old_term; }))
      << a.seen.reason;
}

TEST_F(ElectorTest, OnlyTheLeaderOfTheCurrentTermCanWriteAndADeposedOneLearnsItAtOnce) {
  Controller& a = start("ams-ctl");
  ASSERT_TRUE(run_until([&] { return a.seen.role == Role::leader; }));
  std::optional<std::pair<std::string, bool>> wrote;
  auto record = [&](const std::string& e, bool w) { wrote = std::make_pair(e, w); };
  a.elector->write_as_leader({{prefix_ + "state/plan", "plan of term 1"}}, record);
  ASSERT_TRUE(run_until([&] { return wrote.has_value(); }));
  EXPECT_EQ(*wrote, std::make_pair(std::string(), true));

  // Another controller takes the key behind a's back (as after a's lease
  // expired unnoticed): a's next write is refused, and a steps down.
  Controller& b = start("nyc-ctl");
  ASSERT_TRUE(run_until([&] { return b.seen.role == Role::follower; }));
  ASSERT_EQ(etcd_->etcdctl({"del", prefix_ + "leader"}).exit_code, 0);
  testing::CommandResult put = etcd_->etcdctl({"put", prefix_ + "leader", "nyc-ctl"});
  ASSERT_EQ(put.exit_code, 0) << put.output;
  wrote.reset();
  a.elector->write_as_leader({{prefix_ + "state/plan", "stale plan"}}, record);
  ASSERT_TRUE(run_until([&] { return wrote.has_value(); }));
  EXPECT_EQ(*wrote, std::make_pair(std::string(), false));
  EXPECT_NE(a.seen.role, Role::leader);
  EXPECT_FALSE(a.elector->guard().check().may_act);
  testing::CommandResult get =
      etcd_->etcdctl({"get", prefix_ + "state/plan", "--print-value-only"});
  EXPECT_EQ(get.output, "plan of term 1\n");
}

TEST_F(ElectorTest, UnreachableEtcdMakesNobodyLeadAndNobodyAct) {
  // An endpoint where nothing listens: no lease, no leader, no action.
  Controller& a = start("ams-ctl", {"http://127.0.0.1:" + std::to_string(testing::free_port())});
  ASSERT_TRUE(run_until([&] { return !a.seen.etcd_error.empty(); })) << a.seen.reason;
  EXPECT_NE(a.seen.etcd_error.find("refused"), std::string::npos) << a.seen.etcd_error;
  EXPECT_EQ(a.seen.role, Role::starting);
  EXPECT_FALSE(a.elector->guard().check().may_act);
}

// A leader that loses etcd (the only member paused) stops acting before its
// lease could have expired, steps down, and leads again once etcd is back.
TEST(ElectorEtcdLoss, TheLeaderStopsActingWithinItsLeaseAndLeadsAgainWhenEtcdReturns) {
  testing::EtcdCluster etcd(1);
  if (!etcd.ok()) GTEST_SKIP() << etcd.why();
  net::Loop loop;
  EtcdOptions eo;
  eo.endpoints = etcd.endpoints();
  eo.timeout = 300ms;
  EtcdClient client(loop, eo);
  ElectorOptions o;
  o.member = "ams-ctl";
  o.lease_ttl_s = 2;
  o.poll_interval = 100ms;
  Leadership seen;
  Elector e(loop, client, o, [&](const Leadership& l) { seen = l; });
  e.start();
  ASSERT_TRUE(testing::run_loop_until(
      loop, [&] { return seen.role == Role::leader; }, 10s));
  const std::int64_t term = seen.term;

  etcd.pause(0);
  const auto paused = Steady::now();
  ASSERT_TRUE(testing::run_loop_until(
      loop, [&] { return !e.guard().check().may_act; }, 5s));
  // It stopped acting while the lease could still be alive at etcd: no more
  // than the TTL after the pause (the last confirmation came before it).
  EXPECT_LT(Steady::now() - paused, 2s);
  ASSERT_TRUE(testing::run_loop_until(
      loop, [&] { return seen.role != Role::leader; }, 5s));
  EXPECT_FALSE(e.guard().check().may_act);

  etcd.resume(0);
  ASSERT_TRUE(testing::run_loop_until(
      loop, [&] { return seen.role == Role::leader && e.guard().check().may_act; }, 20s))
      << seen.reason << " / " << seen.etcd_error;
  EXPECT_GE(seen.term, term);
}

}  // namespace
}  // namespace drpilot::cluster
