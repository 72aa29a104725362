// `drpilot demo --ha`: three controllers, the lab and a local three-member
// etcd as children of one process. A killed leader is replaced, and started
// again as a follower; SIGTERM stops every child.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "net/http.h"
#include "support/etcd_cluster.h"
#include "support/process.h"

namespace drpilot {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kMembers = {"alpha", "bravo", "charlie"};
const std::vector<std::string> kAddresses = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};

int status_of(const std::string& host, std::uint16_t port, const std::string& path) {
  net::ClientRequest req;
  req.host = host;
  req.port = port;
  req.target = path;
  req.timeout = 1s;
  net::ClientResult r = net::http_request_sync(req);
  return r.ok ? r.status : 0;
}

// A port free on all three addresses (and the next one too), other than
// those in `taken` and their next ones.
std::uint16_t port_on_all(std::vector<std::uint16_t>& taken) {
  for (;;) {
    const std::uint16_t p = testing::free_port(kAddresses[0]);
    bool clash = false;
    for (std::uint16_t t : taken) clash |= p == t || p == t + 1 || p + 1 == t;
    if (!clash && testing::free_port_on(kAddresses[1], p) &&
        testing::free_port_on(kAddresses[2], p) &&
        testing::free_port_on(kAddresses[0], static_cast<std::uint16_t>(p + 1)) &&
        testing::free_port_on(kAddresses[1], static_cast<std::uint16_t>(p + 1)) &&
        testing::free_port_on(kAddresses[2], static_cast<std::uint16_t>(p + 1))) {
      taken.push_back(p);
      return p;
    }
  }
}

TEST(DemoHa, AKilledLeaderIsReplacedAndEverythingStopsTogether) {
  if (!testing::EtcdCluster::installed()) GTEST_SKIP() << "etcd is not installed";
  const std::string dir = testing::make_temp_dir("drpilot-demo-ha");
  std::vector<std::uint16_t> taken;
  const std::uint16_t api = port_on_all(taken), dns = port_on_all(taken), etcd = port_on_all(taken);
  std::uint16_t control = 0;
  do {
    control = testing::free_port();
  } while (std::find(taken.begin(), taken.end(), control) != taken.end() ||
           std::find(taken.begin(), taken.end(), control - 1) != taken.end());
  std::uint16_t site = 0;
  do {
    site = testing::free_port("127.0.0.11");
  } while (!testing::free_port_on("127.0.0.12", site));
  std::ostringstream c;
  c << "journal:\n  path: state/journal.db\n"
    << "dns:\n  zones:\n    - name: example.test\n      ns:\n        - name: ns1.example.test\n"
    << "          addresses: [127.0.0.1]\n"
    << "checks:\n  - name: web\n    type: http\n    port: " << site
    << "\n    path: /healthz\n    interval: 250ms\n    connect_timeout: 200ms\n"
    << "    timeout: 300ms\n"
    << "sites:\n  - name: ams\n    endpoints: [127.0.0.11]\n    checks: [web]\n"
    << "  - name: nyc\n    endpoints: [127.0.0.12]\n    priority: 2\n    checks: [web]\n"
    << "records:\n  - name: www.example.test\n    sites: [ams, nyc]\n"
    << "cluster:\n  members:\n";
  for (std::size_t i = 0; i < kMembers.size(); ++i) {
    c << "    - name: " << kMembers[i] << "\n      api: http://" << kAddresses[i] << ":" << api
      << "\n      dns: [" << kAddresses[i] << ":" << dns << "]\n      journal: state/"
      << kMembers[i] << ".db\n";
  }
  c << "  etcd:\n    prefix: /demo-ha-test/\n    endpoints: [";
  for (std::size_t i = 0; i < kAddresses.size(); ++i) {
    c << (i ? ", " : "") << "http://" << kAddresses[i] << ":" << etcd;
  }
  c << "]\nlab:\n  control: 127.0.0.1:" << control << "\n  sites:\n"
    << "    - name: ams\n      listen: 127.0.0.11:" << site << "\n"
    << "    - name: nyc\n      listen: 127.0.0.12:" << site << "\n";
  const std::string file = dir + "/ha.yaml";
  testing::write_file(file, c.str());

  testing::Process demo({DRPILOT_BINARY, "demo", "--ha", "-c", file}, dir + "/demo.log");
  ASSERT_TRUE(testing::wait_until(
      [&] { return demo.log().find("The leader now: ") != std::string::npos; }, 60s, 100ms))
      << demo.log();
  // The banner names each child's pid.
  std::map<std::string, pid_t> pids;
  const std::string banner = demo.log();
  const std::regex line(R"((alpha|bravo|charlie|etcd\d|) +pid (\d+))");
  for (std::sregex_iterator it(banner.begin(), banner.end(), line), end; it != end; ++it) {
    pids[(*it)[1]] = std::stoi((*it)[2]);
  }
  ASSERT_EQ(pids.size(), 6u) << banner;

  int leader = -1;
  auto find_leader = [&] {
    leader = -1;
    int n = 0;
    for (std::size_t i = 0; i < kMembers.size(); ++i) {
      if (status_of(kAddresses[i], api, "/healthz/leader") == 200) {
        leader = static_cast<int>(i);
        ++n;
      }
    }
    return n == 1;
  };
  ASSERT_TRUE(testing::wait_until(find_leader, 20s, 100ms));
  const int first = leader;
  ASSERT_EQ(::kill(pids[kMembers[first]], SIGKILL), 0);
  ASSERT_TRUE(testing::wait_until([&] { return find_leader() && leader != first; }, 15s, 100ms))
      << demo.log();
  ASSERT_TRUE(testing::wait_until(
      [&] {
        return demo.log().find(kMembers[first] + " started again") != std::string::npos &&
               status_of(kAddresses[first], api, "/healthz") == 200;
      },
      20s, 100ms))
      << demo.log();
  EXPECT_NE(demo.log().find(kMembers[first] + " (pid " + std::to_string(pids[kMembers[first]]) +
                            ") was killed by"),
            std::string::npos)
      << demo.log();

  ASSERT_EQ(demo.stop(SIGTERM, 20s), 0) << demo.log();
  for (const auto& [name, pid] : pids) {
    if (name == kMembers[first]) continue;  // gone already
    EXPECT_NE(::kill(pid, 0), 0) << name << " (pid " << pid << ") outlived the demo";
  }
  testing::remove_tree(dir);
}

}  // namespace
}  // namespace drpilot
