// The journal as a controller uses it: create, record, reopen, resume, and
// page through history; and as `drpilot history` reads it, read-only.

#include <gtest/gtest.h>

#include <filesystem>

#include "journal_fixture.h"
#include "sample_plan.h"
#include "store/journal.h"

namespace drpilot::store {
namespace {

using namespace std::chrono_literals;

const core::TimePoint kAt = core::from_ms(1'700'000'200'000);

core::VerdictChange change(std::string subject, core::Health before, core::Health after,
                           std::string reason) {
  core::VerdictChange c;
  c.subject = std::move(subject);
  c.before = {before, core::from_ms(1'700'000'000'000), "", 0ms};
  c.after = {after, kAt, std::move(reason), 250ms};
  return c;
}

using JournalTest = JournalFileTest;

TEST_F(JournalTest, NewFileIsCreatedAndKnownOnReopen) {
  {
    Journal j(path());
    EXPECT_TRUE(j.created());
    EXPECT_EQ(j.path(), path());
  }
  EXPECT_TRUE(std::filesystem::is_regular_file(path()));
  Journal again(path());
  EXPECT_FALSE(again.created());
  JournalState s = again.load_state();
  EXPECT_FALSE(s.plan.has_value());
  EXPECT_TRUE(s.targets.empty());
  EXPECT_TRUE(s.sites.empty());
  EXPECT_TRUE(again.history(10).empty());
}

TEST_F(JournalTest, PlanAndVerdictsSurviveReopening) {
  const core::Plan plan = sample_plan();
  const core::VerdictChange target =
      change("ams/web", core::Health::up, core::Health::down, "3 consecutive failures: status 503");
  const core::VerdictChange site =
      change("ams", core::Health::up, core::Health::down, "all checks down");
  {
    Journal j(path());
    j.record_verdicts({target}, {site}, kAt);
    j.record_plan(plan);
  }
  Journal j(path());
  JournalState s = j.load_state();
  ASSERT_TRUE(s.plan.has_value());
  expect_same_plan(plan, *s.plan);
  ASSERT_EQ(s.targets.count("ams/web"), 1u);
  EXPECT_EQ(s.targets["ams/web"], target.after);
  ASSERT_EQ(s.sites.count("ams"), 1u);
  EXPECT_EQ(s.sites["ams"], site.after);
  EXPECT_EQ(s.targets.count("ams"), 0u) << "a site verdict was filed as a target";
}

// In a cluster every member journals the plans it serves, the leader's
// included: each names its term and the member that made it.
TEST_F(JournalTest, AClusterPlanKeepsItsTermAndLeaderAndHistorySaysWhose) {
  core::Plan plan = sample_plan();
  plan.term = 812;
  plan.leader = "bravo";
  {
    Journal j(path());
    j.record_plan(plan);
  }
  Journal j(path());
  JournalState s = j.load_state();
  ASSERT_TRUE(s.plan.has_value());
  EXPECT_EQ(s.plan->term, 812);
  EXPECT_EQ(s.plan->leader, "bravo");
  const auto events = j.history(10);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].kind, "plan");
  EXPECT_EQ(events[0].subject,
            "generation " + std::to_string(plan.generation) + " (term 812, by bravo)");
}

TEST_F(JournalTest, LatestStateWins) {
  Journal j(path());
  core::Plan first = sample_plan();
  core::Plan second = sample_plan();
  second.generation = 8;
  second.summary = "www: ams is back";
  second.records.erase("api.example.test/AAAA");
  j.record_plan(first);
  j.record_plan(second);
  j.record_verdicts({change("ams/web", core::Health::up, core::Health::down, "failing")}, {}, kAt);
  j.record_verdicts({change("ams/web", core::Health::down, core::Health::up, "recovered")}, {},
                    kAt + 10s);
  JournalState s = j.load_state();
  ASSERT_TRUE(s.plan.has_value());
  expect_same_plan(second, *s.plan);
  EXPECT_EQ(s.targets["ams/web"].state, core::Health::up);
  EXPECT_EQ(s.targets["ams/web"].reason, "recovered");
}

TEST_F(JournalTest, EventsDescribeWhatHappened) {
  Journal j(path());
  j.record_verdicts({change("ams/web", core::Health::up, core::Health::down, "status 503")},
                    {change("ams", core::Health::up, core::Health::down, "")}, kAt);
  j.record_plan(sample_plan());
  j.record_event("command", "drain", "operator drained ams", kAt + 1s, {{"site", "ams"}});

  std::vector<JournalEvent> h = j.history(10);
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0].kind, "command");
  EXPECT_EQ(h[0].subject, "drain");
  EXPECT_EQ(h[0].message, "operator drained ams");
  EXPECT_EQ(h[0].at, kAt + 1s);
  EXPECT_EQ(h[0].data["site"], "ams");

  EXPECT_EQ(h[1].kind, "plan");
  EXPECT_EQ(h[1].subject, "generation 7");
  EXPECT_EQ(h[1].generation, 7u);
  EXPECT_EQ(h[1].message, sample_plan().summary);
  EXPECT_EQ(h[1].data["generation"], 7);

  EXPECT_EQ(h[2].kind, "verdict");
  EXPECT_EQ(h[2].subject, "ams");
  EXPECT_EQ(h[2].message, "ams up -> down");
  EXPECT_EQ(h[2].data["scope"], "site");

  EXPECT_EQ(h[3].subject, "ams/web");
  EXPECT_EQ(h[3].message, "ams/web up -> down: status 503");
  EXPECT_EQ(h[3].data["scope"], "target");
  EXPECT_EQ(h[3].data["before"]["state"], "up");
  EXPECT_EQ(h[3].data["after"]["state"], "down");
  EXPECT_EQ(h[3].at, kAt);
}

TEST_F(JournalTest, EventWithoutDataReadsBackAsNull) {
  Journal j(path());
  j.record_event("lifecycle", "controller", "controller started", kAt);
  std::vector<JournalEvent> h = j.history(1);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_TRUE(h[0].data.is_null());
}

TEST_F(JournalTest, HistoryIsNewestFirstAndPagesBackwards) {
  {
    Journal j(path());
    for (int i = 1; i <= 5; ++i) {
      j.record_event("lifecycle", "event " + std::to_string(i), "", kAt + std::chrono::seconds(i));
    }
  }
  Journal j(path());
  std::vector<JournalEvent> all = j.history(100);
  ASSERT_EQ(all.size(), 5u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].subject, "event " + std::to_string(5 - i));
    if (i > 0) {
      EXPECT_LT(all[i].id, all[i - 1].id);
    }
  }

  std::vector<std::string> paged;
  std::optional<std::int64_t> before;
  for (int pages = 0; pages < 10; ++pages) {
    std::vector<JournalEvent> page = j.history(2, before);
    if (page.empty()) break;
    EXPECT_LE(page.size(), 2u);
    for (const JournalEvent& e : page) paged.push_back(e.subject);
    before = page.back().id;
  }
  EXPECT_EQ(paged,
            (std::vector<std::string>{"event 5", "event 4", "event 3", "event 2", "event 1"}));
  EXPECT_TRUE(j.history(10, all.back().id).empty());
}

TEST_F(JournalTest, NoChangesRecordNothing) {
  Journal j(path());
  j.record_verdicts({}, {}, kAt);
  EXPECT_TRUE(j.history(10).empty());
}

TEST_F(JournalTest, ReadOnlyReadsButNeverWrites) {
  {
    Journal j(path());
    j.record_plan(sample_plan());
  }
  Journal r = Journal::open_read_only(path());
  JournalState s = r.load_state();
  ASSERT_TRUE(s.plan.has_value());
  EXPECT_EQ(s.plan->generation, 7u);
  EXPECT_EQ(r.history(10).size(), 1u);
  EXPECT_THROW(r.record_event("command", "x", "y", kAt), JournalError);
  EXPECT_EQ(r.history(10).size(), 1u);
}

TEST_F(JournalTest, ReadOnlySeesWhatARunningWriterCommitted) {
  Journal writer(path());
  writer.record_event("lifecycle", "controller", "started", kAt);
  Journal reader = Journal::open_read_only(path());
  EXPECT_EQ(reader.history(10).size(), 1u);
  writer.record_event("lifecycle", "controller", "still running", kAt + 1s);
  std::vector<JournalEvent> h = reader.history(10);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].message, "still running");
}

}  // namespace
}  // namespace drpilot::store
