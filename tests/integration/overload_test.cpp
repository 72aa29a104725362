// Overload is not an outage: a controller that cannot keep its schedule --
// frozen again and again (SIGSTOP), or held to a sliver of a CPU by a cgroup
// while it checks a thousand targets -- judges no site down and changes no
// plan, and says it is overloaded and by how much. Then SIGTERM still stops
// it within 2 s.

#include <signal.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "integration/lab_fixture.h"
#include "net/http.h"

namespace drpilot::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

class Overload : public LabFixture {
 protected:
  json status() { return json::parse(get("/api/v1/status?limit=1"), nullptr, false); }
  // A longer timeout than api_get: an overloaded controller answers slowly.
  std::string get(const std::string& path) {
    net::ClientRequest req;
    req.host = "127.0.0.1";
    req.port = ports_.api;
    req.target = path;
    req.timeout = 10s;
    req.max_body = 16 * 1024 * 1024;
    net::ClientResult r = net::http_request_sync(req);
    return r.ok && r.status == 200 ? r.body : "";
  }
  // Sites the journal saw going down.
  std::vector<std::string> sites_gone_down() {
    std::vector<std::string> out;
    json h = json::parse(get("/api/v1/history?limit=10000"), nullptr, false);
    if (h.is_discarded()) return {"(no history)"};
    for (const json& e : h["events"]) {
      if (e.value("kind", "") != "verdict" || !e.contains("data")) continue;
      const json& d = e["data"];
      if (d.value("scope", "") == "site" && d.contains("after") &&
          d["after"].value("state", "") == "down") {
        out.push_back(e.value("subject", "?"));
      }
    }
    return out;
  }
  std::uint64_t generation() {
    json s = status();
    return s.is_discarded() ? 0 : s["plan"].value("generation", std::uint64_t{0});
  }
  bool alert_says_overloaded(const json& s) {
    if (s.is_discarded()) return false;
    for (const json& a : s["alerts"]) {
      if (a.get<std::string>().find("controller overloaded") != std::string::npos) return true;
    }
    return false;
  }
  void expect_stops_promptly() {
    const auto sent = std::chrono::steady_clock::now();
    const int status = controller_->stop(SIGTERM, 10s);
    EXPECT_NE(status, -1) << "SIGTERM did not stop the controller";
    EXPECT_LT(std::chrono::steady_clock::now() - sent, 2500ms);
  }
};

TEST_F(Overload, AControllerFrozenAgainAndAgainJudgesNoSiteDownAndChangesNoPlan) {
  start_lab();
  start_controller();
  ASSERT_TRUE(wait_for_site("ams", "up", 10s));
  ASSERT_TRUE(wait_for_site("nyc", "up", 10s));
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 5s));
  const std::uint64_t before = generation();
  ASSERT_GT(before, 0u);

  // Frozen for 1.2 s at a time: every check in flight overstays its 300 ms
  // timeout, every timer fires late.
  bool overload_reported = false;
  for (int i = 0; i < 6; ++i) {
    controller_->signal(SIGSTOP);
    std::this_thread::sleep_for(1200ms);
    controller_->signal(SIGCONT);
    std::this_thread::sleep_for(400ms);
    overload_reported |= alert_says_overloaded(status());
  }
  EXPECT_TRUE(overload_reported) << "status never said the controller was overloaded";
  EXPECT_EQ(sites_gone_down(), std::vector<std::string>{});
  EXPECT_EQ(generation(), before) << "the plan changed while the controller was overloaded";
  EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.11"});
  json load = status()["load"];
  EXPECT_GE(load["control_loop_lag"].value("max_ms", 0), 1000) << load.dump();
  expect_stops_promptly();
}

// cgroup v2's cpu.max, or v1's cpu.cfs_quota_us; "" when neither can be used.
class CpuLimit {
 public:
  explicit CpuLimit(pid_t pid, int percent) {
    const std::string name = "drpilot-overload-" + std::to_string(::getpid());
    const std::string v2 = "/sys/fs/cgroup";
    if (contains(v2 + "/cgroup.controllers", "cpu") && make(v2 + "/" + name) &&
        put(dir_ + "/cpu.max", std::to_string(percent * 1000) + " 100000")) {
      v2_ = true;
      ok_ = put(dir_ + "/cgroup.procs", std::to_string(pid));
    } else if (fs::exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") &&
               make("/sys/fs/cgroup/cpu/" + name) && put(dir_ + "/cpu.cfs_period_us", "100000") &&
               put(dir_ + "/cpu.cfs_quota_us", std::to_string(percent * 1000))) {
      ok_ = put(dir_ + "/cgroup.procs", std::to_string(pid));
    }
  }
  // The process gets all the CPU it wants again.
  void lift() {
    if (ok_) put(dir_ + (v2_ ? "/cpu.max" : "/cpu.cfs_quota_us"), v2_ ? "max 100000" : "-1");
  }
  ~CpuLimit() {
    if (dir_.empty()) return;
    // The process has exited (or is killed by the fixture) before this runs.
    std::error_code ec;
    for (int i = 0; i < 50 && fs::exists(dir_, ec); ++i) {
      ::rmdir(dir_.c_str());
      std::this_thread::sleep_for(20ms);
    }
  }
  bool ok() const { return ok_; }

 private:
  static bool contains(const std::string& path, const std::string& word) {
    std::ifstream in(path);
    std::string w;
    while (in >> w) {
      if (w == word) return true;
    }
    return false;
  }
  bool make(const std::string& dir) {
    std::error_code ec;
    if (!fs::create_directory(dir, ec)) return false;
    dir_ = dir;
    return true;
  }
  static bool put(const std::string& path, const std::string& value) {
    std::ofstream out(path);
    out << value << "\n";
    out.flush();
    return static_cast<bool>(out);
  }
  std::string dir_;
  bool ok_ = false;
  bool v2_ = false;
};

TEST_F(Overload, AThousandTargetsOnFivePercentOfACpuJudgeNoSiteDown) {
  if (::geteuid() != 0) GTEST_SKIP() << "limiting a process's CPU needs root (cgroups)";
  // A thousand sites, all served by the lab's ams, checked every 250 ms:
  // 4,000 checks a second, several times what 5 % of a CPU can do.
  std::ostringstream c;
  c << "journal:\n  path: journal.db\n"
    << "api:\n  listen: 127.0.0.1:" << ports_.api << "\n"
    << "dns:\n  listen: [127.0.0.1:" << ports_.dns << "]\n"
    << "  zones:\n    - name: example.test\n      ns:\n        - name: ns1.example.test\n"
    << "          addresses: [127.0.0.1]\n"
    << "checks:\n  - name: web\n    type: http\n    port: " << ports_.site
    << "\n    path: /healthz\n    interval: 250ms\n    edge_interval: 100ms\n"
    << "    connect_timeout: 200ms\n    timeout: 300ms\n    rise: 2\n    fall: 3\n"
    << "sites:\n";
  for (int i = 0; i < 1000; ++i) {
    c << "  - {name: s" << i << ", endpoints: [10.0." << i / 256 << "." << i % 256
      << "], check_address: 127.0.0.11, priority: " << 1 + i % 10 << ", checks: [web]}\n";
  }
  c << "records:\n";
  for (int r = 0; r < 100; ++r) {
    c << "  - {name: r" << r << ".example.test, sites: [";
    for (int j = 0; j < 10; ++j) c << (j ? ", " : "") << "s" << r * 10 + j;
    c << "]}\n";
  }
  c << "lab:\n  control: 127.0.0.1:" << ports_.control << "\n  sites:\n"
    << "    - name: s0\n      listen: 127.0.0.11:" << ports_.site << "\n";
  write_config(c.str());
  start_lab();
  start_controller();
  ASSERT_TRUE(wait_until(
      [&] {
        json s = status();
        return !s.is_discarded() && s["summary"]["sites"].value("up", 0) == 1000;
      },
      30s, 200ms))
      << "not every site came up before the limit";
  const std::uint64_t before = generation();

  CpuLimit limit(controller_->pid(), 5);
  if (!limit.ok()) GTEST_SKIP() << "no writable cgroup cpu controller (v2 cpu.max or v1 cpu)";
  bool overload_reported = false;
  const auto end = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < end) {
    overload_reported |= alert_says_overloaded(status());  // answered slowly, if at all
    std::this_thread::sleep_for(500ms);
  }
  // What happened meanwhile is in the journal; read it at full speed.
  limit.lift();
  ASSERT_TRUE(wait_until([&] { return !status().is_discarded(); }, 20s, 200ms));
  overload_reported |= alert_says_overloaded(status());  // it covers the last 10 s
  EXPECT_TRUE(overload_reported) << "status never said the controller was overloaded";
  EXPECT_EQ(sites_gone_down(), std::vector<std::string>{});
  EXPECT_EQ(generation(), before) << "the plan changed while the controller was overloaded";
  expect_stops_promptly();
}

}  // namespace
}  // namespace drpilot::testing
