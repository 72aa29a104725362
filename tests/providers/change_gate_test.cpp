// The change gate with a scripted hook runner: the test decides every hook's
// outcome (change_gate_hooks_test.cpp runs real commands).

#include "providers/change_gate.h"

#include <gtest/gtest.h>

#include <map>

#include "change_gate_samples.h"
#include "core/time_source.h"
#include "net/loop.h"

namespace drpilot::providers {
namespace {

using namespace std::chrono_literals;
using namespace gate_samples;

HookResult result(V command, int exit_code, std::string output = "") {
  HookResult r;
  r.command = std::move(command);
  r.exit_code = exit_code;
  r.output = std::move(output);
  return r;
}

std::map<std::string, std::string> env_map(const HookEnv& env) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : env) m[k] = v;
  return m;
}

struct Reported {
  std::string kind, message;
  std::uint64_t generation;
  std::size_t results;
};

class ChangeGateTest : public ::testing::Test {
 protected:
  struct Pending {
    HookJob job;
    std::function<void(std::vector<HookResult>)> done;
  };

  std::unique_ptr<ChangeGate> make(config::HooksConfig hooks) {
    return std::make_unique<ChangeGate>(
        loop_, std::move(hooks),
        [this](HookJob j, std::function<void(std::vector<HookResult>)> done) {
          jobs_.push_back({std::move(j), std::move(done)});
        },
        [this](const Target& t) { released_.push_back(t.generation); },
        [this](const std::string& kind, const std::string& message,
               const std::vector<HookResult>& results, std::uint64_t gen) {
          reports_.push_back({kind, message, gen, results.size()});
        });
  }

  static config::HooksConfig pre(core::Duration veto_retry = core::Duration{30'000}) {
    config::HooksConfig h;
    h.pre_change = {hook({"/usr/local/bin/maint-check", "--strict"})};
    h.veto_retry = veto_retry;
    return h;
  }

  // Lets `d` of simulated time pass (the timers due meanwhile fire).
  void run_for(std::chrono::milliseconds d) { loop_.advance(d); }

  core::SimulatedTime time_;
  net::Loop loop_{time_};
  std::vector<Pending> jobs_;
  std::vector<std::uint64_t> released_;
  std::vector<Reported> reports_;
};

TEST_F(ChangeGateTest, TheFirstAnswerEverNeedsNoConsent) {
  auto gate = make(pre());
  gate->start(std::nullopt, target(1, "ams"));
  EXPECT_TRUE(jobs_.empty());
  ASSERT_FALSE(released_.empty());
  EXPECT_EQ(released_.back(), 1u);
  EXPECT_EQ(gate->released_generation(), 1u);
  EXPECT_EQ(gate->held_back(), "");
}

TEST_F(ChangeGateTest, WhatWasReleasedBeforeARestartIsReleasedAtOnceThenTheNewTargetAsked) {
  auto gate = make(pre());
  gate->start(target(1, "ams"), target(2, "fra"));
  EXPECT_EQ(released_, std::vector<std::uint64_t>{1});
  ASSERT_EQ(jobs_.size(), 1u);
  const HookJob& j = jobs_[0].job;
  EXPECT_EQ(j.kind, "pre_change");
  ASSERT_EQ(j.commands.size(), 1u);
  EXPECT_EQ(j.commands[0].command, (V{"/usr/local/bin/maint-check", "--strict"}));
  // One run per moved record: only www moved.
  ASSERT_EQ(j.runs.size(), 1u);
  auto env = env_map(j.runs[0]);
  EXPECT_EQ(env["DRPILOT_HOOK"], "pre_change");
  EXPECT_EQ(env["DRPILOT_RECORD"], "www.example.test/A");
  EXPECT_EQ(env["DRPILOT_FROM_SITES"], "ams");
  EXPECT_EQ(env["DRPILOT_TO_SITES"], "fra");
  EXPECT_EQ(env["DRPILOT_FROM_ADDRESSES"], "192.0.2.1");
  EXPECT_EQ(env["DRPILOT_TO_ADDRESSES"], "198.51.100.1");
  EXPECT_EQ(env["DRPILOT_GENERATION"], "2");
  EXPECT_EQ(env["DRPILOT_REASON"], "www goes to fra");
  EXPECT_EQ(env.size(), 8u);
  EXPECT_EQ(gate->released_generation(), 1u);  // not before the hooks agree

  jobs_[0].done({result({"/usr/local/bin/maint-check", "--strict"}, 0)});
  EXPECT_EQ(released_, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(gate->released_generation(), 2u);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].kind, "allowed");
  EXPECT_EQ(reports_[0].generation, 2u);
  EXPECT_EQ(reports_[0].message, "pre_change hooks allowed generation 2");
}

TEST_F(ChangeGateTest, EveryMovedRecordGetsItsOwnRunWithCommaSeparatedLists) {
  auto gate = make(pre());
  gate->start(target(1, "ams"), target(1, "ams"));
  Target t;
  t.generation = 2;
  t.records.push_back(rt("www.example.test", {"ams", "fra"}, {"192.0.2.1", "198.51.100.1"}));
  t.records.push_back(rt("api.example.test", {"fra"}, {"198.51.100.1"}));
  gate->offer(t);
  ASSERT_EQ(jobs_.size(), 1u);
  ASSERT_EQ(jobs_[0].job.runs.size(), 2u);
  auto www = env_map(jobs_[0].job.runs[0]);
  EXPECT_EQ(www["DRPILOT_RECORD"], "www.example.test/A");
  EXPECT_EQ(www["DRPILOT_TO_SITES"], "ams,fra");
  EXPECT_EQ(www["DRPILOT_TO_ADDRESSES"], "192.0.2.1,198.51.100.1");
  auto api = env_map(jobs_[0].job.runs[1]);
  EXPECT_EQ(api["DRPILOT_RECORD"], "api.example.test/A");
  EXPECT_EQ(api["DRPILOT_FROM_SITES"], "ams");
  EXPECT_EQ(api["DRPILOT_TO_SITES"], "fra");
}

TEST_F(ChangeGateTest, AVetoHoldsTheWorldAndIsAskedAgainAfterVetoRetry) {
  auto gate = make(pre(core::Duration{50}));
  gate->start(target(1, "ams"), target(2, "fra"));
  ASSERT_EQ(jobs_.size(), 1u);
  jobs_[0].done({result({"/usr/local/bin/maint-check", "--strict"}, 1,
                        "database maintenance until 14:00\n")});
  EXPECT_EQ(released_, std::vector<std::uint64_t>{1});
  EXPECT_EQ(gate->released_generation(), 1u);
  EXPECT_EQ(gate->held_back(),
            "generation 2 is held back: /usr/local/bin/maint-check --strict exit 1: database "
            "maintenance until 14:00");
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].kind, "vetoed");
  EXPECT_EQ(reports_[0].generation, 2u);
  EXPECT_EQ(reports_[0].results, 1u);
  EXPECT_EQ(reports_[0].message,
            "pre_change hook /usr/local/bin/maint-check --strict vetoed generation 2 (exit 1: "
            "database maintenance until 14:00); "
            "the world stays at generation 1");

  // Not asked again before veto_retry...
  EXPECT_EQ(jobs_.size(), 1u);
  run_for(300ms);
  // ...and then asked once (the next veto_retry waits for this answer).
  ASSERT_EQ(jobs_.size(), 2u);
  EXPECT_EQ(env_map(jobs_[1].job.runs[0])["DRPILOT_GENERATION"], "2");
  jobs_[1].done({result({"/usr/local/bin/maint-check", "--strict"}, 0)});
  EXPECT_EQ(released_, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(gate->held_back(), "");
}

TEST_F(ChangeGateTest, TheSameVetoAgainIsNotReportedAgain) {
  auto gate = make(pre(core::Duration{20}));
  gate->start(target(1, "ams"), target(2, "fra"));
  const HookResult no = result({"/usr/local/bin/maint-check", "--strict"}, 1, "maintenance");
  jobs_[0].done({no});
  run_for(200ms);
  ASSERT_EQ(jobs_.size(), 2u);
  jobs_[1].done({no});
  EXPECT_EQ(reports_.size(), 1u) << "one veto, asked twice, is one journal line";
  run_for(200ms);
  ASSERT_EQ(jobs_.size(), 3u);
  jobs_[2].done({result({"/usr/local/bin/maint-check", "--strict"}, 2, "another reason")});
  ASSERT_EQ(reports_.size(), 2u) << "a different answer is news";
  EXPECT_NE(reports_[1].message.find("another reason"), std::string::npos);
}

TEST_F(ChangeGateTest, ARestartWithNothingNewReleasesOnceAndAsksNoOne) {
  auto gate = make(pre());
  gate->start(target(3, "fra"), target(3, "fra"));
  EXPECT_EQ(released_, std::vector<std::uint64_t>{3});
  EXPECT_TRUE(jobs_.empty());
}

TEST_F(ChangeGateTest, AHeldBackTextIsBoundedAndATimeoutIsAVeto) {
  auto gate = make(pre());
  gate->start(target(1, "ams"), target(2, "fra"));
  HookResult r = result({"/usr/local/bin/maint-check", "--strict"}, -1, std::string(1000, 'x'));
  r.timed_out = true;
  r.took = core::Duration{5'000};
  jobs_[0].done({r});
  EXPECT_EQ(gate->released_generation(), 1u);
  EXPECT_NE(gate->held_back().find("timed out after 5s and was killed: xxx"), std::string::npos)
      << gate->held_back();
  EXPECT_LT(gate->held_back().size(), 400u);
}

TEST_F(ChangeGateTest, ANewerTargetWhileVetoedIsAskedAtOnce) {
  auto gate = make(pre(core::Duration{100}));
  gate->start(target(1, "ams"), target(2, "fra"));
  jobs_[0].done({result({"x"}, 1)});
  gate->offer(target(3, "fra", true));
  ASSERT_EQ(jobs_.size(), 2u);
  EXPECT_EQ(env_map(jobs_[1].job.runs[0])["DRPILOT_GENERATION"], "3");
  // The old retry timer was cancelled: nothing more is asked while the
  // newest target's hooks are still running.
  run_for(300ms);
  EXPECT_EQ(jobs_.size(), 2u);
  jobs_[1].done({result({"x"}, 0)});
  EXPECT_EQ(released_, (std::vector<std::uint64_t>{1, 3}));
}

TEST_F(ChangeGateTest, ANewerTargetWhileHooksRunIsAskedWhenTheyFinishAndTheOlderIsDropped) {
  auto gate = make(pre());
  gate->start(target(1, "ams"), target(2, "fra"));
  gate->offer(target(3, "fra", true));
  EXPECT_EQ(jobs_.size(), 1u);  // one job at a time
  jobs_[0].done({result({"x"}, 0)});
  // Generation 2 was allowed, but generation 3 is what matters now.
  EXPECT_EQ(released_, std::vector<std::uint64_t>{1});
  ASSERT_EQ(jobs_.size(), 2u);
  EXPECT_EQ(env_map(jobs_[1].job.runs[0])["DRPILOT_GENERATION"], "3");
  jobs_[1].done({result({"x"}, 0)});
  EXPECT_EQ(released_, (std::vector<std::uint64_t>{1, 3}));
}

TEST_F(ChangeGateTest, ATargetThatMovesNothingIsReleasedWithoutHooks) {
  auto gate = make(pre());
  gate->start(target(1, "ams"), target(1, "ams"));
  EXPECT_TRUE(jobs_.empty());
  // A new generation whose answers are the same (e.g. only a freeze changed).
  gate->offer(target(2, "ams"));
  EXPECT_TRUE(jobs_.empty());
  EXPECT_EQ(released_.back(), 2u);
  EXPECT_EQ(gate->released_generation(), 2u);
}

TEST_F(ChangeGateTest, GoingBackToTheReleasedAnswerWhileHooksRunReleasesIt) {
  auto gate = make(pre());
  gate->start(target(1, "ams"), target(2, "fra"));
  ASSERT_EQ(jobs_.size(), 1u);
  gate->offer(target(3, "ams"));  // back where the world is
  EXPECT_EQ(released_.back(), 3u);
  jobs_[0].done({result({"x"}, 0)});  // the answer for generation 2 no longer matters
  EXPECT_EQ(released_.back(), 3u);
  EXPECT_EQ(gate->released_generation(), 3u);
  EXPECT_EQ(jobs_.size(), 1u);
}

TEST_F(ChangeGateTest, WithoutPreChangeHooksEveryTargetIsReleasedAtOnce) {
  auto gate = make(config::HooksConfig{});
  gate->start(target(1, "ams"), target(2, "fra"));
  EXPECT_TRUE(jobs_.empty());
  EXPECT_EQ(released_.back(), 2u);
  gate->reconfigure(pre());
  gate->offer(target(3, "ams"));
  EXPECT_EQ(jobs_.size(), 1u);  // reconfigured: now asked
  EXPECT_EQ(released_.back(), 2u);
}

TEST_F(ChangeGateTest, PostChangeRunsOncePerReleasedGenerationAfterVerification) {
  config::HooksConfig h;
  h.post_change = {hook({"/usr/local/bin/notify"})};
  auto gate = make(h);
  gate->start(target(1, "ams"), target(1, "ams"));
  gate->verified(1);  // released before the restart: its hooks already ran
  EXPECT_TRUE(jobs_.empty());

  gate->offer(target(2, "fra"));
  EXPECT_EQ(released_.back(), 2u);
  gate->verified(1);  // an older generation: not yet
  EXPECT_TRUE(jobs_.empty());
  gate->verified(2);
  ASSERT_EQ(jobs_.size(), 1u);
  EXPECT_EQ(jobs_[0].job.kind, "post_change");
  ASSERT_EQ(jobs_[0].job.runs.size(), 1u);
  auto env = env_map(jobs_[0].job.runs[0]);
  EXPECT_EQ(env["DRPILOT_HOOK"], "post_change");
  EXPECT_EQ(env["DRPILOT_FROM_SITES"], "ams");
  EXPECT_EQ(env["DRPILOT_TO_SITES"], "fra");
  EXPECT_EQ(env["DRPILOT_GENERATION"], "2");
  gate->verified(2);
  gate->verified(3);
  EXPECT_EQ(jobs_.size(), 1u);  // once per generation

  HookResult ok = result({"/usr/local/bin/notify"}, 0);
  HookResult bad = result({"/usr/local/bin/notify"}, 2);
  jobs_[0].done({ok, bad});
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].kind, "post_change");
  EXPECT_EQ(reports_[0].generation, 2u);
  EXPECT_EQ(reports_[0].message,
            "post_change hooks ran for generation 2: /usr/local/bin/notify exit 0; "
            "/usr/local/bin/notify exit 2");
}

TEST_F(ChangeGateTest, PostChangeComparesWithWhatTheLastPostChangeSaw) {
  config::HooksConfig h;
  h.post_change = {hook({"/usr/local/bin/notify"})};
  auto gate = make(h);
  gate->start(target(1, "ams"), target(1, "ams"));
  gate->offer(target(2, "fra"));
  gate->offer(target(3, "fra", true));  // released before 2 was verified
  gate->verified(3);
  ASSERT_EQ(jobs_.size(), 1u);
  // Both moves since generation 1 are in it.
  ASSERT_EQ(jobs_[0].job.runs.size(), 2u);
  EXPECT_EQ(env_map(jobs_[0].job.runs[0])["DRPILOT_RECORD"], "www.example.test/A");
  EXPECT_EQ(env_map(jobs_[0].job.runs[1])["DRPILOT_RECORD"], "api.example.test/A");
  EXPECT_EQ(env_map(jobs_[0].job.runs[1])["DRPILOT_GENERATION"], "3");
}

TEST_F(ChangeGateTest, PostChangeIsNotRunWhenNothingMoved) {
  config::HooksConfig h;
  h.post_change = {hook({"/usr/local/bin/notify"})};
  auto gate = make(h);
  gate->start(target(1, "ams"), target(1, "ams"));
  gate->offer(target(2, "ams"));
  gate->verified(2);
  EXPECT_TRUE(jobs_.empty());
}

TEST_F(ChangeGateTest, AnAnswerArrivingAfterTheGateIsGoneIsIgnored) {
  auto gate = make(pre());
  gate->start(target(1, "ams"), target(2, "fra"));
  auto done = jobs_[0].done;
  gate.reset();
  done({result({"x"}, 0)});
  EXPECT_EQ(released_, std::vector<std::uint64_t>{1});
  EXPECT_TRUE(reports_.empty());
}

}  // namespace
}  // namespace drpilot::providers
