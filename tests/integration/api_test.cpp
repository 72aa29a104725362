// The status API of a running controller: one site, one record, pages, an
// unknown name, HEAD, and `drpilot status --site/--record` on top of them.

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/lab_fixture.h"
#include "net/http.h"

namespace drpilot::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class Api : public LabFixture {
 protected:
  void SetUp() override {
    LabFixture::SetUp();
    if (IsSkipped()) return;
    start_demo();
    ASSERT_TRUE(wait_for_site("ams", "up", 10s));
    ASSERT_TRUE(wait_for_site("nyc", "up", 10s));
  }
  std::pair<int, json> get(const std::string& path) {
    net::ClientRequest req;
    req.host = "127.0.0.1";
    req.port = ports_.api;
    req.target = path;
    req.timeout = 5s;
    req.max_body = 1 << 20;
    net::ClientResult r = net::http_request_sync(req);
    return {r.status, json::parse(r.body, nullptr, false)};
  }
  // The raw reply to `request`, read until the server closes.
  std::string raw(const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(ports_.api);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, n);
    }
    ::close(fd);
    return out;
  }
  static std::vector<std::string> names(const json& list) {
    std::vector<std::string> out;
    for (const json& x : list) out.push_back(x.value("name", ""));
    return out;
  }
};

TEST_F(Api, OneSiteOneRecordAndTheirSummary) {
  auto [status, s] = get("/api/v1/status?site=ams");
  ASSERT_EQ(status, 200) << s.dump();
  EXPECT_EQ(names(s["sites"]), std::vector<std::string>{"ams"});
  EXPECT_EQ(names(s["records"]), std::vector<std::string>{"www.example.test"});
  EXPECT_EQ(s["summary"]["sites"]["up"], 2);
  EXPECT_EQ(s["page"]["total_sites"], 2);

  auto [rstatus, r] = get("/api/v1/status?record=www.example.test");
  ASSERT_EQ(rstatus, 200);
  EXPECT_EQ(names(r["sites"]), (std::vector<std::string>{"ams", "nyc"}));
}

TEST_F(Api, AnUnknownSiteIsA404ThatSaysSo) {
  auto [status, s] = get("/api/v1/status?site=nowhere");
  EXPECT_EQ(status, 404);
  EXPECT_EQ(s.value("error", ""), "there is no site named 'nowhere'");
  auto [bad, b] = get("/api/v1/status?limit=0");
  EXPECT_EQ(bad, 400);
  EXPECT_NE(b.value("error", "").find("limit"), std::string::npos);
}

TEST_F(Api, PagesFollowTheirCursor) {
  auto [status, first] = get("/api/v1/status?limit=1");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(names(first["sites"]), std::vector<std::string>{"ams"});
  ASSERT_TRUE(first["page"]["next_cursor"].is_string()) << first["page"].dump();
  auto [status2, second] =
      get("/api/v1/status?limit=1&cursor=" + first["page"]["next_cursor"].get<std::string>());
  ASSERT_EQ(status2, 200);
  EXPECT_EQ(names(second["sites"]), std::vector<std::string>{"nyc"});
  EXPECT_TRUE(second["page"]["next_cursor"].is_null());
}

TEST_F(Api, HeadAnswersTheHeadersOfGetWithoutABody) {
  const std::string reply =
      raw("HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("Content-Length: 3\r\n"), std::string::npos) << reply;
  EXPECT_EQ(reply.substr(reply.find("\r\n\r\n") + 4), "") << "HEAD came with a body";
}

// DNS rebinding: a page on attacker.example whose name now resolves to
// 127.0.0.1 reaches the port, but not the API.
TEST_F(Api, AnotherNameInTheHostHeaderIsMisdirected) {
  const std::string refused =
      raw("GET /api/v1/status HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(refused.rfind("HTTP/1.1 421", 0), 0u) << refused;
  EXPECT_NE(refused.find("api.host_names"), std::string::npos) << refused;
  const std::string health =
      raw("GET /healthz HTTP/1.1\r\nHost: lb-probe.internal\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(health.rfind("HTTP/1.1 200", 0), 0u) << health;
}

TEST_F(Api, StatusForOneSiteFromTheCommandLine) {
  CommandResult r = drpilot(
      {"status", "--api", "http://127.0.0.1:" + std::to_string(ports_.api), "--site", "nyc"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 sites: 2 up, 0 down, 0 unknown"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  nyc "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("  ams "), std::string::npos) << r.output;
  CommandResult missing = drpilot(
      {"status", "--api", "http://127.0.0.1:" + std::to_string(ports_.api), "--site", "nowhere"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("there is no site named 'nowhere'"), std::string::npos)
      << missing.output;
}

}  // namespace
}  // namespace drpilot::testing
