// Building the answer view from zones, sites, records and a plan.

#include <gtest/gtest.h>

#include <stdexcept>

#include "dns/name.h"
#include "dns/snapshot.h"
#include "test_zone.h"

namespace drpilot::dns {
namespace {

using fixture::addresses;
using fixture::ask;
using fixture::params;
using fixture::test_data;
using fixture::test_snapshot;

const Node* node(const Snapshot& s, const char* name) {
  return s.find_node(*name_to_wire(name));
}

TEST(Snapshot, SerialIsThePlanGeneration) {
  EXPECT_EQ(test_snapshot(7)->serial(), 7u);
  EXPECT_EQ(test_snapshot(7)->generation(), 7u);
  EXPECT_EQ(test_snapshot(0)->serial(), 1u);  // 0 reads as "no zone" to some tools
  EXPECT_EQ(test_snapshot((1ull << 32) + 5)->serial(), 5u);
  EXPECT_EQ(test_snapshot(1ull << 32)->serial(), 1u);

  auto m = ask(test_snapshot(42).get(), params("example.test", type::SOA));
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(std::get<SoaData>(m.answers[0].data).serial, 42u);
}

TEST(Snapshot, IndexesRecordsGlueAndEmptyNonTerminals) {
  auto s = test_snapshot();
  ASSERT_NE(node(*s, "www.example.test"), nullptr);
  EXPECT_EQ(node(*s, "www.example.test")->a.count(), 3u);
  EXPECT_EQ(node(*s, "www.example.test")->aaaa.count(), 1u);
  ASSERT_NE(node(*s, "eu.example.test"), nullptr);  // empty non-terminal
  EXPECT_TRUE(node(*s, "eu.example.test")->a.empty());
  ASSERT_NE(node(*s, "ns1.example.test"), nullptr);  // glue
  EXPECT_EQ(node(*s, "ns1.example.test")->a.count(), 1u);
  EXPECT_EQ(node(*s, "ns1.example.test")->aaaa.count(), 1u);
  ASSERT_NE(node(*s, "pending.example.test"), nullptr);
  EXPECT_TRUE(node(*s, "pending.example.test")->a.empty());
  EXPECT_EQ(node(*s, "outside.other.net"), nullptr);  // not ours
  EXPECT_EQ(node(*s, "nope.example.test"), nullptr);
  EXPECT_TRUE(node(*s, "example.test")->apex);
  EXPECT_FALSE(node(*s, "www.example.test")->apex);
  EXPECT_EQ(s->zone_count(), 2u);
}

TEST(Snapshot, NamesBelongToTheLongestServedZone) {
  auto s = test_snapshot();
  EXPECT_EQ(node(*s, "x.sub.example.test")->zone->name, "sub.example.test");
  EXPECT_EQ(node(*s, "sub.example.test")->zone->name, "sub.example.test");
  EXPECT_EQ(node(*s, "www.example.test")->zone->name, "example.test");
  EXPECT_EQ(s->find_zone(*name_to_wire("deep.er.sub.example.test"))->name, "sub.example.test");
  EXPECT_EQ(s->find_zone(*name_to_wire("other.net")), nullptr);
}

TEST(Snapshot, AddressesFollowPlanSiteOrderWithoutDuplicates) {
  auto d = test_data();
  d.sites[1].ipv4.push_back("192.0.2.1");  // fra also lists an ams address
  auto s = build_snapshot(d.zones, d.sites, d.records, d.plan);
  auto m = ask(s.get(), params("www.example.test", type::A));
  EXPECT_EQ(addresses(m.answers),
            (std::vector<std::string>{"198.51.100.1", "192.0.2.1", "192.0.2.2"}));
}

TEST(Snapshot, UnknownPlanSitesAndBadAddressesAreSkipped) {
  auto d = test_data();
  d.plan.records["www.example.test/A"].sites = {"gone", "fra"};
  d.sites[1].ipv4.push_back("not-an-address");
  auto s = build_snapshot(d.zones, d.sites, d.records, d.plan);
  auto m = ask(s.get(), params("www.example.test", type::A));
  EXPECT_EQ(addresses(m.answers), (std::vector<std::string>{"198.51.100.1"}));
}

TEST(Snapshot, SteeredRecordReplacesGlueOfTheSameType) {
  auto d = test_data();
  d.records.push_back(fixture::record("ns1.example.test", core::RecordType::A, 30, {"nyc"}));
  d.plan.records["ns1.example.test/A"].sites = {"nyc"};
  auto s = build_snapshot(d.zones, d.sites, d.records, d.plan);
  EXPECT_EQ(addresses(ask(s.get(), params("ns1.example.test", type::A)).answers),
            (std::vector<std::string>{"203.0.113.1"}));
  EXPECT_EQ(addresses(ask(s.get(), params("ns1.example.test", type::AAAA)).answers),
            (std::vector<std::string>{"2001:db8::53"}));  // still glue
}

TEST(Snapshot, SoaDefaultsToFirstNameServerAndHostmaster) {
  core::ZoneSpec z;
  z.name = "zone.test";
  z.ns = {{"a.ns.net", {}}, {"b.ns.net", {}}};
  auto s = build_snapshot({z}, {}, {}, core::Plan{});
  auto m = ask(s.get(), params("zone.test", type::SOA));
  ASSERT_EQ(m.answers.size(), 1u);
  const auto& soa = std::get<SoaData>(m.answers[0].data);
  EXPECT_EQ(soa.mname, "a.ns.net.");
  EXPECT_EQ(soa.rname, "hostmaster.zone.test.");
  EXPECT_EQ(soa.refresh, 3600u);
  EXPECT_EQ(soa.retry, 600u);
  EXPECT_EQ(soa.expire, 86400u);
  EXPECT_EQ(soa.minimum, 30u);
  EXPECT_EQ(m.answers[0].ttl, 3600u);
}

TEST(Snapshot, RejectsInvalidAndDuplicateZones) {
  core::ZoneSpec bad;
  bad.name = "a..test";
  EXPECT_THROW(build_snapshot({bad}, {}, {}, core::Plan{}), std::invalid_argument);
  core::ZoneSpec z;
  z.name = "zone.test";
  EXPECT_THROW(build_snapshot({z, z}, {}, {}, core::Plan{}), std::invalid_argument);
  core::ZoneSpec bad_ns = z;
  bad_ns.ns = {{std::string(70, 'n') + ".test", {}}};
  EXPECT_THROW(build_snapshot({bad_ns}, {}, {}, core::Plan{}), std::invalid_argument);
}

TEST(Snapshot, EmptyPlanServesZonesWithNodata) {
  auto d = test_data();
  auto s = build_snapshot(d.zones, d.sites, d.records, core::Plan{});
  EXPECT_EQ(s->serial(), 1u);
  auto m = ask(s.get(), params("www.example.test", type::A));
  EXPECT_EQ(m.rcode(), rcode::NOERROR);
  EXPECT_TRUE(m.answers.empty());
  EXPECT_EQ(m.authority.size(), 1u);
}

}  // namespace
}  // namespace drpilot::dns
