// The waits a cloud API asks for, on simulated time: a short one is slept
// through before the next request and no request leaves before it ends; a
// long one is handed back at once with what remains; the stop flag ends a
// wait; a rate-limit reset given as a Unix time is read against the wall
// clock. The server is real (loopback); only time is simulated.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

#include "core/time_source.h"
#include "net/http.h"
#include "providers/api_client.h"
#include "support/served_http.h"
#include "support/simulated_time.h"

namespace drpilot::providers {
namespace {

using namespace std::chrono_literals;
using drpilot::testing::sleepers_at_least;
using drpilot::testing::sleepers_saw_the_time;
using drpilot::testing::wait_until;

// Answers its scripted replies in order, then 200 {}; counts requests.
class ScriptedApi {
 public:
  ScriptedApi()
      : http_([this](const net::ServerRequest&, net::Responder respond) {
          std::lock_guard lock(mutex_);
          ++requests_;
          if (script_.empty()) {
            respond({200, "application/json", "{}", {}});
            return;
          }
          respond(script_.front());
          script_.erase(script_.begin());
        }) {}
  void then(net::ServerResponse r) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(r));
  }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::string url() const { return http_.url(""); }

 private:
  std::mutex mutex_;
  std::vector<net::ServerResponse> script_;
  int requests_ = 0;
  testing::ServedHttp http_;
};

net::ServerResponse too_many(std::vector<std::pair<std::string, std::string>> headers) {
  return {429, "application/json", R"({"errors": [{"reason": "Too many requests"}]})",
          std::move(headers)};
}

struct ApiClientWaits : ::testing::Test {
  core::SimulatedTime time{core::from_ms(1'800'000'000'000)};
  ScriptedApi api;
  ApiClient client{
      ApiOptions{.base_url = api.url(), .token = "api-client-wait-token", .time = &time},
      [](int status, const nlohmann::json&) { return "HTTP " + std::to_string(status); }};
  std::variant<ApiReply, Failure> get() { return client.call("GET", "/records"); }
};

TEST_F(ApiClientWaits, AShortWaitIsSleptThroughAndNothingIsSentBeforeItEnds) {
  api.then(too_many({{"Retry-After", "3"}}));
  auto first = get();
  ASSERT_TRUE(std::holds_alternative<Failure>(first));
  EXPECT_EQ(std::get<Failure>(first).retry_after, core::Duration{3'000});

  std::atomic<bool> done{false};
  std::variant<ApiReply, Failure> second;
  std::thread caller([&] {
    second = get();
    done = true;
  });
  ASSERT_TRUE(sleepers_at_least(time, 1));
  time.advance(3s - 1ms);
  ASSERT_TRUE(sleepers_saw_the_time(time));
  EXPECT_FALSE(done.load());
  EXPECT_EQ(api.requests(), 1) << "a request left before the server's wait ended";
  time.advance(1ms);
  caller.join();
  ASSERT_TRUE(std::holds_alternative<ApiReply>(second));
  EXPECT_EQ(std::get<ApiReply>(second).status, 200);
  EXPECT_EQ(api.requests(), 2);
}

TEST_F(ApiClientWaits, ALongWaitIsHandedBackAtOnceWithWhatRemains) {
  api.then(too_many({{"Retry-After", "60"}}));
  get();
  time.advance(15s);
  auto held = get();  // time stands still meanwhile: nothing was slept
  ASSERT_TRUE(std::holds_alternative<Failure>(held));
  const Failure& f = std::get<Failure>(held);
  EXPECT_EQ(f.retry_after, core::Duration{45'000});
  EXPECT_NE(f.reason.find("rate limit allows the next request in 45s"), std::string::npos)
      << f.reason;
  EXPECT_EQ(api.requests(), 1) << "nothing is sent while the limit holds";
  time.advance(45s);
  EXPECT_TRUE(std::holds_alternative<ApiReply>(get()));
  EXPECT_EQ(api.requests(), 2);
}

TEST_F(ApiClientWaits, TheStopFlagEndsAWait) {
  std::atomic<bool> stop{false};
  client.set_stop_flag(&stop);
  api.then(too_many({{"Retry-After", "4"}}));
  get();
  std::variant<ApiReply, Failure> second;
  std::thread caller([&] { second = get(); });
  ASSERT_TRUE(sleepers_at_least(time, 1));
  stop = true;
  caller.join();  // with time standing still
  ASSERT_TRUE(std::holds_alternative<Failure>(second));
  EXPECT_NE(std::get<Failure>(second).reason.find("stopped while waiting"), std::string::npos);
  EXPECT_EQ(api.requests(), 1);
}

TEST_F(ApiClientWaits, ARateLimitResetAtAUnixTimeIsReadAgainstTheWallClock) {
  // Linode's headers: no requests left until the window resets, 2 s from now
  // by the (simulated) wall clock.
  const auto reset = core::to_ms(time.now()) / 1000 + 2;
  api.then({200,
            "application/json",
            "{}",
            {{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", std::to_string(reset)}}});
  ASSERT_TRUE(std::holds_alternative<ApiReply>(get()));
  std::atomic<bool> done{false};
  std::thread caller([&] {
    get();
    done = true;
  });
  ASSERT_TRUE(sleepers_at_least(time, 1));
  time.advance(2s - 1ms);
  ASSERT_TRUE(sleepers_saw_the_time(time));
  EXPECT_FALSE(done.load());
  EXPECT_EQ(api.requests(), 1);
  time.advance(1ms);
  caller.join();
  EXPECT_EQ(api.requests(), 2);
}

}  // namespace
}  // namespace drpilot::providers
