// drpilot demo --ha: the lab with a cluster. A local etcd member for each of
// the configuration's etcd endpoints, the lab's sites, and a controller for
// each cluster member, every one a child process of this one, so that a user
// can kill the leader and watch another take over. A controller that dies is
// started again a few seconds later (it then follows); Ctrl-C stops them all.

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/client.h"
#include "cli/commands.h"
#include "config/config.h"
#include "lab/child_process.h"
#include "net/http.h"

namespace drpilot::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr auto kRestartAfter = 5s;

bool wait_status(const std::string& base, const std::string& path, std::chrono::seconds within) {
  const auto until = Steady::now() + within;
  while (Steady::now() < until) {
    if (probe_member(base, path).first == 200) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::string self_path() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

struct Member {
  const config::ClusterMember* config;
  lab::ChildProcess process;
  std::string log;
  Steady::time_point died{};
};

class HaDemo {
 public:
  HaDemo(config::Config cfg, std::string path, std::string self)
      : cfg_(std::move(cfg)), path_(std::move(path)), self_(std::move(self)) {}

  int run() {
    if (const std::string why = check(); !why.empty()) {
      std::cerr << "drpilot: " << why << "\n";
      return 1;
    }
    // etcd's data and every log go next to journal.path.
    state_ = fs::path(cfg_.journal_path).parent_path().string();
    std::error_code ec;
    fs::create_directories(state_, ec);
    if (ec) {
      std::cerr << "drpilot: cannot create " << state_ << ": " << ec.message() << "\n";
      return 1;
    }
    // Signals wait for sigtimedwait below; children start with none blocked.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
    try {
      start_etcd();
      start_lab();
      for (const auto& m : members_) start_member(*m);
    } catch (const std::exception& e) {
      std::cerr << "drpilot: " << e.what() << "\n";
      stop_all();
      return 1;
    }
    banner();
    const int rc = supervise(stop_signals);
    stop_all();
    return rc;
  }

 private:
  std::string check() {
    if (!cfg_.cluster.enabled()) return path_ + " has no 'cluster' section; demo --ha needs one";
    if (!cfg_.lab.enabled) return path_ + " has no 'lab' section; the demo needs simulated sites";
    if (!lab::find_on_path("etcd")) {
      return "demo --ha runs a local etcd, and `etcd` is not on PATH; run scripts/install-deps "
             "(or apt-get install etcd-server etcd-client)";
    }
    for (const std::string& e : cfg_.cluster.etcd.endpoints) {
      std::string err;
      auto url = net::parse_url(e, err);
      if (!url || url->tls || url->host.rfind("127.", 0) != 0) {
        return "demo --ha starts etcd itself, on loopback: every cluster.etcd endpoint must be "
               "http://127.x.x.x:PORT (" +
               e + " is not)";
      }
    }
    for (const config::ClusterMember& m : cfg_.cluster.members) {
      members_.push_back(std::make_unique<Member>());
      members_.back()->config = &m;
    }
    return "";
  }

  // Member i of etcd: client URL = the endpoint, peer URL = its port + 1.
  void start_etcd() {
    std::vector<std::string> peers;
    std::string initial;
    for (std::size_t i = 0; i < cfg_.cluster.etcd.endpoints.size(); ++i) {
      std::string err;
      auto url = net::parse_url(cfg_.cluster.etcd.endpoints[i], err);
      peers.push_back("http://" + url->host + ":" + std::to_string(url->port + 1));
      initial += (initial.empty() ? "" : ",") + ("etcd" + std::to_string(i)) + "=" + peers[i];
    }
    const std::string etcd = *lab::find_on_path("etcd");
    for (std::size_t i = 0; i < peers.size(); ++i) {
      const std::string name = "etcd" + std::to_string(i);
      const std::string client = cfg_.cluster.etcd.endpoints[i];
      lab::ChildOptions o;
      o.argv = {etcd,
                "--name",
                name,
                "--data-dir",
                state_ + "/" + name,
                "--listen-client-urls",
                client,
                "--advertise-client-urls",
                client,
                "--listen-peer-urls",
                peers[i],
                "--initial-advertise-peer-urls",
                peers[i],
                "--initial-cluster",
                initial,
                "--initial-cluster-token",
                "drpilot-demo-ha",
                "--initial-cluster-state",
                "new",
                "--pre-vote"};
      o.log_path = state_ + "/" + name + ".log";
      etcd_.push_back(std::make_unique<lab::ChildProcess>());
      etcd_.back()->spawn(o);
    }
    for (std::size_t i = 0; i < peers.size(); ++i) {
      if (!wait_status(cfg_.cluster.etcd.endpoints[i], "/health", 30s)) {
        throw std::runtime_error("etcd at " + cfg_.cluster.etcd.endpoints[i] +
                                 " did not become healthy within 30 s; see " + state_ + "/etcd" +
                                 std::to_string(i) + ".log");
      }
    }
  }

  void start_lab() {
    lab::ChildOptions o;
    o.argv = {self_, "lab", "-c", path_};
    o.log_path = state_ + "/lab.log";
    o.death_signal = SIGTERM;
    lab_.spawn(o);
    if (!wait_status("http://" + cfg_.lab.control.to_string(), "/sites", 30s)) {
      throw std::runtime_error("the lab did not start; see " + o.log_path);
    }
  }

  void start_member(Member& m) {
    lab::ChildOptions o;
    o.argv = {self_, "run", "-c", path_, "--member", m.config->name};
    m.log = state_ + "/" + m.config->name + ".log";
    o.log_path = m.log;
    o.death_signal = SIGTERM;
    m.process.spawn(o);
    m.died = {};
    if (!wait_status(m.config->api, "/healthz", 30s)) {
      throw std::runtime_error("controller " + m.config->name + " did not start; see " + m.log);
    }
  }

  std::string leader() {
    for (const auto& m : members_) {
      if (m->process.running() && probe_member(m->config->api, "/healthz/leader").first == 200) {
        return m->config->name + " (pid " + std::to_string(m->process.pid()) + ")";
      }
    }
    return "";
  }

  void banner() {
    std::printf("\ndrpilot demo --ha is running (Ctrl-C stops it).\n\n");
    for (const config::LabSite& s : cfg_.lab.sites) {
      std::printf("  site %-8s http://%s/\n", s.name.c_str(), s.listen.to_string().c_str());
    }
    for (const auto& m : members_) {
      const config::ClusterMember& c = *m->config;
      const std::vector<config::Endpoint>& dns = c.dns.empty() ? cfg_.dns.listen : c.dns;
      std::printf("  %-12s pid %-7d API %s  DNS %s  log %s\n", c.name.c_str(), m->process.pid(),
                  c.api.c_str(), dns.empty() ? "-" : dns.front().to_string().c_str(),
                  m->log.c_str());
    }
    for (std::size_t i = 0; i < etcd_.size(); ++i) {
      std::printf("  etcd%-8zu pid %-7d %s\n", i, etcd_[i]->pid(),
                  cfg_.cluster.etcd.endpoints[i].c_str());
    }
    std::string now;
    for (int i = 0; i < 50 && (now = leader()).empty(); ++i) std::this_thread::sleep_for(100ms);
    const std::string ops = " -c " + path_;
    std::printf("\nThe leader now: %s.\n\nTry, in another terminal:\n",
                now.empty() ? "not elected yet" : now.c_str());
    std::printf("  %-50s # who leads, since when, in which term\n",
                ("drpilot status" + ops).c_str());
    std::printf("  %-50s # the leader is gone; another leads within ~3 s\n",
                "kill -9 <the leader's pid>");
    std::printf("  %-50s # every member now answers nyc\n",
                ("drpilot lab" + ops + " break ams").c_str());
    std::printf("  %-50s # sent to whichever member leads\n", ("drpilot drain nyc" + ops).c_str());
    std::printf("A controller that dies is started again after %lld s; it then follows.\n\n",
                static_cast<long long>(std::chrono::seconds(kRestartAfter).count()));
    std::fflush(stdout);
  }

  int supervise(const sigset_t& stop_signals) {
    const timespec tick{0, 200'000'000};
    for (;;) {
      if (sigtimedwait(&stop_signals, nullptr, &tick) > 0) return 0;
      for (std::size_t i = 0; i < etcd_.size(); ++i) {
        if (!etcd_[i]->running()) {
          std::printf("etcd%zu %s; stopping the demo (see %s/etcd%zu.log)\n", i,
                      etcd_[i]->exit_text().c_str(), state_.c_str(), i);
          return 1;
        }
      }
      if (!lab_.running()) {
        std::printf("the lab %s; stopping the demo (see %s/lab.log)\n", lab_.exit_text().c_str(),
                    state_.c_str());
        return 1;
      }
      for (const auto& m : members_) watch(*m);
    }
  }

  void watch(Member& m) {
    if (m.process.running()) return;
    const auto now = Steady::now();
    if (m.died == Steady::time_point{}) {
      m.died = now;
      std::printf("%s (pid %d) %s; ", m.config->name.c_str(), m.process.pid(),
                  m.process.exit_text().c_str());
      std::printf("it starts again in %lld s\n",
                  static_cast<long long>(std::chrono::seconds(kRestartAfter).count()));
      std::fflush(stdout);
      return;
    }
    if (now - m.died < kRestartAfter) return;
    try {
      start_member(m);
      const std::string l = leader();
      std::printf("%s started again (pid %d); the leader is %s\n", m.config->name.c_str(),
                  m.process.pid(), l.empty() ? "not elected yet" : l.c_str());
    } catch (const std::exception& e) {
      std::printf("%s\n", e.what());
      m.died = now;
    }
    std::fflush(stdout);
  }

  void stop_all() {
    for (const auto& m : members_) m->process.stop(3s);
    lab_.stop();
    for (const auto& e : etcd_) e->stop();
  }

  config::Config cfg_;
  std::string path_, self_, state_;
  std::vector<std::unique_ptr<Member>> members_;
  std::vector<std::unique_ptr<lab::ChildProcess>> etcd_;
  lab::ChildProcess lab_;
};

}  // namespace

int run_ha_demo(const std::string& config_path) {
  config::LoadResult r = config::load_config_file(config_path);
  if (!r.ok()) {
    std::cerr << r.error_text() << "drpilot: the configuration has errors; nothing was started\n";
    return 1;
  }
  const std::string self = self_path();
  if (self.empty()) {
    std::cerr << "drpilot: cannot find its own executable (/proc/self/exe)\n";
    return 1;
  }
  return HaDemo(std::move(*r.config), config_path, self).run();
}

}  // namespace drpilot::cli
