// The JSON forms of verdicts and plans: everything survives a round trip
// through text, and anything malformed is refused with std::runtime_error
// naming the problem (never a crash, never a half-decoded value).

#include <gtest/gtest.h>

#include <functional>

#include "sample_plan.h"
#include "store/codec.h"

namespace drpilot::store {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Through text, as the journal stores it.
json reparsed(const json& j) {
  return json::parse(j.dump());
}

core::Verdict sample_verdict(core::Health state) {
  return {state, core::from_ms(1'700'000'050'000), "3 consecutive failures: status 503", 120ms};
}

TEST(Codec, VerdictRoundTripsInEveryState) {
  for (core::Health h : {core::Health::unknown, core::Health::up, core::Health::down}) {
    const core::Verdict v = sample_verdict(h);
    EXPECT_EQ(verdict_from_json(reparsed(to_json(v))), v) << core::to_string(h);
  }
}

TEST(Codec, PlanRoundTrips) {
  const core::Plan p = sample_plan();
  expect_same_plan(p, plan_from_json(reparsed(to_json(p))));
}

TEST(Codec, AClusterPlanKeepsItsTermAndLeader) {
  core::Plan p = sample_plan();
  p.term = 4711;
  p.leader = "bravo";
  const core::Plan back = plan_from_json(reparsed(to_json(p)));
  EXPECT_EQ(back.term, 4711);
  EXPECT_EQ(back.leader, "bravo");
  // A single controller's plan has neither.
  const json single = to_json(sample_plan());
  EXPECT_FALSE(single.contains("term"));
  EXPECT_EQ(plan_from_json(single).term, 0);
}

TEST(Codec, EveryChangeKindRoundTrips) {
  for (core::ChangeKind k :
       {core::ChangeKind::none, core::ChangeKind::bootstrap, core::ChangeKind::safety,
        core::ChangeKind::discretionary, core::ChangeKind::operator_}) {
    core::Plan p = sample_plan();
    p.records.begin()->second.last_change = k;
    EXPECT_EQ(plan_from_json(reparsed(to_json(p))).records.begin()->second.last_change, k)
        << core::to_string(k);
  }
}

TEST(Codec, EmptyPlanRoundTrips) {
  const core::Plan p;
  const core::Plan back = plan_from_json(reparsed(to_json(p)));
  EXPECT_TRUE(back.empty());
  EXPECT_TRUE(back.records.empty());
}

// A change to a valid document, and a word that must appear in the error.
struct Damage {
  std::string what;
  std::function<void(json&)> apply;
  std::string mentions;
};

void expect_refused(const std::function<void(const json&)>& decode, const json& valid,
                    const std::vector<Damage>& cases) {
  for (const Damage& d : cases) {
    SCOPED_TRACE(d.what);
    json j = valid;
    d.apply(j);
    try {
      decode(j);
      ADD_FAILURE() << "accepted: " << j.dump();
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(d.mentions), std::string::npos) << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "refused with the wrong exception type: " << e.what();
    }
  }
}

TEST(Codec, MalformedVerdictIsRefused) {
  const json valid = to_json(sample_verdict(core::Health::down));
  auto decode = [](const json& j) { verdict_from_json(j); };
  expect_refused(
      decode, valid,
      {
          {"an array", [](json& j) { j = json::array(); }, "object"},
          {"a string", [](json& j) { j = "down"; }, "object"},
          {"null", [](json& j) { j = nullptr; }, "object"},
          {"no state", [](json& j) { j.erase("state"); }, "state"},
          {"no since", [](json& j) { j.erase("since_ms"); }, "since_ms"},
          {"no reason", [](json& j) { j.erase("reason"); }, "reason"},
          {"no latency", [](json& j) { j.erase("latency_ms"); }, "latency_ms"},
          {"numeric state", [](json& j) { j["state"] = 2; }, "state"},
          {"unknown state", [](json& j) { j["state"] = "sideways"; }, "sideways"},
          {"since as text", [](json& j) { j["since_ms"] = "1700000050000"; }, "since_ms"},
          {"fractional since", [](json& j) { j["since_ms"] = 1.5; }, "since_ms"},
          {"null reason", [](json& j) { j["reason"] = nullptr; }, "reason"},
          {"boolean latency", [](json& j) { j["latency_ms"] = true; }, "latency_ms"},
      });
}

TEST(Codec, MalformedPlanIsRefused) {
  const json valid = to_json(sample_plan());
  const std::string www = "www.example.test/A";
  auto decode = [](const json& j) { plan_from_json(j); };
  expect_refused(
      decode, valid,
      {
          {"an array", [](json& j) { j = json::array(); }, "object"},
          {"no generation", [](json& j) { j.erase("generation"); }, "generation"},
          {"generation as text", [](json& j) { j["generation"] = "7"; }, "generation"},
          {"negative generation", [](json& j) { j["generation"] = -1; }, "generation"},
          {"no made_at", [](json& j) { j.erase("made_at_ms"); }, "made_at_ms"},
          {"term as text", [](json& j) { j["term"] = "3"; }, "term"},
          {"negative term",
           [](json& j) {
             j["term"] = -3;
             j["leader"] = "a";
           },
           "term"},
          {"term without leader", [](json& j) { j["term"] = 3; }, "leader"},
          {"no summary", [](json& j) { j.erase("summary"); }, "summary"},
          {"no records", [](json& j) { j.erase("records"); }, "records"},
          {"records as array", [](json& j) { j["records"] = json::array(); }, "records"},
          {"record as number", [&](json& j) { j["records"][www] = 5; }, www},
          {"no sites", [&](json& j) { j["records"][www].erase("sites"); }, "sites"},
          {"sites as text", [&](json& j) { j["records"][www]["sites"] = "fra"; }, "sites"},
          {"numeric site", [&](json& j) { j["records"][www]["sites"] = {1}; }, www},
          {"numeric reason", [&](json& j) { j["records"][www]["reason"] = 3; }, "reason"},
          {"changed_at as text", [&](json& j) { j["records"][www]["changed_at_ms"] = "x"; },
           "changed_at_ms"},
          {"unknown change kind", [&](json& j) { j["records"][www]["last_change"] = "sometimes"; },
           "sometimes"},
          {"fractional last automatic change",
           [&](json& j) { j["records"][www]["last_automatic_change_ms"] = 1.5; },
           "last_automatic_change_ms"},
          {"change times as object",
           [&](json& j) { j["records"][www]["automatic_changes_ms"] = json::object(); },
           "automatic_changes_ms"},
          {"fractional change time",
           [&](json& j) { j["records"][www]["automatic_changes_ms"] = {1.5}; }, www},
          {"change time as text",
           [&](json& j) { j["records"][www]["automatic_changes_ms"] = {"1"}; }, www},
          {"no flap_frozen", [&](json& j) { j["records"][www].erase("flap_frozen"); },
           "flap_frozen"},
          {"flap_frozen as number", [&](json& j) { j["records"][www]["flap_frozen"] = 1; },
           "flap_frozen"},
      });
}

}  // namespace
}  // namespace drpilot::store
