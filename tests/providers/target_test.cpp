// From a plan to what providers publish (make_target), and which records
// moved between two targets (changes_between).

#include "providers/target.h"

#include <gtest/gtest.h>

namespace drpilot::providers {
namespace {

using V = std::vector<std::string>;

config::SiteConfig site(const std::string& name, V ipv4, V ipv6) {
  config::SiteConfig s;
  s.spec.name = name;
  s.spec.ipv4 = std::move(ipv4);
  s.spec.ipv6 = std::move(ipv6);
  return s;
}

core::RecordSpec record(const std::string& name, core::RecordType type, int ttl, V sites) {
  core::RecordSpec r;
  r.name = name;
  r.type = type;
  r.ttl = ttl;
  r.sites = std::move(sites);
  return r;
}

config::Config two_sites() {
  config::Config c;
  c.sites = {site("ams", {"192.0.2.1", "192.0.2.2"}, {"2001:db8::1"}),
             site("fra", {"198.51.100.1"}, {"2001:db8::2"})};
  c.records = {record("www.example.test", core::RecordType::A, 30, {"ams", "fra"}),
               record("www.example.test", core::RecordType::AAAA, 60, {"ams", "fra"}),
               record("api.example.test", core::RecordType::A, 120, {"ams", "fra"})};
  return c;
}

core::RecordPlan answer(V sites, std::string reason, std::string change_reason = "") {
  core::RecordPlan rp;
  rp.sites = std::move(sites);
  rp.reason = std::move(reason);
  rp.change_reason = std::move(change_reason);
  return rp;
}

TEST(MakeTarget, EveryConfiguredRecordWithItsAddressesInAnswerOrder) {
  config::Config cfg = two_sites();
  core::Plan plan;
  plan.generation = 4;
  plan.made_at = core::from_ms(1'700'000'000'000);
  plan.summary = "ams is down";
  plan.records["www.example.test/A"] =
      answer({"fra", "ams"}, "both are up", "ams came back and joins fra");
  plan.records["www.example.test/AAAA"] = answer({"fra"}, "fra is the best up site");
  // api.example.test/A has no plan entry yet.

  Target t = make_target(cfg, plan);
  EXPECT_EQ(t.generation, 4u);
  EXPECT_EQ(t.made_at, plan.made_at);
  EXPECT_EQ(t.summary, "ams is down");
  EXPECT_EQ(t.plan.generation, 4u);
  EXPECT_EQ(t.plan.records.size(), 2u);
  ASSERT_EQ(t.records.size(), 3u);

  const RecordTarget* a = t.find("www.example.test", core::RecordType::A);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->ttl, 30);
  EXPECT_EQ(a->sites, (V{"fra", "ams"}));
  EXPECT_EQ(a->addresses, (V{"198.51.100.1", "192.0.2.1", "192.0.2.2"}));
  // The sentence that moved the answer, not the latest description.
  EXPECT_EQ(a->reason, "ams came back and joins fra");

  const RecordTarget* aaaa = t.find("www.example.test", core::RecordType::AAAA);
  ASSERT_NE(aaaa, nullptr);
  EXPECT_EQ(aaaa->ttl, 60);
  EXPECT_EQ(aaaa->addresses, V{"2001:db8::2"});
  EXPECT_EQ(aaaa->reason, "fra is the best up site");  // no change_reason: the reason

  const RecordTarget* api = t.find("api.example.test", core::RecordType::A);
  ASSERT_NE(api, nullptr);
  EXPECT_TRUE(api->sites.empty());
  EXPECT_TRUE(api->addresses.empty());
  EXPECT_EQ(api->ttl, 120);

  EXPECT_EQ(t.find("api.example.test", core::RecordType::AAAA), nullptr);
  EXPECT_EQ(t.find("nope.example.test", core::RecordType::A), nullptr);
}

TEST(MakeTarget, AnUnknownSiteInThePlanPublishesNoAddress) {
  config::Config cfg = two_sites();
  core::Plan plan;
  plan.generation = 1;
  plan.records["www.example.test/A"] = answer({"gone", "ams"}, "x");
  Target t = make_target(cfg, plan);
  EXPECT_EQ(t.find("www.example.test", core::RecordType::A)->addresses,
            (V{"192.0.2.1", "192.0.2.2"}));
}

Target with(std::uint64_t gen, std::vector<RecordTarget> records) {
  Target t;
  t.generation = gen;
  t.records = std::move(records);
  return t;
}

RecordTarget rt(const std::string& name, core::RecordType type, V sites, V addresses,
                std::string reason = "because") {
  RecordTarget r;
  r.name = name;
  r.type = type;
  r.sites = std::move(sites);
  r.addresses = std::move(addresses);
  r.reason = std::move(reason);
  return r;
}

TEST(ChangesBetween, OnlyRecordsWhoseSitesOrAddressesDiffer) {
  Target before = with(1, {rt("www.example.test", core::RecordType::A, {"ams"}, {"192.0.2.1"}),
                           rt("api.example.test", core::RecordType::A, {"ams"}, {"192.0.2.1"}),
                           rt("img.example.test", core::RecordType::A, {"ams"}, {"192.0.2.1"})});
  Target after = with(
      2, {rt("www.example.test", core::RecordType::A, {"fra"}, {"198.51.100.1"}, "ams is down"),
          rt("api.example.test", core::RecordType::A, {"ams"}, {"192.0.2.1"}, "new words"),
          // Same site, a new address (the configuration changed).
          rt("img.example.test", core::RecordType::A, {"ams"}, {"192.0.2.9"}),
          rt("new.example.test", core::RecordType::AAAA, {"fra"}, {"2001:db8::2"})});
  std::vector<RecordChange> c = changes_between(before, after);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].record, "www.example.test/A");
  EXPECT_EQ(c[0].from_sites, V{"ams"});
  EXPECT_EQ(c[0].to_sites, V{"fra"});
  EXPECT_EQ(c[0].from_addresses, V{"192.0.2.1"});
  EXPECT_EQ(c[0].to_addresses, V{"198.51.100.1"});
  EXPECT_EQ(c[0].reason, "ams is down");
  EXPECT_EQ(c[1].record, "img.example.test/A");
  EXPECT_EQ(c[1].to_addresses, V{"192.0.2.9"});
  // New: changed from nothing.
  EXPECT_EQ(c[2].record, "new.example.test/AAAA");
  EXPECT_TRUE(c[2].from_sites.empty());
  EXPECT_TRUE(c[2].from_addresses.empty());
  EXPECT_EQ(c[2].to_sites, V{"fra"});

  EXPECT_TRUE(changes_between(after, after).empty());
  // Against an empty target everything is new.
  EXPECT_EQ(changes_between(Target{}, after).size(), 4u);
}

TEST(ChangesBetween, TheTypeIsPartOfTheRecordsIdentity) {
  Target before = with(1, {rt("www.example.test", core::RecordType::A, {"ams"}, {"192.0.2.1"})});
  Target after = with(2, {rt("www.example.test", core::RecordType::AAAA, {"ams"}, {"2001:db8::1"}),
                          rt("www.example.test", core::RecordType::A, {"ams"}, {"192.0.2.1"})});
  std::vector<RecordChange> c = changes_between(before, after);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].record, "www.example.test/AAAA");
}

}  // namespace
}  // namespace drpilot::providers
