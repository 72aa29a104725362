#pragma once
// A plan with every field set to something other than its default, so a
// round trip that loses or mixes up a field shows.

#include <gtest/gtest.h>

#include "core/plan.h"

namespace drpilot::store {

inline core::Plan sample_plan() {
  core::Plan p;
  p.generation = 7;
  p.made_at = core::from_ms(1'700'000'123'456);
  p.summary = "www: ams is down, answering fra";

  core::RecordPlan www;
  www.sites = {"fra", "nyc"};
  www.reason = "fra is up; preferred sites are not (ams down)";
  www.change_reason = "ams is down; fra is next by priority";
  www.changed_at = core::from_ms(1'700'000'100'000);
  www.last_change = core::ChangeKind::safety;
  www.last_automatic_change = core::from_ms(1'700'000'100'001);
  www.automatic_changes = {core::from_ms(1'700'000'000'000), core::from_ms(1'700'000'100'001)};
  www.flap_frozen = true;
  p.records["www.example.test/A"] = www;

  core::RecordPlan api;
  api.sites = {"ams"};
  api.reason = "pinned by an operator";
  api.change_reason = "pinned by an operator";
  api.changed_at = core::from_ms(1'699'999'000'000);
  api.last_change = core::ChangeKind::operator_;
  p.records["api.example.test/AAAA"] = api;
  return p;
}

inline void expect_same_plan(const core::Plan& want, const core::Plan& got) {
  EXPECT_EQ(got.generation, want.generation);
  EXPECT_EQ(got.made_at, want.made_at);
  EXPECT_EQ(got.summary, want.summary);
  ASSERT_EQ(got.records.size(), want.records.size());
  for (const auto& [key, w] : want.records) {
    SCOPED_TRACE(key);
    auto it = got.records.find(key);
    ASSERT_NE(it, got.records.end());
    const core::RecordPlan& g = it->second;
    EXPECT_EQ(g.sites, w.sites);
    EXPECT_EQ(g.reason, w.reason);
    EXPECT_EQ(g.change_reason, w.change_reason);
    EXPECT_EQ(g.changed_at, w.changed_at);
    EXPECT_EQ(g.last_change, w.last_change);
    EXPECT_EQ(g.last_automatic_change, w.last_automatic_change);
    EXPECT_EQ(g.automatic_changes, w.automatic_changes);
    EXPECT_EQ(g.flap_frozen, w.flap_frozen);
  }
}

}  // namespace drpilot::store
