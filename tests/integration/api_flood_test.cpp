// The API under a crowd: hundreds of idle keep-alive connections (each sent
// one GET /healthz, which needs no token) and a flood of 1 MiB bodies
// without a token, on the controller's API and on an agent's /healthz. An
// operator command, `drpilot status` and the agent's reports must still get
// through.

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "integration/lab_fixture.h"
#include "net/http.h"

namespace drpilot::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr int kIdle = 600;

// Opens `n` connections to `port`, each sending one keep-alive GET /healthz
// and reading its answer, then left open and silent. Returns the descriptors.
std::vector<int> idle_crowd(std::uint16_t port, int n) {
  std::vector<int> fds;
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < n; ++i) {
    const int fd = connect_loopback(port);
    if (fd < 0) continue;
    if (::send(fd, get.data(), get.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(get.size())) {
      char buf[1024];
      (void)!::read(fd, buf, sizeof buf);
    }
    fds.push_back(fd);
  }
  return fds;
}

// Posts 1 MiB bodies without a token to `path` until `stop`, counting them.
void flood(std::uint16_t port, const std::string& path, const std::atomic<bool>& stop,
           std::atomic<int>& sent) {
  const std::string body(1 << 20, 'x');
  const std::string head = "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: " +
                           "application/json\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\n\r\n";
  while (!stop) {
    const int fd = connect_loopback(port);
    if (fd < 0) continue;
    if (::send(fd, head.data(), head.size(), MSG_NOSIGNAL) > 0) {
      (void)::send(fd, body.data(), body.size(), MSG_NOSIGNAL);
      char buf[512];
      (void)!::read(fd, buf, sizeof buf);
    }
    ::close(fd);
    ++sent;
  }
}

class ApiFlood : public LabFixture {
 protected:
  void SetUp() override {
    LabFixture::SetUp();
    if (IsSkipped()) return;
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < 4 * kIdle) {
      lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 8 * kIdle);
      setrlimit(RLIMIT_NOFILE, &lim);
    }
    if (lim.rlim_cur < 4 * kIdle) GTEST_SKIP() << "needs " << 4 * kIdle << " descriptors";
    agent_port_ = free_port();
    std::string cfg = config_text();
    const std::string api = "api:\n  listen: 127.0.0.1:" + std::to_string(ports_.api) + "\n";
    cfg.replace(cfg.find(api), api.size(), api + "  token: flood-test-token-0123456789\n");
    cfg +=
        "agents:\n  - name: ams-agent\n    site: ams\n    key: flood-agent-key-0123456789\n"
        "    controllers: [http://127.0.0.1:" +
        std::to_string(ports_.api) +
        "]\n    report_interval: 200ms\n    listen: 127.0.0.1:" + std::to_string(agent_port_) +
        "\n";
    write_config(cfg);
    start_demo();
    agent_ =
        std::make_unique<Process>(std::vector<std::string>{DRPILOT_BINARY, "agent", "-c",
                                                           config_path_, "--name", "ams-agent"},
                                  dir_ + "/agent.log");
    ASSERT_TRUE(wait_until([&] { return agent_reports() > 0; }, 15s)) << api_get("/api/v1/status");
  }
  void TearDown() override {
    for (int fd : idle_) ::close(fd);
    agent_.reset();
    LabFixture::TearDown();
  }

  long agent_reports() {
    const json s = json::parse(api_get("/api/v1/status"), nullptr, false);
    if (s.is_discarded() || !s.contains("agents")) return -1;
    for (const json& a : s["agents"]) {
      if (a.value("name", "") == "ams-agent") return a.value("reports", 0L);
    }
    return -1;
  }

  std::uint16_t agent_port_ = 0;
  std::unique_ptr<Process> agent_;
  std::vector<int> idle_;
};

TEST_F(ApiFlood, OperatorsAndAgentsGetThroughIdleCrowdsAndUnauthenticatedFloods) {
  idle_ = idle_crowd(ports_.api, kIdle);
  std::vector<int> at_agent = idle_crowd(agent_port_, kIdle);
  idle_.insert(idle_.end(), at_agent.begin(), at_agent.end());
  ASSERT_GE(idle_.size(), std::size_t(kIdle)) << "could not open the idle connections";

  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::vector<std::thread> flooders;
  flooders.emplace_back([&] { flood(ports_.api, "/api/v1/commands/drain", stop, sent); });
  flooders.emplace_back([&] { flood(ports_.api, "/api/v1/agents/report", stop, sent); });
  flooders.emplace_back([&] { flood(agent_port_, "/healthz", stop, sent); });

  const long before = agent_reports();
  CommandResult status = drpilot({"status", "-c", config_path_});
  CommandResult drain = drpilot({"drain", "-c", config_path_, "ams", "--reason", "flood test"});
  const bool reports_flow = wait_until([&] { return agent_reports() >= before + 5; }, 10s);
  bool agent_answers = false;
  {
    net::ClientRequest req;
    req.host = "127.0.0.1";
    req.port = agent_port_;
    req.target = "/healthz";
    req.timeout = 5s;
    const net::ClientResult r = net::http_request_sync(req);
    agent_answers = r.ok && (r.status == 200 || r.status == 503);
  }
  stop = true;
  for (std::thread& t : flooders) t.join();

  EXPECT_GT(sent.load(), 3) << "the flood did not run";
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_EQ(drain.exit_code, 0) << drain.output;
  EXPECT_TRUE(reports_flow) << "agent reports stopped: " << agent_reports() << " after " << before;
  EXPECT_TRUE(agent_answers) << "the agent's /healthz did not answer";
}

}  // namespace
}  // namespace drpilot::testing
