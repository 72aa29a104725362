// The embedded DNS server as a provider: applying publishes a snapshot, the
// server answers from it (queried over the wire), and diff is empty only
// while the server answers from exactly what this provider published with the
// same inputs.

#include "providers/embedded_dns.h"

#include <gtest/gtest.h>

#include "dns/client.h"
#include "dns/server.h"
#include "dns/snapshot.h"
#include "dns/wire.h"

namespace drpilot::providers {
namespace {

using namespace std::chrono_literals;
using V = std::vector<std::string>;

core::ZoneSpec zone() {
  core::ZoneSpec z;
  z.name = "example.test";
  z.ns = {{"ns1.example.test", {"192.0.2.53"}}};
  z.soa_rname = "hostmaster.example.test";
  return z;
}

std::vector<core::SiteSpec> sites() {
  core::SiteSpec ams;
  ams.name = "ams";
  ams.ipv4 = {"192.0.2.1"};
  core::SiteSpec fra;
  fra.name = "fra";
  fra.ipv4 = {"198.51.100.1"};
  fra.priority = 2;
  return {ams, fra};
}

core::RecordSpec www(int ttl = 30) {
  core::RecordSpec r;
  r.name = "www.example.test";
  r.ttl = ttl;
  r.sites = {"ams", "fra"};
  return r;
}

Target target(std::uint64_t gen, const std::string& site) {
  Target t;
  t.generation = gen;
  t.plan.generation = gen;
  core::RecordPlan rp;
  rp.sites = {site};
  rp.reason = "test";
  t.plan.records["www.example.test/A"] = rp;
  RecordTarget r;
  r.name = "www.example.test";
  r.ttl = 30;
  r.sites = {site};
  r.addresses = {site == "ams" ? "192.0.2.1" : "198.51.100.1"};
  t.records.push_back(r);
  return t;
}

class EmbeddedDnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dns::ServerOptions o;
    o.listen = {{"127.0.0.1", 0}};
    o.udp_threads = 1;
    server_ = std::make_unique<dns::Server>(o);
    server_->start();
    provider_ = std::make_unique<EmbeddedDns>(*server_, "127.0.0.1:5353");
    provider_->configure({zone()}, sites(), {www()});
  }

  Changes diff(const Target& t) {
    auto d = provider_->diff(t);
    EXPECT_TRUE(std::holds_alternative<Changes>(d));
    return std::holds_alternative<Changes>(d) ? std::get<Changes>(d) : Changes{};
  }

  // The addresses and TTL of www.example.test A as the server answers now.
  std::pair<V, std::uint32_t> ask() {
    std::string error;
    auto m = dns::query("127.0.0.1", server_->bound_port(0), "www.example.test", dns::type::A, 3s,
                        false, &error);
    EXPECT_TRUE(m.has_value()) << error;
    V out;
    std::uint32_t ttl = 0;
    if (!m) return {out, ttl};
    for (const dns::ResourceRecord& rr : m->answers) {
      if (auto* a = std::get_if<dns::AddressData>(&rr.data)) out.push_back(a->address);
      ttl = rr.ttl;
    }
    return {out, ttl};
  }

  std::unique_ptr<dns::Server> server_;
  std::unique_ptr<EmbeddedDns> provider_;
};

TEST_F(EmbeddedDnsTest, ApplyPublishesAndTheServerAnswersFromIt) {
  EXPECT_EQ(provider_->name(), "embedded-dns");
  EXPECT_EQ(provider_->kind(), "embedded_dns");
  EXPECT_EQ(provider_->where(), "127.0.0.1:5353");

  const Target t1 = target(1, "ams");
  Changes c = diff(t1);
  EXPECT_EQ(c.steps, V{"answer www.example.test/A with 192.0.2.1 (ttl 30)"});
  EXPECT_EQ(server_->current(), nullptr);  // diff changes nothing
  ASSERT_EQ(provider_->apply(t1, c), std::nullopt);
  EXPECT_TRUE(diff(t1).empty());
  ASSERT_NE(server_->current(), nullptr);
  EXPECT_EQ(server_->current()->generation(), 1u);
  EXPECT_EQ(ask(), std::make_pair(V{"192.0.2.1"}, std::uint32_t{30}));

  const Target t2 = target(2, "fra");
  c = diff(t2);
  EXPECT_EQ(c.steps, V{"answer www.example.test/A with 198.51.100.1 (ttl 30)"});
  EXPECT_EQ(ask().first, V{"192.0.2.1"});  // still the old answer
  ASSERT_EQ(provider_->apply(t2, c), std::nullopt);
  EXPECT_TRUE(diff(t2).empty());
  EXPECT_EQ(ask().first, V{"198.51.100.1"});
  EXPECT_EQ(server_->current()->serial(), 2u);
}

TEST_F(EmbeddedDnsTest, ANewGenerationWithTheSameAnswersIsStillPublished) {
  const Target t1 = target(1, "ams");
  ASSERT_EQ(provider_->apply(t1, diff(t1)), std::nullopt);
  const Target t2 = target(2, "ams");  // e.g. only a freeze changed
  Changes c = diff(t2);
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c.steps, V{"publish generation 2 with the new zone, site or record settings"});
  ASSERT_EQ(provider_->apply(t2, c), std::nullopt);
  EXPECT_TRUE(diff(t2).empty());
  EXPECT_EQ(server_->current()->generation(), 2u);
}

TEST_F(EmbeddedDnsTest, AConfigurationChangeMakesTheSameTargetDifferent) {
  const Target t = target(1, "ams");
  ASSERT_EQ(provider_->apply(t, diff(t)), std::nullopt);
  EXPECT_EQ(ask().second, 30u);

  provider_->configure({zone()}, sites(), {www(300)});
  Changes c = diff(t);
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(ask().second, 30u);  // not before apply
  ASSERT_EQ(provider_->apply(t, c), std::nullopt);
  EXPECT_TRUE(diff(t).empty());
  EXPECT_EQ(ask(), std::make_pair(V{"192.0.2.1"}, std::uint32_t{300}));

  // A site's address changes.
  auto s = sites();
  s[0].ipv4 = {"192.0.2.99"};
  provider_->configure({zone()}, s, {www(300)});
  ASSERT_FALSE(diff(t).empty());
  ASSERT_EQ(provider_->apply(t, diff(t)), std::nullopt);
  EXPECT_EQ(ask().first, V{"192.0.2.99"});
}

TEST_F(EmbeddedDnsTest, ASnapshotPublishedBySomeoneElseIsNotInSync) {
  const Target t = target(1, "ams");
  ASSERT_EQ(provider_->apply(t, diff(t)), std::nullopt);
  ASSERT_TRUE(diff(t).empty());
  // The same content, but not the snapshot this provider published.
  server_->publish(dns::build_snapshot({zone()}, sites(), {www()}, t.plan));
  Changes c = diff(t);
  ASSERT_FALSE(c.empty());
  ASSERT_EQ(provider_->apply(t, c), std::nullopt);
  EXPECT_TRUE(diff(t).empty());
}

TEST_F(EmbeddedDnsTest, InputsTheSnapshotCannotBeBuiltFromArePermanentFailures) {
  const Target t1 = target(1, "ams");
  ASSERT_EQ(provider_->apply(t1, diff(t1)), std::nullopt);
  provider_->configure({zone(), zone()}, sites(), {www()});  // a zone listed twice
  const Target t2 = target(2, "fra");
  auto f = provider_->apply(t2, diff(t2));
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->permanent);
  EXPECT_NE(f->reason.find("cannot build the DNS answers"), std::string::npos) << f->reason;
  // Nothing was published: the server keeps answering the last good snapshot.
  EXPECT_EQ(ask().first, V{"192.0.2.1"});
  EXPECT_FALSE(diff(t2).empty());
}

}  // namespace
}  // namespace drpilot::providers
