#pragma once
// The zone data every DNS test answers from, and helpers that run one query
// through the responder and parse what comes back.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/plan.h"
#include "core/spec.h"
#include "dns/answer.h"
#include "dns/snapshot.h"
#include "dns/wire.h"

namespace drpilot::dns::fixture {

// example.test (NS ns1.example.test with glue, ns2.other.net outside),
// nested zone sub.example.test, and records:
//   www.example.test        A    fra, ams  → 198.51.100.1, 192.0.2.1, 192.0.2.2
//   www.example.test        AAAA ams       → 2001:db8::1
//   api.eu.example.test     A    ams       (eu.example.test: empty non-terminal)
//   pending.example.test    A    no plan entry yet (NODATA)
//   big.example.test        A    100 addresses (truncates over UDP)
//   x.sub.example.test      A    nyc
//   outside.other.net       A    not in a served zone
struct TestData {
  std::vector<core::ZoneSpec> zones;
  std::vector<core::SiteSpec> sites;
  std::vector<core::RecordSpec> records;
  core::Plan plan;
};

inline core::RecordSpec record(std::string name, core::RecordType type, int ttl,
                               std::vector<std::string> sites) {
  core::RecordSpec r;
  r.name = std::move(name);
  r.type = type;
  r.ttl = ttl;
  r.sites = std::move(sites);
  return r;
}

inline TestData test_data(std::uint64_t generation = 7) {
  TestData d;
  core::ZoneSpec zone;
  zone.name = "example.test";
  zone.ns = {{"ns1.example.test", {"192.0.2.53", "2001:db8::53"}}, {"ns2.other.net", {}}};
  zone.soa_rname = "hostmaster.example.test";
  zone.ttl = 3600;
  zone.soa_minimum = 300;
  d.zones.push_back(zone);
  core::ZoneSpec sub;
  sub.name = "sub.example.test";
  sub.ns = {{"ns.sub.example.test", {"192.0.2.54"}}};
  sub.ttl = 60;
  sub.soa_minimum = 120;  // above the SOA TTL: the negative TTL is 60
  d.zones.push_back(sub);

  core::SiteSpec ams{"ams", {"192.0.2.1", "192.0.2.2"}, {"2001:db8::1"}};
  core::SiteSpec fra{"fra", {"198.51.100.1"}, {}};
  core::SiteSpec nyc{"nyc", {"203.0.113.1"}, {"2001:db8::3"}};
  core::SiteSpec big{"big", {}, {}};
  for (int i = 0; i < 100; ++i) big.ipv4.push_back("10.0." + std::to_string(i) + ".1");
  d.sites = {ams, fra, nyc, big};

  using core::RecordType;
  d.records = {record("www.example.test", RecordType::A, 30, {"ams", "fra"}),
               record("www.example.test", RecordType::AAAA, 40, {"ams"}),
               record("api.eu.example.test", RecordType::A, 30, {"ams"}),
               record("pending.example.test", RecordType::A, 30, {"ams"}),
               record("big.example.test", RecordType::A, 30, {"big"}),
               record("x.sub.example.test", RecordType::A, 30, {"nyc"}),
               record("outside.other.net", RecordType::A, 30, {"nyc"})};

  d.plan.generation = generation;
  d.plan.records["www.example.test/A"].sites = {"fra", "ams"};
  d.plan.records["www.example.test/AAAA"].sites = {"ams"};
  d.plan.records["api.eu.example.test/A"].sites = {"ams"};
  d.plan.records["big.example.test/A"].sites = {"big"};
  d.plan.records["x.sub.example.test/A"].sites = {"nyc"};
  d.plan.records["outside.other.net/A"].sites = {"nyc"};
  return d;
}

inline std::shared_ptr<const Snapshot> test_snapshot(std::uint64_t generation = 7) {
  TestData d = test_data(generation);
  return build_snapshot(d.zones, d.sites, d.records, d.plan);
}

inline QueryParams params(std::string name, std::uint16_t qtype, std::uint16_t id = 0x1234) {
  QueryParams p;
  p.id = id;
  p.name = std::move(name);
  p.qtype = qtype;
  return p;
}

// Raw response octets for raw query octets; empty when dropped.
inline std::vector<std::uint8_t> respond(const Snapshot* snap, const std::vector<std::uint8_t>& q,
                                         Transport transport = Transport::udp,
                                         std::size_t cap = 65535) {
  std::vector<std::uint8_t> out(cap);
  const AnswerResult r = answer(snap, q.data(), q.size(), out.data(), out.size(), transport);
  out.resize(r.size);
  return out;
}

// Query built from `p`, answered, parsed. Fails the test on an unparseable
// response; returns an empty Message (id 0) when the query was dropped.
inline Message ask(const Snapshot* snap, const QueryParams& p,
                   Transport transport = Transport::udp) {
  auto q = build_query(p);
  EXPECT_TRUE(q.has_value()) << p.name;
  if (!q) return {};
  auto raw = respond(snap, *q, transport);
  Message m;
  if (raw.empty()) return m;
  const WireError e = parse_message(raw.data(), raw.size(), m);
  EXPECT_EQ(e, WireError::none) << to_string(e);
  return m;
}

inline std::vector<std::string> addresses(const std::vector<ResourceRecord>& section) {
  std::vector<std::string> out;
  for (const ResourceRecord& rr : section) {
    if (auto* a = std::get_if<AddressData>(&rr.data)) out.push_back(a->address);
  }
  return out;
}

}  // namespace drpilot::dns::fixture
