// Takeover time in a cluster: `kill -9` of the leader -> the new leader's
// first plan in etcd, and -> its first provider write.
//
// It runs three `drpilot run --member` controllers on loopback against a
// real three-member etcd (Debian's etcd-server, lease_ttl 2 s), the lab's two
// sites, and a webhook provider whose receiver is this program. Each trial
// waits until one member leads and every member follows its stored plan,
// kills the leader with SIGKILL, then reads etcd's state key every 5 ms
// until a plan of a newer term appears, and notes when the webhook receives
// that term's first delivery. The killed member is started again (it
// follows) before the next trial.
//
// Throughout, it checks the invariants: never two members answering 200 on
// /healthz/leader at once, and webhook deliveries whose terms never
// decrease (no write from a term after a newer term's first write).
//
//   bench_takeover [--trials N] [--drpilot PATH]

#include <sys/stat.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lab_bench.h"
#include "net/base64.h"
#include "net/http.h"
#include "support/etcd_cluster.h"
#include "support/process.h"
#include "support/served_http.h"
#include "support/term_ledger.h"

namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using drpilot::bench::die;
using drpilot::bench::percentile;
using drpilot::bench::wait_for;
using drpilot::testing::Process;
using nlohmann::json;

const std::vector<std::string> kMembers = {"alpha", "bravo", "charlie"};
const std::string kPrefix = "/bench-takeover/";

struct Options {
  int trials = 20;
  std::string drpilot = DRPILOT_BINARY;
};

struct Cluster {
  std::string dir, config, drpilot;
  std::vector<std::uint16_t> api;
  std::vector<std::unique_ptr<Process>> controllers;

  void start(std::size_t i) {
    controllers[i] = std::make_unique<Process>(
        std::vector<std::string>{drpilot, "run", "-c", config, "--member", kMembers[i]},
        dir + "/" + kMembers[i] + ".log");
  }
  int leader_status(std::size_t i) {
    if (!controllers[i] || !controllers[i]->running()) return 0;
    return drpilot::bench::http(api[i], "GET", "/healthz/leader").status;
  }
};

std::string config_text(const std::vector<std::uint16_t>& api, std::uint16_t control,
                        std::uint16_t site, const std::vector<std::string>& etcd,
                        const std::string& webhook) {
  std::ostringstream c;
  c << "journal:\n  path: journal.db\n"
    << "dns:\n  listen: [127.0.0.1:0]\n  udp_threads: 1\n"
    << "  zones:\n    - name: example.test\n      ns:\n        - name: ns1.example.test\n"
    << "          addresses: [127.0.0.1]\n"
    << "checks:\n  - name: web\n    type: http\n    port: " << site
    << "\n    path: /healthz\n    expect_body: ok\n    interval: 250ms\n"
    << "    edge_interval: 100ms\n    connect_timeout: 200ms\n    timeout: 300ms\n"
    << "    rise: 2\n    fall: 3\n"
    << "sites:\n"
    << "  - name: ams\n    endpoints: [127.0.0.11]\n    priority: 1\n    checks: [web]\n"
    << "  - name: nyc\n    endpoints: [127.0.0.12]\n    priority: 2\n    checks: [web]\n"
    << "records:\n  - name: www.example.test\n    ttl: 30\n    sites: [ams, nyc]\n"
    << "providers:\n  - name: ops\n    type: webhook\n    endpoint: " << webhook
    << "\n    token: bench-webhook-key-0123456789\n"
    << "cluster:\n  members:\n";
  for (std::size_t i = 0; i < kMembers.size(); ++i) {
    c << "    - name: " << kMembers[i] << "\n      api: http://127.0.0.1:" << api[i]
      << "\n      dns: [127.0.0.1:0]\n      journal: " << kMembers[i] << ".db\n";
  }
  c << "  etcd:\n    prefix: " << kPrefix << "\n    lease_ttl: 2s\n    timeout: 500ms\n"
    << "    endpoints: [";
  for (std::size_t i = 0; i < etcd.size(); ++i) c << (i ? ", " : "") << etcd[i];
  c << "]\n"
    << "lab:\n  control: 127.0.0.1:" << control << "\n  sites:\n"
    << "    - name: ams\n      listen: 127.0.0.11:" << site << "\n"
    << "    - name: nyc\n      listen: 127.0.0.12:" << site << "\n";
  return c.str();
}

// The stored plan's (term, generation), read through etcd's JSON gateway;
// {0, 0} when there is none or etcd does not answer.
std::pair<std::int64_t, std::uint64_t> stored_plan(const std::string& endpoint) {
  std::string err;
  auto url = drpilot::net::parse_url(endpoint + "/v3/kv/range", err);
  if (!url) die(err);
  drpilot::net::ClientRequest req = drpilot::net::request_to(*url, "POST");
  req.body = json{{"key", drpilot::net::base64_encode(kPrefix + "state")}}.dump();
  req.timeout = 500ms;
  drpilot::net::ClientResult r = drpilot::net::http_request_sync(req);
  if (!r.ok || r.status != 200) return {0, 0};
  json reply = json::parse(r.body, nullptr, false);
  if (!reply.contains("kvs")) return {0, 0};
  std::optional<std::string> value =
      drpilot::net::base64_decode(reply["kvs"][0].value("value", ""));
  if (!value) return {0, 0};
  json state = json::parse(*value, nullptr, false);
  if (state.is_discarded()) return {0, 0};
  return {state["plan"].value("term", std::int64_t{0}),
          state["plan"].value("generation", std::uint64_t{0})};
}

std::string stats(std::vector<double> v) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "median %.2f s  p90 %.2f s  max %.2f s  min %.2f s",
                percentile(v, 0.5), percentile(v, 0.9), *std::max_element(v.begin(), v.end()),
                *std::min_element(v.begin(), v.end()));
  return buf;
}

int run(const Options& o) {
  if (!drpilot::testing::EtcdCluster::installed())
    die("etcd is not installed (apt-get install etcd-server etcd-client)");
  drpilot::testing::EtcdCluster etcd(3);
  if (!etcd.ok()) die(etcd.why());
  drpilot::testing::TermLedger deliveries;
  drpilot::testing::ServedHttp receiver(
      [&](const drpilot::net::ServerRequest& req, drpilot::net::Responder respond) {
        json body = json::parse(req.body, nullptr, false);
        if (!body.is_discarded()) {
          deliveries.add({Steady::now(), body.value("term", std::int64_t{0}),
                          body.value("generation", std::uint64_t{0}),
                          body.value("leader", std::string())});
        }
        drpilot::net::ServerResponse r;
        r.body = "{}";
        respond(std::move(r));
      });

  drpilot::bench::TempDir dir("bench-takeover");
  Cluster c;
  c.dir = dir.path;
  c.drpilot = o.drpilot;
  c.config = dir.path + "/cluster.yaml";
  c.api = drpilot::testing::free_ports(kMembers.size() + 1);
  const std::uint16_t control = c.api.back();  // all different
  c.api.pop_back();
  std::uint16_t site = 0;
  do {
    site = drpilot::testing::free_port("127.0.0.11");
  } while (!drpilot::testing::free_port_on("127.0.0.12", site));
  drpilot::testing::write_file(
      c.config, config_text(c.api, control, site, etcd.endpoints(), receiver.url("/hook")));
  chmod(c.config.c_str(), 0600);
  Process lab({o.drpilot, "lab", "-c", c.config}, dir.path + "/lab.log");
  c.controllers.resize(kMembers.size());
  for (std::size_t i = 0; i < kMembers.size(); ++i) c.start(i);

  // A watcher for the first invariant, all along (joined however run() ends).
  std::atomic<bool> watching{true};
  std::atomic<int> two_leaders{0};
  std::thread watcher([&] {
    while (watching) {
      int n = 0;
      for (std::size_t i = 0; i < kMembers.size(); ++i) n += c.leader_status(i) == 200;
      if (n > 1) ++two_leaders;
      std::this_thread::sleep_for(20ms);
    }
  });
  struct Join {
    std::atomic<bool>& flag;
    std::thread& thread;
    ~Join() {
      flag = false;
      if (thread.joinable()) thread.join();
    }
  } join{watching, watcher};

  std::vector<double> to_plan, to_write;
  const std::string endpoint = etcd.endpoint(0);
  for (int t = 0; t < o.trials; ++t) {
    // One leader, its plan stored, every member up.
    int leader = -1;
    if (!wait_for(
            [&] {
              leader = -1;
              for (std::size_t i = 0; i < kMembers.size(); ++i) {
                if (c.leader_status(i) == 200) leader = static_cast<int>(i);
              }
              for (std::size_t i = 0; i < kMembers.size(); ++i) {
                if (drpilot::bench::http(c.api[i], "GET", "/healthz").status != 200) return false;
              }
              return leader >= 0 && stored_plan(endpoint).first > 0 &&
                     deliveries.first_above(stored_plan(endpoint).first - 1).has_value();
            },
            30s)) {
      for (std::size_t i = 0; i < kMembers.size(); ++i) {
        std::cerr << "---- " << kMembers[i] << " ----\n"
                  << (c.controllers[i] ? c.controllers[i]->log() : "") << "\n";
      }
      die("trial " + std::to_string(t) + ": no settled leader (the members' logs are above)");
    }
    const auto [term, generation] = stored_plan(endpoint);
    // The followers' polls and keep-alives land anywhere in their cycle.
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + 37 * t % 400));
    const Steady::time_point killed = Steady::now();
    c.controllers[leader]->kill_hard();
    Steady::time_point planned{};
    if (!wait_for(
            [&] {
              const auto [now_term, now_gen] = stored_plan(endpoint);
              if (now_term > term && now_gen > generation) planned = Steady::now();
              return planned != Steady::time_point{};
            },
            20s)) {
      die("trial " + std::to_string(t) + ": no new leader's plan within 20 s");
    }
    std::optional<drpilot::testing::ProviderWrite> written;
    if (!wait_for([&] { return (written = deliveries.first_above(term)).has_value(); }, 20s)) {
      die("trial " + std::to_string(t) + ": no provider write of the new term within 20 s");
    }
    to_plan.push_back(std::chrono::duration<double>(planned - killed).count());
    to_write.push_back(std::chrono::duration<double>(written->at - killed).count());
    std::printf(
        "trial %2d: %s killed; first plan of the new term after %.2f s, first write after %.2f s\n",
        t + 1, kMembers[leader].c_str(), to_plan.back(), to_write.back());
    std::fflush(stdout);
    c.start(leader);
  }
  watching = false;
  watcher.join();

  std::printf("\nkill -9 of the leader -> new leader's first plan in etcd (%d trials): %s\n",
              o.trials, stats(to_plan).c_str());
  std::printf("kill -9 of the leader -> its first provider write (webhook):    %s\n",
              stats(to_write).c_str());
  std::printf(
      "invariants: two members answering /healthz/leader 200 at once: %d times; "
      "webhook deliveries from an older term after a newer one: %d (of %zu)\n",
      two_leaders.load(), static_cast<int>(deliveries.violations().size()), deliveries.size());
  for (const std::string& v : deliveries.violations()) std::printf("  %s\n", v.c_str());
  return two_leaders.load() == 0 && deliveries.violations().empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    drpilot::bench::parse_args(
        argc, argv, "bench_takeover [--trials N] [--drpilot PATH]",
        [&](const std::string& flag, const std::function<std::string()>& value) {
          if (flag == "--trials") {
            o.trials = std::stoi(value());
          } else if (flag == "--drpilot") {
            o.drpilot = value();
          } else {
            return false;
          }
          return true;
        });
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "bench_takeover: " << e.what() << "\n";
    return 1;
  }
}
