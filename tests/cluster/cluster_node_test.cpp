// A controller's cluster node against a real etcd: a new leader gets the
// state its predecessor stored before it acts, followers are handed each
// newer state, and a deposed leader's store is refused by etcd (fenced by
// the leader key's revision), never written.

#include "cluster/cluster_node.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/etcd_cluster.h"
#include "support/run_loop.h"

namespace drpilot::cluster {
namespace {

using namespace std::chrono_literals;

class ClusterNodeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { etcd_ = new testing::EtcdCluster(1); }
  static void TearDownTestSuite() {
    delete etcd_;
    etcd_ = nullptr;
  }
  void SetUp() override {
    if (!etcd_->ok()) GTEST_SKIP() << etcd_->why();
    prefix_ = "/drpilot-node-test/" +
              std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "/";
  }
  void TearDown() override { nodes_.clear(); }

  struct Member {
    std::unique_ptr<ClusterNode> node;
    Leadership leadership;
    std::optional<std::string> resumed;  // the stored state handed on with the lead
    std::vector<std::string> states;     // handed on as a follower
  };

  Member& start(const std::string& name) {
    EtcdOptions eo;
    eo.endpoints = etcd_->endpoints();
    eo.timeout = 500ms;
    ElectorOptions o;
    o.member = name;
    o.prefix = prefix_;
    o.lease_ttl_s = 2;
    o.poll_interval = 100ms;
    auto& m = nodes_[name];
    m = std::make_unique<Member>();
    Member* self = m.get();
    ClusterNode::Events ev;
    ev.leadership = [self](const Leadership& l, std::optional<std::string> stored) {
      self->leadership = l;
      if (stored) self->resumed = stored;
    };
    ev.state = [self](const std::string& text) { self->states.push_back(text); };
    m->node = std::make_unique<ClusterNode>(loop_, eo, o, std::move(ev));
    m->node->start();
    return *m;
  }

  bool run_until(const std::function<bool()>& cond, std::chrono::milliseconds limit = 10s) {
    return testing::run_loop_until(loop_, cond, limit, 5ms);
  }

  // Stores `text` through `m`; the outcome as (error, stored).
  std::pair<std::string, bool> store(Member& m, const std::string& text) {
    std::optional<std::pair<std::string, bool>> out;
    m.node->store(text, [&](const std::string& error, bool ok) { out = {error, ok}; });
    EXPECT_TRUE(run_until([&] { return out.has_value(); }));
    return out.value_or(std::pair<std::string, bool>{"no answer", false});
  }

  static testing::EtcdCluster* etcd_;
  std::string prefix_;
  net::Loop loop_;
  std::map<std::string, std::unique_ptr<Member>> nodes_;
};

testing::EtcdCluster* ClusterNodeTest::etcd_ = nullptr;

TEST_F(ClusterNodeTest, ANewLeaderResumesFromWhatItsPredecessorStored) {
  Member& a = start("alpha");
  ASSERT_TRUE(run_until([&] { return a.leadership.role == Role::leader; }));
  ASSERT_TRUE(a.resumed.has_value());
  EXPECT_EQ(*a.resumed, "");  // nothing stored yet
  EXPECT_EQ(store(a, "plan 1"), (std::pair<std::string, bool>{"", true}));

  Member& b = start("bravo");
  ASSERT_TRUE(run_until([&] { return b.leadership.role == Role::follower; }));
  ASSERT_TRUE(run_until([&] { return !b.states.empty(); }));
  EXPECT_EQ(b.states.back(), "plan 1");
  EXPECT_EQ(store(a, "plan 2"), (std::pair<std::string, bool>{"", true}));
  ASSERT_TRUE(run_until([&] { return b.states.back() == "plan 2"; }));

  // alpha's key goes (as when its lease expires while it is paused): a new
  // term begins, whoever wins it is handed what was stored last, and the
  // other's store is refused by etcd.
  const std::int64_t old_term = a.leadership.term;
  ASSERT_EQ(etcd_->etcdctl({"del", prefix_ + "leader"}).exit_code, 0);
  Member* winner = nullptr;
  Member* other = nullptr;
  ASSERT_TRUE(run_until([&] {
    for (auto [w, o] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
      if (w->leadership.role == Role::leader && w->leadership.term > old_term &&
          o->leadership.role != Role::leader) {
        winner = w;
        other = o;
      }
    }
    return winner != nullptr;
  }));
  ASSERT_TRUE(winner->resumed.has_value());
  EXPECT_EQ(*winner->resumed, "plan 2");
  EXPECT_EQ(store(*other, "plan from the other"), (std::pair<std::string, bool>{"", false}));
  testing::CommandResult r = etcd_->etcdctl({"get", prefix_ + "state", "--print-value-only"});
  EXPECT_EQ(r.output, "plan 2\n");
  EXPECT_EQ(store(*winner, "plan 3"), (std::pair<std::string, bool>{"", true}));
}

TEST_F(ClusterNodeTest, AStoppedLeaderResignsAndAnotherLeadsAtOnce) {
  Member& a = start("alpha");
  ASSERT_TRUE(run_until([&] { return a.leadership.role == Role::leader; }));
  Member& b = start("bravo");
  ASSERT_TRUE(run_until([&] { return b.leadership.role == Role::follower; }));
  const auto stopped = std::chrono::steady_clock::now();
  a.node->stop();
  ASSERT_TRUE(run_until([&] { return b.leadership.role == Role::leader; }));
  // Well inside the 2 s lease: the lease was revoked, not left to expire.
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, 1500ms);
}

}  // namespace
}  // namespace drpilot::cluster
