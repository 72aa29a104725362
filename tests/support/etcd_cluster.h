#pragma once
// Real etcd members (Debian's etcd-server) for tests: n members on loopback,
// each on free ports in a temporary directory, started together and killed
// by PID. A member can be killed, paused (SIGSTOP) and resumed, or restarted
// on its own data, so tests can take the quorum away and give it back.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/net_lab.h"
#include "support/process.h"

namespace drpilot::testing {

class EtcdCluster {
 public:
  // Starts `members` members and waits (up to 20 s) until the cluster
  // answers. ok() says whether it did; why() says why not.
  explicit EtcdCluster(int members = 1);
  // The same with every member in a namespace of its own in `net` (nodes
  // "etcd0", "etcd1", ...: tests cut them off with NetLab), on etcd's
  // standard ports 2379 and 2380 at the node's address. `net` must outlive
  // the cluster.
  EtcdCluster(int members, NetLab& net);
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  // False when etcd is not installed ("skip") or did not come up.
  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }

  // Client URLs, one per member: http://127.0.0.1:PORT (or the node's address).
  std::vector<std::string> endpoints() const;
  std::string endpoint(int member) const;
  int size() const { return static_cast<int>(members_.size()); }

  void kill(int member);    // SIGKILL
  void pause(int member);   // SIGSTOP
  void resume(int member);  // SIGCONT
  // Starts a killed member again on its data; waits until it answers.
  bool restart(int member);
  bool running(int member);
  // Restarts every member a test killed; "" when all answer again, else the
  // log of the first that did not.
  std::string restart_stopped();
  // The member that is etcd's own (raft) leader now; -1 when none answers.
  int raft_leader() const;
  // `etcdctl ARGS...` against every member, its output (tests use it to
  // look at and tamper with what drpilot wrote).
  CommandResult etcdctl(const std::vector<std::string>& args) const;
  std::string log(int member) const;

  static bool installed();

 private:
  struct Member {
    std::string name, dir, host = "127.0.0.1";
    std::uint16_t client_port = 0, peer_port = 0;
    std::unique_ptr<Process> process;
  };
  void start(int members);
  void launch(Member& m, bool fresh);
  bool answers(int member, std::chrono::milliseconds within) const;

  NetLab* net_ = nullptr;
  std::string dir_;
  std::vector<Member> members_;
  std::string initial_cluster_;
  bool ok_ = false;
  std::string why_;
};

}  // namespace drpilot::testing
