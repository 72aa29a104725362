#include "support/etcd_cluster.h"

#include <signal.h>

namespace drpilot::testing {

using namespace std::chrono_literals;

bool EtcdCluster::installed() {
  return have_program("etcd") && have_program("etcdctl");
}

EtcdCluster::EtcdCluster(int members) {
  start(members);
}

EtcdCluster::EtcdCluster(int members, NetLab& net) : net_(&net) {
  start(members);
}

void EtcdCluster::start(int members) {
  if (!installed()) {
    why_ = "etcd and etcdctl are not installed (apt-get install etcd-server etcd-client)";
    return;
  }
  dir_ = make_temp_dir("drpilot-etcd");
  for (int i = 0; i < members; ++i) {
    Member m;
    m.name = "etcd" + std::to_string(i);
    m.dir = dir_ + "/" + m.name;
    if (net_) {
      // A namespace of its own: etcd's standard ports are free there.
      m.host = net_->add(m.name);
      m.client_port = 2379;
      m.peer_port = 2380;
    } else {
      m.client_port = free_port();
      do {
        m.peer_port = free_port();
      } while (m.peer_port == m.client_port);
    }
    if (!initial_cluster_.empty()) initial_cluster_ += ",";
    initial_cluster_ += m.name + "=http://" + m.host + ":" + std::to_string(m.peer_port);
    members_.push_back(std::move(m));
  }
  for (Member& m : members_) launch(m, true);
  for (int i = 0; i < size(); ++i) {
    if (!answers(i, 20s)) {
      why_ = "etcd member " + members_[i].name + " did not come up:\n" + log(i);
      return;
    }
  }
  ok_ = true;
}

EtcdCluster::~EtcdCluster() {
  for (Member& m : members_) m.process.reset();  // killed by PID
  if (!dir_.empty()) remove_tree(dir_);
}

void EtcdCluster::launch(Member& m, bool fresh) {
  const std::string client = "http://" + m.host + ":" + std::to_string(m.client_port);
  const std::string peer = "http://" + m.host + ":" + std::to_string(m.peer_port);
  // Short heartbeats: a lost member or leader is noticed in a second, as the
  // lease TTLs under test (2 s) need.
  std::vector<std::string> argv{"etcd", "--name", m.name, "--data-dir", m.dir,
                                "--listen-client-urls", client, "--advertise-client-urls", client,
                                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                                "--initial-cluster", initial_cluster_, "--initial-cluster-state",
                                fresh ? "new" : "existing", "--initial-cluster-token",
                                "drpilot-test", "--heartbeat-interval", "100", "--election-timeout",
                                "1000", "--log-level", "warn",
                                // As in production with etcd 3.4: a member that
                                // was cut off rejoins without forcing an election.
                                "--pre-vote"};
  if (net_) argv = net_->in(m.name, std::move(argv));
  m.process = std::make_unique<Process>(std::move(argv), m.dir + ".log");
}

bool EtcdCluster::answers(int member, std::chrono::milliseconds within) const {
  return wait_until(
      [&] {
        return run_command({"etcdctl", "--endpoints", endpoint(member), "--command-timeout=1s",
                            "endpoint", "health"},
                           5s)
                   .exit_code == 0;
      },
      within, 100ms);
}

std::vector<std::string> EtcdCluster::endpoints() const {
  std::vector<std::string> out;
  for (int i = 0; i < size(); ++i) out.push_back(endpoint(i));
  return out;
}

std::string EtcdCluster::endpoint(int member) const {
  const Member& m = members_.at(member);
  return "http://" + m.host + ":" + std::to_string(m.client_port);
}

void EtcdCluster::kill(int member) {
  members_.at(member).process->kill_hard();
}
void EtcdCluster::pause(int member) {
  members_.at(member).process->signal(SIGSTOP);
}
void EtcdCluster::resume(int member) {
  members_.at(member).process->signal(SIGCONT);
}
bool EtcdCluster::running(int member) {
  return members_.at(member).process->running();
}

bool EtcdCluster::restart(int member) {
  Member& m = members_.at(member);
  m.process.reset();
  launch(m, false);
  return answers(member, 20s);
}

std::string EtcdCluster::restart_stopped() {
  for (int i = 0; i < size(); ++i) {
    if (!running(i) && !restart(i)) return members_[i].name + " did not restart:\n" + log(i);
  }
  return "";
}

CommandResult EtcdCluster::etcdctl(const std::vector<std::string>& args) const {
  std::string all;
  for (const std::string& e : endpoints()) all += (all.empty() ? "" : ",") + e;
  std::vector<std::string> argv{"etcdctl", "--endpoints", all, "--command-timeout=3s"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, 10s);
}

int EtcdCluster::raft_leader() const {
  // One line per endpoint: "URL, ID, VERSION, DB SIZE, IS LEADER, ...".
  for (int i = 0; i < size(); ++i) {
    CommandResult r = run_command(
        {"etcdctl", "--endpoints", endpoint(i), "--command-timeout=2s", "endpoint", "status"}, 5s);
    if (r.exit_code == 0 && r.output.find(", true,") != std::string::npos) return i;
  }
  return -1;
}

std::string EtcdCluster::log(int member) const {
  return read_file(members_.at(member).dir + ".log");
}

}  // namespace drpilot::testing
