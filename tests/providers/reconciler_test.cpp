// The reconciler against scripted providers: diff -> apply -> verify, the
// events it posts to the loop, backoff and server-requested waits, permanent
// failures, fencing, status and stop. The loop runs on simulated time: a
// worker's wait ends only when the test moves time past it (pass_time_until),
// so waits are asserted exactly, and a wait that ends while time stands
// still ended for its reason (a new target, stop), never by chance.

#include "providers/reconciler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "core/time_source.h"
#include "net/loop.h"
#include "support/process.h"
#include "support/simulated_time.h"

namespace drpilot::providers {
namespace {

using namespace std::chrono_literals;
using Kind = ReconcileEvent::Kind;
using drpilot::testing::pass_time_until;
using drpilot::testing::wait_until;

// What a scripted provider sees and does; shared between the test and the
// provider object (which the reconciler owns).
struct Script {
  std::mutex mutex;
  std::condition_variable cv;
  std::uint64_t world = 0;  // the generation the "world" shows
  bool apply_changes_world = true;
  std::deque<Failure> diff_failures;   // consumed one per diff
  std::deque<Failure> apply_failures;  // consumed one per apply
  std::optional<Failure> always_fail;  // every diff fails with this
  // Holds the next diff until released (to change the target meanwhile).
  bool hold_diff = false;
  bool in_diff = false;
  bool hold_apply = false;
  bool in_apply = false;

  std::vector<std::uint64_t> diffs;        // the generation of each diff
  const core::TimeSource* time = nullptr;  // the loop's, for diff_times
  std::vector<core::SteadyTime> diff_times;
  std::vector<std::uint64_t> applies;  // the generation of each apply
  std::optional<std::uint64_t> resumed;
  const std::atomic<bool>* stop_flag = nullptr;

  std::size_t diff_count() {
    std::lock_guard lock(mutex);
    return diffs.size();
  }
  std::vector<std::uint64_t> diffed() {
    std::lock_guard lock(mutex);
    return diffs;
  }
  std::vector<std::uint64_t> applied() {
    std::lock_guard lock(mutex);
    return applies;
  }
  void release_diff() {
    {
      std::lock_guard lock(mutex);
      hold_diff = false;
    }
    cv.notify_all();
  }
  void release_apply() {
    {
      std::lock_guard lock(mutex);
      hold_apply = false;
    }
    cv.notify_all();
  }
};

class ScriptedProvider final : public Provider {
 public:
  ScriptedProvider(std::string name, std::shared_ptr<Script> s)
      : Provider(std::move(name)), s_(std::move(s)) {}
  std::string_view kind() const override { return "scripted"; }
  std::string where() const override { return "memory"; }

  std::variant<Changes, Failure> diff(const Target& t) override {
    std::unique_lock lock(s_->mutex);
    s_->diffs.push_back(t.generation);
    s_->diff_times.push_back(s_->time->steady_now());
    s_->in_diff = true;
    s_->cv.notify_all();
    s_->cv.wait(lock, [&] { return !s_->hold_diff; });
    s_->in_diff = false;
    if (s_->always_fail) return *s_->always_fail;
    if (!s_->diff_failures.empty()) {
      Failure f = s_->diff_failures.front();
      s_->diff_failures.pop_front();
      return f;
    }
    Changes c;
    if (s_->world != t.generation) {
      c.steps.push_back("set world " + std::to_string(s_->world) + " -> " +
                        std::to_string(t.generation));
    }
    return c;
  }

  std::optional<Failure> apply(const Target& t, const Changes& c) override {
    std::unique_lock lock(s_->mutex);
    EXPECT_FALSE(c.empty());
    s_->applies.push_back(t.generation);
    s_->in_apply = true;
    s_->cv.notify_all();
    s_->cv.wait(lock, [&] { return !s_->hold_apply; });
    s_->in_apply = false;
    if (!s_->apply_failures.empty()) {
      Failure f = s_->apply_failures.front();
      s_->apply_failures.pop_front();
      return f;
    }
    if (s_->apply_changes_world) s_->world = t.generation;
    return std::nullopt;
  }

  void resume(std::uint64_t verified) override {
    std::lock_guard lock(s_->mutex);
    s_->resumed = verified;
  }
  void set_stop_flag(const std::atomic<bool>* stop) override {
    std::lock_guard lock(s_->mutex);
    s_->stop_flag = stop;
  }

 private:
  std::shared_ptr<Script> s_;
};

Target target(std::uint64_t generation) {
  Target t;
  t.generation = generation;
  t.summary = "generation " + std::to_string(generation);
  return t;
}

Failure failure(std::string reason, std::optional<core::Duration> retry_after = std::nullopt,
                bool permanent = false) {
  Failure f = fail(std::move(reason));
  f.retry_after = retry_after;
  f.permanent = permanent;
  return f;
}

constexpr net::Backoff kSmall{core::Duration{10}, core::Duration{50}};
constexpr net::Backoff kHuge{core::Duration{60'000}, core::Duration{60'000}};

// A loop on its own thread; events are collected under a mutex.
class ReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_thread_ = std::thread([this] {
      {
        std::lock_guard lock(mutex_);
        loop_id_ = std::this_thread::get_id();
      }
      loop_.run();
    });
    // stop() before run() would be undone by run(): wait until it runs.
    std::atomic<bool> running{false};
    loop_.post([&] { running = true; });
    ASSERT_TRUE(wait_until([&] { return running.load(); }, 10s, 1ms));
    reconciler_ = std::make_unique<Reconciler>(
        loop_,
        [this](const ReconcileEvent& e) {
          std::lock_guard lock(mutex_);
          if (std::this_thread::get_id() != loop_id_) off_loop_ = true;
          events_.push_back(e);
        },
        42);
  }
  void TearDown() override {
    reconciler_.reset();
    loop_.stop();
    loop_thread_.join();
    EXPECT_FALSE(off_loop_) << "an event was delivered off the loop thread";
  }

  std::shared_ptr<Script> add(const std::string& name, net::Backoff b = kSmall,
                              std::uint64_t applied = 0, std::uint64_t verified = 0,
                              bool local = false) {
    auto s = std::make_shared<Script>();
    s->time = &time_;
    reconciler_->add(std::make_unique<ScriptedProvider>(name, s), b, applied, verified, local);
    return s;
  }

  std::vector<ReconcileEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<ReconcileEvent> events_of(const std::string& provider, Kind k) {
    std::vector<ReconcileEvent> out;
    for (const ReconcileEvent& e : events()) {
      if (e.provider == provider && e.kind == k) out.push_back(e);
    }
    return out;
  }
  bool has_event(const std::string& provider, Kind k, std::uint64_t generation) {
    for (const ReconcileEvent& e : events()) {
      if (e.provider == provider && e.kind == k && e.generation == generation) return true;
    }
    return false;
  }
  // Waits for an event while time stands still.
  bool wait_event(const std::string& provider, Kind k, std::uint64_t generation) {
    return wait_until([&] { return has_event(provider, k, generation); }, 30s, 1ms);
  }
  // Lets time pass, from one wake-up of a worker to the next, until the event.
  bool pass_time_until_event(const std::string& provider, Kind k, std::uint64_t generation) {
    return pass_time_until(time_, [&] { return has_event(provider, k, generation); });
  }
  // Every event posted so far has been delivered: a marker posted after them
  // has run on the loop.
  void drain_loop() {
    std::atomic<bool> ran{false};
    loop_.post([&] { ran = true; });
    ASSERT_TRUE(wait_until([&] { return ran.load(); }, 30s, 1ms));
  }
  ProviderStatus status_of(const std::string& name) {
    for (const ProviderStatus& s : reconciler_->status()) {
      if (s.name == name) return s;
    }
    ADD_FAILURE() << "no status for " << name;
    return {};
  }
  std::string kinds(const std::string& provider) {
    std::string s;
    for (const ReconcileEvent& e : events()) {
      if (e.provider != provider) continue;
      s += (s.empty() ? "" : ",") + std::string(to_string(e.kind)) + ":" +
           std::to_string(e.generation);
    }
    return s;
  }

  core::SimulatedTime time_;
  net::Loop loop_{time_};
  std::thread loop_thread_;
  std::mutex mutex_;
  std::thread::id loop_id_;
  bool off_loop_ = false;
  std::vector<ReconcileEvent> events_;
  std::unique_ptr<Reconciler> reconciler_;
};

TEST_F(ReconcilerTest, DiffApplyVerifyAndEventsInOrderOnTheLoopThread) {
  auto s = add("p");
  EXPECT_EQ(status_of("p").state, SyncState::converging);  // no target yet
  reconciler_->set_target(target(1));
  ASSERT_TRUE(wait_event("p", Kind::verified, 1)) << kinds("p");
  EXPECT_EQ(kinds("p"), "started:1,applying:1,applied:1,verified:1");
  // diff, apply, diff again to verify.
  EXPECT_EQ(s->diffed(), (std::vector<std::uint64_t>{1, 1}));
  EXPECT_EQ(s->applied(), std::vector<std::uint64_t>{1});

  auto applying = events_of("p", Kind::applying);
  ASSERT_EQ(applying.size(), 1u);
  EXPECT_EQ(applying[0].steps, std::vector<std::string>{"set world 0 -> 1"});
  EXPECT_NE(applying[0].message.find("applying 1 change for generation 1: set world 0 -> 1"),
            std::string::npos)
      << applying[0].message;
  auto verified = events_of("p", Kind::verified);
  EXPECT_EQ(verified[0].applied_generation, 1u);
  EXPECT_EQ(verified[0].verified_generation, 1u);
  EXPECT_NE(verified[0].message.find("verified generation 1: in sync"), std::string::npos);

  ProviderStatus st = status_of("p");
  EXPECT_EQ(st.state, SyncState::in_sync);
  EXPECT_EQ(st.kind, "scripted");
  EXPECT_EQ(st.where, "memory");
  EXPECT_EQ(st.target_generation, 1u);
  EXPECT_EQ(st.applied_generation, 1u);
  EXPECT_EQ(st.verified_generation, 1u);
  EXPECT_EQ(st.failures, 0);
  EXPECT_EQ(st.last_changes, std::vector<std::string>{"set world 0 -> 1"});
  EXPECT_TRUE(reconciler_->all_verified(1));
  EXPECT_FALSE(reconciler_->all_verified(2));
}

// A cluster follower serves the leader's plan from its own DNS and leaves
// every other provider alone.
TEST_F(ReconcilerTest, ALocalOnlyTargetReachesOnlyTheLocalProviders) {
  auto dns = add("embedded", kSmall, 0, 0, /*local=*/true);
  auto remote = add("linode");
  reconciler_->set_target(target(4), /*local_only=*/true);
  ASSERT_TRUE(wait_event("embedded", Kind::verified, 4)) << kinds("embedded");
  drain_loop();
  EXPECT_EQ(kinds("linode"), "");
  EXPECT_TRUE(remote->diffed().empty());
  EXPECT_EQ(status_of("linode").target_generation, 0u);
  // Leading, it hands the next plan to everyone.
  reconciler_->set_target(target(5));
  ASSERT_TRUE(wait_event("linode", Kind::verified, 5)) << kinds("linode");
  ASSERT_TRUE(wait_event("embedded", Kind::verified, 5)) << kinds("embedded");
}

// A deposed leader whose change is already on its way applies nothing: the
// permit is asked just before the change, and only for providers outside.
TEST_F(ReconcilerTest, AChangeWithoutPermitIsHeldUntilTheNextTarget) {
  std::atomic<bool> leading{false};
  reconciler_->set_permit(
      [&]() -> std::string { return leading ? "" : "not the acting leader (lease expired)"; });
  auto dns = add("embedded", kSmall, 0, 0, /*local=*/true);
  auto remote = add("linode");
  reconciler_->set_target(target(2));
  ASSERT_TRUE(wait_event("linode", Kind::refused, 2)) << kinds("linode");
  ASSERT_TRUE(wait_event("embedded", Kind::verified, 2)) << kinds("embedded");
  EXPECT_TRUE(remote->applied().empty());
  auto refused = events_of("linode", Kind::refused);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_NE(refused[0].message.find("linode held generation 2: not the acting leader"),
            std::string::npos)
      << refused[0].message;
  // Nothing more is tried for that target, however long it waits.
  time_.advance(std::chrono::seconds(60));
  drain_loop();
  EXPECT_EQ(remote->diffed(), std::vector<std::uint64_t>{2});
  // Leading again: the next target is applied.
  leading = true;
  reconciler_->set_target(target(3));
  ASSERT_TRUE(wait_event("linode", Kind::verified, 3)) << kinds("linode");
  EXPECT_EQ(remote->applied(), std::vector<std::uint64_t>{3});
}

TEST_F(ReconcilerTest, AWorldAlreadyInSyncIsVerifiedWithoutApplying) {
  auto s = add("p");
  {
    std::lock_guard lock(s->mutex);
    s->world = 3;
  }
  reconciler_->set_target(target(3));
  ASSERT_TRUE(wait_event("p", Kind::verified, 3));
  EXPECT_EQ(kinds("p"), "started:3,verified:3");
  EXPECT_TRUE(s->applied().empty());
  EXPECT_NE(events_of("p", Kind::verified)[0].message.find("already in sync"), std::string::npos);
  EXPECT_EQ(status_of("p").applied_generation, 0u);  // nothing was changed
  EXPECT_EQ(status_of("p").verified_generation, 3u);
}

TEST_F(ReconcilerTest, ResumeGetsTheJournalsVerifiedGenerationBeforeTheFirstDiff) {
  auto s = add("p", kSmall, 4, 3);
  ASSERT_TRUE(wait_until(
      [&] {
        std::lock_guard lock(s->mutex);
        return s->resumed.has_value();
      },
      5s, 2ms));
  EXPECT_EQ(*s->resumed, 3u);
  EXPECT_EQ(s->diff_count(), 0u);
  ProviderStatus st = status_of("p");
  EXPECT_EQ(st.applied_generation, 4u);
  EXPECT_EQ(st.verified_generation, 3u);
  EXPECT_TRUE(reconciler_->all_verified(3));
  EXPECT_FALSE(reconciler_->all_verified(4));
  // The stop flag it was handed is the worker's: false while running.
  std::lock_guard lock(s->mutex);
  ASSERT_NE(s->stop_flag, nullptr);
  EXPECT_FALSE(s->stop_flag->load());
}

TEST_F(ReconcilerTest, TransientFailuresAreRetriedAndTheSameReasonIsReportedOnce) {
  auto s = add("p");
  {
    std::lock_guard lock(s->mutex);
    for (int i = 0; i < 4; ++i) s->diff_failures.push_back(failure("HTTP 502"));
    s->diff_failures.push_back(failure("connect refused"));
    s->diff_failures.push_back(failure("connect refused"));
  }
  reconciler_->set_target(target(1));
  ASSERT_TRUE(pass_time_until_event("p", Kind::verified, 1)) << kinds("p");
  auto failed = events_of("p", Kind::failed);
  ASSERT_EQ(failed.size(), 2u) << kinds("p");
  EXPECT_NE(failed[0].message.find("p failed on generation 1: HTTP 502"), std::string::npos)
      << failed[0].message;
  EXPECT_NE(failed[1].message.find("connect refused"), std::string::npos);
  EXPECT_EQ(s->diff_count(), 8u);  // 6 failures, then diff + verify
  ProviderStatus st = status_of("p");
  EXPECT_EQ(st.state, SyncState::in_sync);
  EXPECT_EQ(st.failures, 0);
  EXPECT_EQ(st.last_error, "");
}

TEST_F(ReconcilerTest, AFailureIsReportedAgainAfterARecovery) {
  auto s = add("p");
  {
    std::lock_guard lock(s->mutex);
    s->diff_failures.push_back(failure("HTTP 502"));
  }
  reconciler_->set_target(target(1));
  ASSERT_TRUE(pass_time_until_event("p", Kind::verified, 1));
  {
    std::lock_guard lock(s->mutex);
    s->diff_failures.push_back(failure("HTTP 502"));
  }
  reconciler_->set_target(target(2));
  ASSERT_TRUE(pass_time_until_event("p", Kind::verified, 2));
  EXPECT_EQ(events_of("p", Kind::failed).size(), 2u) << kinds("p");
}

TEST_F(ReconcilerTest, StatusWhileFailingNamesTheErrorAndTheNextAttempt) {
  auto s = add("p", kHuge);
  {
    std::lock_guard lock(s->mutex);
    s->diff_failures.push_back(failure("HTTP 503", core::Duration{120'000}));
  }
  reconciler_->set_target(target(1));
  ASSERT_TRUE(wait_event("p", Kind::failed, 1));
  ASSERT_TRUE(wait_until([&] { return status_of("p").next_attempt_at != core::TimePoint{}; }, 30s));
  ProviderStatus st = status_of("p");
  EXPECT_EQ(st.state, SyncState::failing);
  EXPECT_EQ(st.failures, 1);
  EXPECT_EQ(st.last_error, "HTTP 503");
  EXPECT_EQ(st.last_error_at, time_.now());
  // Never sooner than the server asked, even though the backoff is shorter.
  EXPECT_EQ(st.next_attempt_at, time_.now() + core::Duration{120'000});
  EXPECT_FALSE(reconciler_->all_verified(1));
}

TEST_F(ReconcilerTest, APermanentFailureWaitsTheCapAndIsReportedOnce) {
  auto s = add("p", kSmall);
  {
    std::lock_guard lock(s->mutex);
    s->always_fail = failure("HTTP 401: invalid token", std::nullopt, true);
  }
  reconciler_->set_target(target(1));
  ASSERT_TRUE(pass_time_until(time_, [&] { return s->diff_count() >= 6; }));
  auto failed = events_of("p", Kind::failed);
  ASSERT_EQ(failed.size(), 1u) << kinds("p");
  EXPECT_NE(failed[0].message.find("HTTP 401: invalid token (retrying every 50ms)"),
            std::string::npos)
      << failed[0].message;
  ProviderStatus st = status_of("p");
  EXPECT_EQ(st.state, SyncState::failing);
  EXPECT_EQ(st.next_attempt_at, time_.now() + core::Duration{50});  // exactly the cap
  std::lock_guard lock(s->mutex);
  // Full jitter could retry at once; a permanent failure always waits the cap.
  for (std::size_t i = 1; i < s->diff_times.size(); ++i) {
    EXPECT_EQ(s->diff_times[i] - s->diff_times[i - 1], 50ms) << "attempt " << i;
  }
}

TEST_F(ReconcilerTest, BackoffStaysUnderTheCap) {
  auto s = add("p", kSmall);
  {
    std::lock_guard lock(s->mutex);
    s->always_fail = failure("HTTP 500");
  }
  const core::SteadyTime start = time_.steady_now();
  reconciler_->set_target(target(1));
  // With a 50ms cap, 10 attempts wait at most 9 x 50 ms; an uncapped
  // exponential backoff would need minutes.
  ASSERT_TRUE(pass_time_until(time_, [&] { return s->diff_count() >= 10; }));
  EXPECT_LE(time_.steady_now() - start, 9 * 50ms);
  {
    std::lock_guard lock(s->mutex);
    for (std::size_t i = 1; i < s->diff_times.size(); ++i) {
      EXPECT_LE(s->diff_times[i] - s->diff_times[i - 1], 50ms) << "attempt " << i;
    }
  }
  EXPECT_EQ(events_of("p", Kind::failed).size(), 1u);
  EXPECT_LE(status_of("p").next_attempt_at, time_.now() + core::Duration{50});
}

TEST_F(ReconcilerTest, NeverRetriesSoonerThanRetryAfter) {
  auto s = add("p", kSmall);
  {
    std::lock_guard lock(s->mutex);
    s->diff_failures.push_back(failure("HTTP 429", core::Duration{300}));
  }
  reconciler_->set_target(target(1));
  ASSERT_TRUE(pass_time_until_event("p", Kind::verified, 1));
  std::lock_guard lock(s->mutex);
  ASSERT_GE(s->diff_times.size(), 2u);
  EXPECT_EQ(s->diff_times[1] - s->diff_times[0], 300ms) << "the server's wait, not the backoff";
}

// A Retry-After of hours from a broken API must not hold a failover back.
TEST_F(ReconcilerTest, AWaitTheServerAsksForIsCapped) {
  net::Backoff b = kSmall;
  b.server_wait_cap = core::Duration{200};
  auto s = add("p", b);
  {
    std::lock_guard lock(s->mutex);
    s->diff_failures.push_back(failure("HTTP 429", core::Duration{3'600'000}));
  }
  reconciler_->set_target(target(1));
  ASSERT_TRUE(wait_event("p", Kind::failed, 1));
  ASSERT_TRUE(wait_until([&] { return status_of("p").next_attempt_at != core::TimePoint{}; }, 30s));
  EXPECT_EQ(status_of("p").next_attempt_at, time_.now() + core::Duration{200});
  ASSERT_TRUE(pass_time_until_event("p", Kind::verified, 1)) << kinds("p");
  std::lock_guard lock(s->mutex);
  ASSERT_GE(s->diff_times.size(), 2u);
  EXPECT_EQ(s->diff_times[1] - s->diff_times[0], 200ms);
}

// The wait a server asked for about an older plan does not hold a newer one.
TEST_F(ReconcilerTest, ANewTargetEndsAWaitTheServerAskedFor) {
  auto s = add("p", kSmall);
  {
    std::lock_guard lock(s->mutex);
    s->diff_failures.push_back(failure("HTTP 429", core::Duration{120'000}));
  }
  reconciler_->set_target(target(1));
  ASSERT_TRUE(wait_event("p", Kind::failed, 1));
  const core::SteadyTime before = time_.steady_now();
  reconciler_->set_target(target(2));
  ASSERT_TRUE(wait_event("p", Kind::verified, 2)) << kinds("p");
  EXPECT_EQ(time_.steady_now(), before) << "time stood still: the new target ended the wait";
  EXPECT_EQ(s->applied(), std::vector<std::uint64_t>{2});
}

TEST_F(ReconcilerTest, ANewTargetEndsABackoffWait) {
  auto s = add("p", kHuge);
  {
    std::lock_guard lock(s->mutex);
    // A permanent failure waits exactly the cap: a whole minute.
    s->diff_failures.push_back(failure("HTTP 404: no such domain", std::nullopt, true));
  }
  reconciler_->set_target(target(1));
  ASSERT_TRUE(wait_event("p", Kind::failed, 1));
  const core::SteadyTime before = time_.steady_now();
  reconciler_->set_target(target(2));
  ASSERT_TRUE(wait_event("p", Kind::verified, 2)) << kinds("p");
  EXPECT_EQ(time_.steady_now(), before) << "time stood still: the new target ended the wait";
  EXPECT_EQ(status_of("p").state, SyncState::in_sync);
  EXPECT_EQ(s->applied(), std::vector<std::uint64_t>{2});
  EXPECT_EQ(s->diffed(), (std::vector<std::uint64_t>{1, 2, 2}));
}

TEST_F(ReconcilerTest, AFailedVerificationIsAFailureAndTheApplyStillCountsForFencing) {
  auto s = add("p", kHuge);
  {
    std::lock_guard lock(s->mutex);
    s->apply_changes_world = false;  // the API says yes but nothing changes
  }
  reconciler_->set_target(target(5));
  ASSERT_TRUE(wait_event("p", Kind::failed, 5)) << kinds("p");
  auto failed = events_of("p", Kind::failed);
  EXPECT_NE(failed[0].message.find("after the change 1 difference remain: set world 0 -> 5"),
            std::string::npos)
      << failed[0].message;
  EXPECT_EQ(kinds("p"), "started:5,applying:5,applied:5,failed:5");
  ProviderStatus st = status_of("p");
  EXPECT_EQ(st.applied_generation, 5u);
  EXPECT_EQ(st.verified_generation, 0u);
  EXPECT_EQ(st.state, SyncState::failing);
}

TEST_F(ReconcilerTest, AFailedApplyStillFencesOlderGenerations) {
  auto s = add("p", kSmall);
  {
    std::lock_guard lock(s->mutex);
    s->apply_failures.push_back(failure("HTTP 500 halfway"));
  }
  reconciler_->set_target(target(7));
  ASSERT_TRUE(pass_time_until_event("p", Kind::verified, 7)) << kinds("p");
  EXPECT_EQ(events_of("p", Kind::failed).size(), 1u);
  // A deposed controller now hands an older plan: refused, never applied.
  reconciler_->set_target(target(6));
  ASSERT_TRUE(wait_event("p", Kind::refused, 6)) << kinds("p");
  EXPECT_EQ(s->applied(), (std::vector<std::uint64_t>{7, 7}));
}

TEST_F(ReconcilerTest, FencingRefusesAGenerationOlderThanTheJournalsApplied) {
  auto s = add("p", kSmall, /*applied=*/5, /*verified=*/5);
  reconciler_->set_target(target(3));
  ASSERT_TRUE(wait_event("p", Kind::refused, 3)) << kinds("p");
  auto refused = events_of("p", Kind::refused);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].message, "p refused generation 3: generation 5 was already applied");
  EXPECT_EQ(refused[0].applied_generation, 5u);
  EXPECT_EQ(s->diff_count(), 0u);
  EXPECT_TRUE(s->applied().empty());
  ProviderStatus st = status_of("p");
  EXPECT_EQ(st.state, SyncState::failing);
  EXPECT_NE(st.last_error.find("refused generation 3"), std::string::npos);
  // The same generation as the applied one is not older: it is diffed.
  reconciler_->set_target(target(5));
  ASSERT_TRUE(wait_event("p", Kind::verified, 5)) << kinds("p");
  reconciler_->set_target(target(6));
  ASSERT_TRUE(wait_event("p", Kind::verified, 6));
  EXPECT_EQ(status_of("p").state, SyncState::in_sync);
  EXPECT_EQ(status_of("p").applied_generation, 6u);
}

TEST_F(ReconcilerTest, ANewerTargetArrivingDuringTheDiffIsActedOnInstead) {
  auto s = add("p", kSmall);
  {
    std::lock_guard lock(s->mutex);
    s->hold_diff = true;
  }
  reconciler_->set_target(target(1));
  {
    std::unique_lock lock(s->mutex);
    ASSERT_TRUE(s->cv.wait_for(lock, 15s, [&] { return s->in_diff; }));
  }
  reconciler_->set_target(target(2));
  s->release_diff();
  ASSERT_TRUE(wait_event("p", Kind::verified, 2)) << kinds("p");
  EXPECT_EQ(s->applied(), std::vector<std::uint64_t>{2});
  EXPECT_TRUE(events_of("p", Kind::applying).size() == 1u) << kinds("p");
}

TEST_F(ReconcilerTest, StatusIsConvergingWhileAnApplyIsInFlight) {
  auto s = add("p", kSmall);
  {
    std::lock_guard lock(s->mutex);
    s->hold_apply = true;
  }
  reconciler_->set_target(target(1));
  {
    std::unique_lock lock(s->mutex);
    ASSERT_TRUE(s->cv.wait_for(lock, 15s, [&] { return s->in_apply; }));
  }
  ProviderStatus st = status_of("p");
  EXPECT_EQ(st.state, SyncState::converging);
  EXPECT_EQ(st.target_generation, 1u);
  s->release_apply();
  ASSERT_TRUE(wait_event("p", Kind::verified, 1));
  EXPECT_EQ(status_of("p").state, SyncState::in_sync);
}

TEST_F(ReconcilerTest, TheSameGenerationHandedAgainIsDiffedAgain) {
  auto s = add("p");
  reconciler_->set_target(target(1));
  ASSERT_TRUE(wait_event("p", Kind::verified, 1));
  const std::size_t diffs = s->diff_count();
  reconciler_->set_target(target(1));
  ASSERT_TRUE(wait_until([&] { return events_of("p", Kind::verified).size() == 2; }, 30s));
  EXPECT_EQ(s->diff_count(), diffs + 1);
  EXPECT_EQ(events_of("p", Kind::started).size(), 1u);  // not started anew
  EXPECT_EQ(s->applied(), std::vector<std::uint64_t>{1});
}

TEST_F(ReconcilerTest, OneFailingProviderNeverHoldsUpTheOthers) {
  auto bad = add("bad", kHuge);
  auto good = add("good");
  {
    std::lock_guard lock(bad->mutex);
    bad->always_fail = failure("connect timeout");
  }
  reconciler_->set_target(target(1));
  ASSERT_TRUE(wait_event("good", Kind::verified, 1));
  ASSERT_TRUE(wait_event("bad", Kind::failed, 1));
  EXPECT_EQ(reconciler_->size(), 2u);
  EXPECT_FALSE(reconciler_->all_verified(1));
  EXPECT_EQ(status_of("bad").state, SyncState::failing);
  EXPECT_EQ(status_of("good").state, SyncState::in_sync);
}

TEST_F(ReconcilerTest, AProviderAddedAfterATargetStartsFromTheNewestOne) {
  add("first");
  reconciler_->set_target(target(1));
  reconciler_->set_target(target(2));
  ASSERT_TRUE(wait_event("first", Kind::verified, 2));
  auto late = add("late");
  EXPECT_EQ(status_of("late").target_generation, 2u);
  ASSERT_TRUE(wait_event("late", Kind::verified, 2));
  EXPECT_EQ(late->applied(), std::vector<std::uint64_t>{2});
  EXPECT_TRUE(reconciler_->all_verified(2));
}

TEST_F(ReconcilerTest, StopJoinsPromptlyEvenDuringALongWaitAndDropsLateEvents) {
  auto s = add("p", kHuge);
  {
    std::lock_guard lock(s->mutex);
    s->always_fail = failure("HTTP 503", core::Duration{600'000});
  }
  reconciler_->set_target(target(1));
  ASSERT_TRUE(wait_event("p", Kind::failed, 1));
  // Time stands still: only stop() can end the worker's ten-minute wait.
  reconciler_->stop();
  EXPECT_EQ(reconciler_->size(), 0u);
  EXPECT_TRUE(reconciler_->status().empty());
  const std::size_t n = events().size();
  drain_loop();  // whatever the workers posted before they stopped
  EXPECT_EQ(events().size(), n) << "an event was delivered after stop()";
  reconciler_->stop();  // idempotent
}

TEST_F(ReconcilerTest, StopSetsTheProvidersStopFlagAndWaitsForTheAttemptInFlight) {
  auto s = add("p", kSmall);
  {
    std::lock_guard lock(s->mutex);
    s->hold_apply = true;
  }
  reconciler_->set_target(target(1));
  {
    std::unique_lock lock(s->mutex);
    ASSERT_TRUE(s->cv.wait_for(lock, 15s, [&] { return s->in_apply; }));
  }
  const std::atomic<bool>* flag = nullptr;
  {
    std::lock_guard lock(s->mutex);
    flag = s->stop_flag;
  }
  ASSERT_NE(flag, nullptr);
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    reconciler_->stop();
    stopped = true;
  });
  // The provider sees the flag (a long wait inside it would end now) and
  // stop() waits for the apply in flight.
  ASSERT_TRUE(wait_until([&] { return flag->load(); }, 30s));
  // Nothing to wait for when stop() is right; the pause gives a stop() that
  // does not wait for the apply the chance to return and be caught.
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(stopped.load());
  s->release_apply();
  stopper.join();
  EXPECT_TRUE(stopped.load());
}

TEST_F(ReconcilerTest, TheJitterComesFromTheSeed) {
  // The first retry waits full_jitter(backoff, 0) drawn from the worker's
  // generator: the reconciler's seed for the first provider.
  auto s = add("p", kHuge);
  {
    std::lock_guard lock(s->mutex);
    s->always_fail = failure("HTTP 500");
  }
  reconciler_->set_target(target(1));
  ASSERT_TRUE(wait_event("p", Kind::failed, 1));
  ASSERT_TRUE(wait_until([&] { return status_of("p").next_attempt_at != core::TimePoint{}; }, 30s));
  std::mt19937_64 rng(42);
  const core::Duration first = net::full_jitter(kHuge, 0, rng);
  EXPECT_EQ(s->diff_count(), 1u) << "time stood still";
  EXPECT_EQ(status_of("p").next_attempt_at, time_.now() + first);
}

TEST(ReconcilerNames, StatesAndEventKindsHaveWords) {
  EXPECT_EQ(to_string(SyncState::in_sync), "in sync");
  EXPECT_EQ(to_string(SyncState::converging), "converging");
  EXPECT_EQ(to_string(SyncState::failing), "failing");
  EXPECT_EQ(to_string(Kind::started), "started");
  EXPECT_EQ(to_string(Kind::applying), "applying");
  EXPECT_EQ(to_string(Kind::applied), "applied");
  EXPECT_EQ(to_string(Kind::verified), "verified");
  EXPECT_EQ(to_string(Kind::failed), "failed");
  EXPECT_EQ(to_string(Kind::refused), "refused");
}

}  // namespace
}  // namespace drpilot::providers
