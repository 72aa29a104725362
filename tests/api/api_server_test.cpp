// The API server on its thread, with a backend whose state belongs to the
// control loop (the test's thread): status and commands are carried out on the
// control loop and answered from the API's thread, /healthz and history on
// the API's thread at once, many clients at a time; stop() with requests
// waiting for the control loop returns and answers none of them late. These
// tests run under ThreadSanitizer too.

#include "api/api_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/loop.h"
#include "support/iterations.h"
#include "support/process.h"

namespace drpilot::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kToken = "api-server-test-token";

// Records where each call ran; what it changes is the control loop's alone
// (no lock: ThreadSanitizer reports it if that ever stops being true).
class ControlBackend : public Backend {
 public:
  explicit ControlBackend(std::thread::id control) : control_(control) {}

  std::function<net::ServerResponse()> status(const StatusQuery& q) override {
    note(std::this_thread::get_id() == control_);
    ++statuses_;
    // A copy of the state, rendered later on the API's thread.
    return [site = q.site, n = statuses_] {
      return json_response(200, {{"site", site}, {"statuses", n}});
    };
  }
  json history(std::size_t limit, std::optional<std::int64_t>) override {
    note(std::this_thread::get_id() != control_);
    return json{{"events", json::array()}, {"limit", limit}};
  }
  bool live() override { return true; }
  Reply command(const core::Command& cmd) override {
    note(std::this_thread::get_id() == control_);
    drained_.push_back(cmd.site);
    return {200, {{"message", "drained " + cmd.site}}};
  }

  // Control loop only.
  int statuses() const { return statuses_; }
  const std::vector<std::string>& drained() const { return drained_; }
  int on_the_wrong_thread() const { return wrong_thread_; }

 private:
  void note(bool right_thread) {
    if (!right_thread) ++wrong_thread_;
  }
  std::thread::id control_;
  int statuses_ = 0;
  std::vector<std::string> drained_;
  std::atomic<int> wrong_thread_{0};
};

// One request on a connection of its own; the status code, or 0 when the
// connection ended without an answer.
int request(std::uint16_t port, const std::string& method, const std::string& target,
            const std::string& body = "") {
  const int fd = testing::connect_loopback(port);
  if (fd < 0) return 0;
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (method == "POST") {
    req += "Authorization: Bearer " + kToken + "\r\nContent-Type: application/json\r\n";
  }
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return 0;
  }
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  // "HTTP/1.1 200 OK"
  if (reply.rfind("HTTP/1.1 ", 0) != 0 || reply.size() < 12) return 0;
  return std::stoi(reply.substr(9, 3));
}

// Loopback, any free port, kToken as the operator's.
ApiOptions options() {
  ApiOptions o;
  o.access = Access::operator_token(kToken);
  o.hosts = host_policy(o.address, {});
  return o;
}

TEST(ApiServer, ManyClientsAtOnceAreAnsweredAndTheControlLoopKeepsItsState) {
  net::Loop control;
  ControlBackend backend(std::this_thread::get_id());
  ApiServer api(control, backend, options());
  api.start();
  const std::uint16_t port = api.port();

  constexpr int kClients = 4;
  const int each = static_cast<int>(test::scaled(40));
  std::mutex mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < each; ++i) {
        std::string what;
        int status = 0;
        switch (i % 4) {
          case 0:
            what = "status";
            status = request(port, "GET", "/api/v1/status?site=ams");
            break;
          case 1:
            what = "drain";
            status = request(port, "POST", "/api/v1/commands/drain",
                             R"({"site": "s)" + std::to_string(c) + R"(", "why": "test"})");
            break;
          case 2:
            what = "healthz";
            status = request(port, "GET", "/healthz");
            break;
          case 3:
            what = "history";
            status = request(port, "GET", "/api/v1/history?limit=5");
            break;
        }
        if (status != 200) {
          std::lock_guard lock(mutex);
          failures.push_back(what + " answered " + std::to_string(status));
        }
      }
    });
  }
  // The control loop runs on this thread until every client has its answers.
  std::thread until_done([&] {
    for (std::thread& t : clients) t.join();
    control.stop();
  });
  net::Timer guard(control);
  guard.start(60s, [&] { control.stop(); });
  control.run();
  until_done.join();
  api.stop();

  EXPECT_TRUE(failures.empty()) << failures.size()
                                << " failed, the first: " << (failures.empty() ? "" : failures[0]);
  EXPECT_EQ(backend.on_the_wrong_thread(), 0);
  const int per_kind = kClients * ((each + 3) / 4);
  EXPECT_EQ(backend.statuses(), per_kind);
  EXPECT_EQ(static_cast<int>(backend.drained().size()), per_kind);
}

TEST(ApiServer, StopWithRequestsWaitingForTheControlLoopReturnsAndAnswersNoneLate) {
  net::Loop control;
  ControlBackend backend(std::this_thread::get_id());
  auto api = std::make_unique<ApiServer>(control, backend, options());
  api->start();
  const std::uint16_t port = api->port();

  // The control loop is not running: these wait for it.
  std::vector<std::thread> clients;
  std::vector<int> answers(3, -1);
  for (int c = 0; c < 3; ++c) {
    clients.emplace_back([&, c] { answers[c] = request(port, "GET", "/api/v1/status"); });
  }
  // /healthz does not need the control loop, so once it is answered the
  // server is up; the status requests are given a moment to arrive.
  EXPECT_EQ(request(port, "GET", "/healthz"), 200);
  std::this_thread::sleep_for(200ms);

  const auto before = std::chrono::steady_clock::now();
  api->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
  for (std::thread& t : clients) t.join();
  for (int a : answers) EXPECT_EQ(a, 0) << "a request was answered after stop()";

  // The control loop runs the requests that were waiting: their answers are
  // dropped, not sent on a closed server.
  net::Timer later(control);
  later.start(100ms, [&] { control.stop(); });
  control.run();
  EXPECT_LE(backend.statuses(), 3);
  api.reset();
}

}  // namespace
}  // namespace drpilot::api
