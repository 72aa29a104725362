// Name lookups inside a request's deadline: the HTTP client against lookups
// that answer, fail, or hang like a name server that never replies. A hung
// lookup cannot be cancelled (getaddrinfo), so what is checked is that the
// request ends at its own deadline all the same, that the answer arriving
// afterwards goes nowhere, and that a resolver that hangs holds a few
// threads, not one per request.

#include "net/resolver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "net/http.h"
#include "net/loop.h"
#include "support/process.h"

namespace drpilot::net {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A lookup that answers from a table at once, or, for names it is told to
// hang on, only when released (as a name server that never replies makes
// getaddrinfo wait until its own timeout). Shared with the lookup threads,
// which may outlive a test's loop.
struct ScriptedLookups {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, Lookup> answers;
  std::set<std::string> hang;
  bool released = false;
  std::vector<std::string> asked;  // every lookup made, in order
  int running = 0, most_running = 0;

  static LookupFunction function(const std::shared_ptr<ScriptedLookups>& self) {
    return [self](const std::string& host) { return self->lookup(host); };
  }

  Lookup lookup(const std::string& host) {
    std::unique_lock lock(mu);
    asked.push_back(host);
    most_running = std::max(most_running, ++running);
    if (hang.count(host) != 0) cv.wait(lock, [&] { return released; });
    --running;
    auto it = answers.find(host);
    return it != answers.end() ? it->second : Lookup{{}, "Name or service not known"};
  }

  void release() {
    std::lock_guard lock(mu);
    released = true;
    cv.notify_all();
  }
  std::vector<std::string> lookups() {
    std::lock_guard lock(mu);
    return asked;
  }
};

class Resolution : public ::testing::Test {
 protected:
  void SetUp() override {
    lookups_ = std::make_shared<ScriptedLookups>();
    resolver_ = std::make_shared<Resolver>(ScriptedLookups::function(lookups_), 2);
    server_ = std::make_unique<HttpServer>(loop_, "127.0.0.1", 0,
                                           [this](const ServerRequest& req, Responder respond) {
                                             ++served_;
                                             ServerResponse r;
                                             r.content_type = "text/plain";
                                             r.body = "host=" + req.headers.at("host");
                                             respond(r);
                                           });
    server_->start();
  }

  // Whatever a test left hanging is let go, and the threads are seen to end.
  void TearDown() override {
    lookups_->release();
    EXPECT_TRUE(testing::wait_until([&] { return resolver_->running() == 0; }, 5s));
  }

  ClientRequest to(const std::string& host, std::chrono::milliseconds timeout = 300ms) {
    ClientRequest r;
    r.host = host;
    r.port = server_->port();
    r.timeout = timeout;
    r.connect_timeout = timeout;
    r.resolver = resolver_;
    return r;
  }

  // Runs the requests until all are done (or 10 s pass, which fails the
  // test); the results in the order of the requests, with how long each took.
  std::vector<std::pair<ClientResult, Clock::duration>> run(std::vector<ClientRequest> reqs) {
    std::vector<std::pair<ClientResult, Clock::duration>> out(reqs.size());
    std::size_t left = reqs.size();
    const auto start = Clock::now();
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      http_request(loop_, reqs[i], [&, i](ClientResult r) {
        out[i] = {std::move(r), Clock::now() - start};
        ++calls_;
        if (--left == 0) loop_.stop();
      });
    }
    Timer guard(loop_);
    guard.start(10s, [&] { loop_.stop(); });
    loop_.run();
    EXPECT_EQ(left, 0u) << "requests did not complete";
    return out;
  }

  // Runs the loop for `d`, to let anything still queued on it happen.
  void idle(std::chrono::milliseconds d) {
    Timer t(loop_);
    t.start(d, [&] { loop_.stop(); });
    loop_.run();
  }

  Loop loop_;
  std::shared_ptr<ScriptedLookups> lookups_;
  std::shared_ptr<Resolver> resolver_;
  std::unique_ptr<HttpServer> server_;
  int served_ = 0;
  int calls_ = 0;
};

TEST_F(Resolution, ANameIsLookedUpAndItsAddressUsed) {
  lookups_->answers["app.example.test"] = {{"127.0.0.1"}, ""};
  auto [r, took] = run({to("app.example.test")})[0];
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, "host=app.example.test:" + std::to_string(server_->port()));
  EXPECT_EQ(lookups_->lookups(), std::vector<std::string>{"app.example.test"});
}

// An address of the answer that refuses is skipped for the next one.
TEST_F(Resolution, EveryAddressOfTheAnswerIsTried) {
  lookups_->answers["app.example.test"] = {{"127.0.0.3", "127.0.0.1"}, ""};
  auto [r, took] = run({to("app.example.test", 2s)})[0];
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(served_, 1);
}

TEST_F(Resolution, AFailedLookupNamesTheHostAndTheReason) {
  auto [r, took] = run({to("nx.example.test")})[0];
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "cannot resolve 'nx.example.test': Name or service not known");
  EXPECT_EQ(r.failure, Failure::remote);
}

// The regression: a lookup that never answers used to hold the request
// (and the loop's destruction) until libc gave up, whatever its timeout.
TEST_F(Resolution, AHungLookupFailsTheRequestAtItsDeadline) {
  lookups_->hang.insert("hung.example.test");
  lookups_->answers["hung.example.test"] = {{"127.0.0.1"}, ""};
  auto [r, took] = run({to("hung.example.test", 300ms)})[0];
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind("timeout after ", 0), 0u) << r.error;
  EXPECT_NE(r.error.find("(name resolution of 'hung.example.test')"), std::string::npos) << r.error;
  EXPECT_EQ(r.failure, Failure::timeout);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_EQ(resolver_->running(), 1u);  // still hung: libc's lookup cannot be stopped

  // The answer comes late: nobody is called again, nothing is requested.
  lookups_->release();
  ASSERT_TRUE(testing::wait_until([&] { return resolver_->running() == 0; }, 5s));
  idle(100ms);
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(served_, 0);
  // The next request for the name makes a fresh lookup, which answers.
  auto [again, t2] = run({to("hung.example.test")})[0];
  EXPECT_TRUE(again.ok) << again.error;
}

// The lookup is part of establishing the connection: it has the connect
// timeout, counted from the start of the request, when that is shorter.
TEST_F(Resolution, ALookupHasTheConnectTimeoutWhenItIsShorter) {
  lookups_->hang.insert("hung.example.test");
  ClientRequest req = to("hung.example.test", 3s);
  req.connect_timeout = 200ms;
  auto [r, took] = run({req})[0];
  EXPECT_NE(r.error.find("name resolution of 'hung.example.test'"), std::string::npos) << r.error;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 1500ms);
}

// Many requests to names that hang: the same name is looked up once, at most
// two lookups (this resolver's bound) run at a time, every request still ends
// at its deadline, and a name whose requests all gave up before its turn is
// never looked up.
TEST_F(Resolution, AHangingResolverHoldsAFewThreadsNotOnePerRequest) {
  std::vector<ClientRequest> reqs;
  for (const char* host : {"a.example.test", "b.example.test", "c.example.test"}) {
    lookups_->hang.insert(host);
    for (int i = 0; i < 10; ++i) reqs.push_back(to(host, 300ms));
  }
  const auto results = run(reqs);
  for (const auto& [r, took] : results) {
    EXPECT_EQ(r.failure, Failure::timeout) << r.error;
    EXPECT_NE(r.error.find("name resolution of '"), std::string::npos) << r.error;
    EXPECT_LT(took, 1500ms);
  }
  const std::vector<std::string> asked = lookups_->lookups();
  EXPECT_EQ(std::set<std::string>(asked.begin(), asked.end()),
            (std::set<std::string>{"a.example.test", "b.example.test"}));
  EXPECT_EQ(asked.size(), 2u);
  EXPECT_EQ(resolver_->running(), 2u);
  EXPECT_EQ(resolver_->queued(), 0u);  // c's requests all gave up: it was dropped

  lookups_->release();
  ASSERT_TRUE(testing::wait_until([&] { return resolver_->running() == 0; }, 5s));
  EXPECT_EQ(lookups_->lookups().size(), 2u);
  EXPECT_LE(lookups_->most_running, 2);
}

// A name that waits for a thread is looked up when one is free, within its
// request's deadline.
TEST_F(Resolution, ANameWaitingForAThreadIsLookedUpWhenOneIsFree) {
  for (const char* host : {"a.example.test", "b.example.test", "c.example.test"}) {
    lookups_->answers[host] = {{"127.0.0.1"}, ""};
  }
  lookups_->hang = {"a.example.test", "b.example.test"};
  std::size_t queued = 0;
  Timer later(loop_);
  later.start(200ms, [&] {
    queued = resolver_->queued();
    lookups_->release();
  });
  const auto results =
      run({to("a.example.test", 3s), to("b.example.test", 3s), to("c.example.test", 3s)});
  for (const auto& [r, took] : results) EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(queued, 1u);
  // a and b started at once, on threads of their own, in either order; c after them.
  const std::vector<std::string> asked = lookups_->lookups();
  ASSERT_EQ(asked.size(), 3u);
  EXPECT_EQ(std::set<std::string>(asked.begin(), asked.begin() + 2),
            (std::set<std::string>{"a.example.test", "b.example.test"}));
  EXPECT_EQ(asked[2], "c.example.test");
  EXPECT_EQ(lookups_->most_running, 2);
}

// The blocking form builds and destroys a loop of its own: it returns at the
// deadline, and the lookup's late answer finds the loop gone and is dropped.
TEST_F(Resolution, ASyncRequestReturnsAtItsDeadlineAndOutlivesTheLookup) {
  lookups_->hang.insert("hung.example.test");
  lookups_->answers["hung.example.test"] = {{"127.0.0.1"}, ""};
  const auto start = Clock::now();
  ClientResult r = http_request_sync(to("hung.example.test", 300ms));
  const auto took = Clock::now() - start;
  EXPECT_EQ(r.failure, Failure::timeout) << r.error;
  EXPECT_LT(took, 1500ms);
  lookups_->release();
  EXPECT_TRUE(testing::wait_until([&] { return resolver_->running() == 0; }, 5s));
  EXPECT_EQ(served_, 0);
}

TEST(SystemLookup, NumericAndHostsFileNames) {
  // Neither needs a name server (hosts: files first on every Debian).
  Lookup numeric = system_lookup("127.0.0.1");
  EXPECT_EQ(numeric.addresses, std::vector<std::string>{"127.0.0.1"}) << numeric.error;
  Lookup local = system_lookup("localhost");
  ASSERT_FALSE(local.addresses.empty()) << local.error;
  for (const std::string& a : local.addresses) {
    EXPECT_TRUE(a == "127.0.0.1" || a == "::1") << a;
  }
}

}  // namespace
}  // namespace drpilot::net
