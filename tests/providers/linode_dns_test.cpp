// The Linode DNS provider against fake_linode: in-sync detection, the minimal
// change for failover and multivalue answers, TTL rounding, finding the
// domain, pinned record ids, and how API failures are reported.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "providers/linode_dns.h"
#include "providers/linode_fixture.h"

namespace drpilot::testing {
namespace {

using core::RecordType;
using nlohmann::json;
using providers::Changes;
using providers::Failure;
using providers::Target;

constexpr const char* kDomain = "example.com";

class LinodeDnsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fake_.ok()); }

  // One domain (id 1) holding `records`.
  void world(json records) { fake_.set_state({{"domains", {linode_domain(1, kDomain, records)}}}); }

  std::unique_ptr<providers::Provider> provider(config::ProviderConfig cfg) {
    return providers::make_linode_dns(cfg, kLinodeToken);
  }
  std::unique_ptr<providers::Provider> provider() {
    return provider(linode_config(fake_.endpoint(), kDomain));
  }

  static Changes changes_of(const std::variant<Changes, Failure>& r) {
    if (auto* f = std::get_if<Failure>(&r)) {
      ADD_FAILURE() << "diff failed: " << f->reason;
      return {};
    }
    return std::get<Changes>(r);
  }
  static Failure failure_of(const std::variant<Changes, Failure>& r) {
    if (auto* c = std::get_if<Changes>(&r)) {
      ADD_FAILURE() << "diff succeeded with " << c->steps.size() << " steps";
      return {};
    }
    return std::get<Failure>(r);
  }

  // diff, apply, and diff again: what the reconciler does.
  Changes converge(providers::Provider& p, const Target& t) {
    Changes c = changes_of(p.diff(t));
    auto f = p.apply(t, c);
    EXPECT_FALSE(f) << f->reason;
    Changes after = changes_of(p.diff(t));
    EXPECT_TRUE(after.empty()) << "still differs: " << (after.empty() ? "" : after.steps[0]);
    return c;
  }

  // The targets of the fake's records named `name` of `type`, sorted.
  std::vector<std::string> targets(const std::string& name, const std::string& type) {
    std::vector<std::string> out;
    for (const json& r : fake_.records(1)) {
      if (r["name"] == name && r["type"] == type) out.push_back(r["target"]);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  FakeLinodeProcess fake_;
};

TEST_F(LinodeDnsTest, WorldThatMatchesHasNoChangesAndIsNotWritten) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30),
         linode_record(11, "AAAA", "www", "2001:db8::1", 30),
         linode_record(12, "MX", "", "mail.example.com", 300)});
  auto p = provider();
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.1"}),
                        record_target("www.example.com", RecordType::AAAA, 30, {"2001:db8::1"})});
  Changes c = changes_of(p->diff(t));
  EXPECT_TRUE(c.empty()) << c.steps[0];
  EXPECT_EQ(fake_.count("PUT") + fake_.count("POST") + fake_.count("DELETE"), 0);
}

TEST_F(LinodeDnsTest, AddressesCompareAsAddressesNotAsText) {
  world({linode_record(11, "AAAA", "www", "2001:db8::1", 30)});
  auto p = provider();
  Target t = target_of({record_target("www.example.com", RecordType::AAAA, 30, {"2001:DB8:0::1"})});
  EXPECT_TRUE(changes_of(p->diff(t)).empty());
}

TEST_F(LinodeDnsTest, FailoverIsOnePutAndVerifies) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30),
         linode_record(12, "A", "api", "192.0.2.1", 30)});
  auto p = provider();
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"})});
  Changes c = changes_of(p->diff(t));
  ASSERT_EQ(c.steps.size(), 1u);
  EXPECT_EQ(c.steps[0],
            "update www.example.com A (Linode record 10): 192.0.2.1 -> 192.0.2.2, ttl 30");
  // diff() changed nothing.
  EXPECT_EQ(targets("www", "A"), std::vector<std::string>{"192.0.2.1"});
  fake_.clear_requests();

  ASSERT_FALSE(p->apply(t, c));
  EXPECT_EQ(fake_.count("PUT"), 1);
  EXPECT_EQ(fake_.count("PUT", "/v4/domains/1/records/10"), 1);
  EXPECT_EQ(fake_.count("POST"), 0);
  EXPECT_EQ(fake_.count("DELETE"), 0);
  EXPECT_TRUE(changes_of(p->diff(t)).empty());

  json recs = fake_.records(1);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["id"], 10);
  EXPECT_EQ(recs[0]["target"], "192.0.2.2");
  EXPECT_EQ(recs[0]["ttl_sec"], 30);
  EXPECT_EQ(recs[1]["target"], "192.0.2.1") << "a record not in the plan was changed";
}

TEST_F(LinodeDnsTest, MultivalueGrowsWithPostsAndShrinksWithDeletes) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30)});
  auto p = provider();
  Target three = target_of({record_target("www.example.com", RecordType::A, 30,
                                          {"192.0.2.1", "192.0.2.2", "192.0.2.3"})});
  fake_.clear_requests();
  Changes grow = converge(*p, three);
  EXPECT_EQ(grow.steps.size(), 2u);
  EXPECT_EQ(grow.steps[0], "create www.example.com A: 192.0.2.2, ttl 30");
  EXPECT_EQ(fake_.count("POST"), 2);
  EXPECT_EQ(fake_.count("PUT") + fake_.count("DELETE"), 0);
  EXPECT_EQ(targets("www", "A"), (std::vector<std::string>{"192.0.2.1", "192.0.2.2", "192.0.2.3"}));

  Target one = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.3"})});
  fake_.clear_requests();
  Changes shrink = converge(*p, one);
  EXPECT_EQ(shrink.steps.size(), 2u);
  EXPECT_EQ(fake_.count("DELETE"), 2);
  EXPECT_EQ(fake_.count("PUT") + fake_.count("POST"), 0);
  EXPECT_EQ(targets("www", "A"), std::vector<std::string>{"192.0.2.3"});
}

TEST_F(LinodeDnsTest, ReusesRecordsBeforeCreatingAndDeletesLast) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30),
         linode_record(11, "A", "www", "192.0.2.9", 30),
         linode_record(12, "A", "www", "192.0.2.8", 30)});
  auto p = provider();
  Target t =
      target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.1", "192.0.2.2"})});
  Changes c = changes_of(p->diff(t));
  ASSERT_EQ(c.steps.size(), 2u);
  EXPECT_EQ(c.steps[0],
            "update www.example.com A (Linode record 11): 192.0.2.9 -> 192.0.2.2, ttl 30");
  EXPECT_EQ(c.steps[1], "delete www.example.com A (Linode record 12): 192.0.2.8");
  fake_.clear_requests();
  ASSERT_FALSE(p->apply(t, c));
  json log = fake_.requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["method"], "PUT");
  EXPECT_EQ(log[1]["method"], "DELETE");
  EXPECT_TRUE(changes_of(p->diff(t)).empty());
}

TEST_F(LinodeDnsTest, CreatesApexRecordWithEmptyName) {
  world(json::array());
  auto p = provider();
  Target t = target_of({record_target("example.com", RecordType::A, 30, {"192.0.2.5"})});
  converge(*p, t);
  EXPECT_EQ(targets("", "A"), std::vector<std::string>{"192.0.2.5"});
}

TEST_F(LinodeDnsTest, TtlIsRoundedUpToLinodeValues) {
  EXPECT_EQ(providers::linode_ttl(-5), 30);
  EXPECT_EQ(providers::linode_ttl(0), 30);
  EXPECT_EQ(providers::linode_ttl(30), 30);
  EXPECT_EQ(providers::linode_ttl(31), 120);
  EXPECT_EQ(providers::linode_ttl(60), 120);
  EXPECT_EQ(providers::linode_ttl(300), 300);
  EXPECT_EQ(providers::linode_ttl(301), 3600);
  EXPECT_EQ(providers::linode_ttl(86400), 86400);
  EXPECT_EQ(providers::linode_ttl(5'000'000), 2419200);

  world({linode_record(10, "A", "www", "192.0.2.1", 30)});
  auto p = provider();
  Target t = target_of({record_target("www.example.com", RecordType::A, 60, {"192.0.2.1"})});
  Changes c = converge(*p, t);
  ASSERT_EQ(c.steps.size(), 1u);
  EXPECT_EQ(c.steps[0], "update www.example.com A (Linode record 10): 192.0.2.1, ttl 30 -> 120");
  EXPECT_EQ(fake_.records(1)[0]["ttl_sec"], 120);
}

TEST_F(LinodeDnsTest, TtlChangeKeepsEachAddressOnItsRecord) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30),
         linode_record(11, "A", "www", "192.0.2.2", 30)});
  auto p = provider();
  Target t =
      target_of({record_target("www.example.com", RecordType::A, 300, {"192.0.2.2", "192.0.2.1"})});
  Changes c = converge(*p, t);
  ASSERT_EQ(c.steps.size(), 2u);
  EXPECT_EQ(c.steps[0], "update www.example.com A (Linode record 11): 192.0.2.2, ttl 30 -> 300");
  EXPECT_EQ(c.steps[1], "update www.example.com A (Linode record 10): 192.0.2.1, ttl 30 -> 300");
}

TEST_F(LinodeDnsTest, FindsTheDomainByNameAcrossPagesOnce) {
  json domains = json::array();
  for (int i = 1; i <= 600; ++i)
    domains.push_back(linode_domain(i, "zone" + std::to_string(i) + ".test"));
  domains[550] = linode_domain(551, kDomain, {linode_record(10, "A", "www", "192.0.2.1", 30)});
  fake_.set_state({{"domains", domains}});
  auto p = provider();
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"})});
  converge(*p, t);
  EXPECT_EQ(fake_.count("GET", "/v4/domains?page=2"), 1);
  EXPECT_EQ(fake_.count("GET", "/v4/domains?"), 2) << "the domain id is looked up once";
  EXPECT_EQ(fake_.records(551)[0]["target"], "192.0.2.2");
}

TEST_F(LinodeDnsTest, UsesTheConfiguredDomainId) {
  fake_.set_state(
      {{"domains",
        {linode_domain(3, "other.test"),
         linode_domain(7, kDomain, {linode_record(10, "A", "www", "192.0.2.1", 30)})}}});
  config::ProviderConfig cfg = linode_config(fake_.endpoint(), "");
  cfg.domain_id = 7;
  auto p = provider(cfg);
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"})});
  converge(*p, t);
  EXPECT_EQ(fake_.count("GET", "/v4/domains?"), 0);
  EXPECT_EQ(fake_.count("GET", "/v4/domains/7"), 3);  // the domain once, its records twice
  EXPECT_EQ(fake_.records(7)[0]["target"], "192.0.2.2");
}

TEST_F(LinodeDnsTest, MissingDomainIsPermanent) {
  world(json::array());
  config::ProviderConfig by_id = linode_config(fake_.endpoint(), "");
  by_id.domain_id = 99;
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"})});
  Failure f = failure_of(provider(by_id)->diff(t));
  EXPECT_TRUE(f.permanent);
  EXPECT_NE(f.reason.find("domain id 99 does not exist"), std::string::npos) << f.reason;

  Failure g = failure_of(provider(linode_config(fake_.endpoint(), "example.org"))->diff(t));
  EXPECT_TRUE(g.permanent);
  EXPECT_NE(g.reason.find("no Linode domain named example.org"), std::string::npos) << g.reason;

  config::ProviderConfig both = linode_config(fake_.endpoint(), "example.org");
  both.domain_id = 1;
  Failure h = failure_of(provider(both)->diff(t));
  EXPECT_TRUE(h.permanent);
  EXPECT_NE(h.reason.find("is example.com"), std::string::npos) << h.reason;
}

TEST_F(LinodeDnsTest, SecondaryZoneIsPermanent) {
  json d = linode_domain(1, kDomain);
  d["type"] = "slave";
  fake_.set_state({{"domains", {d}}});
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"})});
  Failure f = failure_of(provider()->diff(t));
  EXPECT_TRUE(f.permanent);
  EXPECT_NE(f.reason.find("secondary"), std::string::npos) << f.reason;
}

TEST_F(LinodeDnsTest, ReadsEveryPageOfRecords) {
  json records = json::array();
  for (int i = 0; i < 1200; ++i) {
    records.push_back(
        linode_record(100 + i, "TXT", "t" + std::to_string(i), "v=" + std::to_string(i)));
  }
  // The managed records come last, on the third page of 500.
  records.push_back(linode_record(5000, "A", "www", "192.0.2.1", 30));
  records.push_back(linode_record(5001, "A", "www", "192.0.2.7", 30));
  world(records);
  auto p = provider();
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.1"})});
  Changes c = changes_of(p->diff(t));
  ASSERT_EQ(c.steps.size(), 1u) << "the records on the last page were not seen";
  EXPECT_EQ(c.steps[0], "delete www.example.com A (Linode record 5001): 192.0.2.7");
  EXPECT_EQ(fake_.count("GET", "/v4/domains/1/records?page=3"), 1);
  EXPECT_EQ(fake_.count("GET", "/v4/domains/1/records?page=4"), 0);
}

TEST_F(LinodeDnsTest, UntypedEntryManagesEveryTypeAndLeavesOthersAlone) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30),
         linode_record(11, "AAAA", "www", "2001:db8::1", 30),
         linode_record(12, "A", "api", "192.0.2.1", 30),
         linode_record(13, "TXT", "www", "hello", 300)});
  config::ProviderConfig cfg = linode_config(fake_.endpoint(), kDomain);
  cfg.records.push_back({"www.example.com", std::nullopt, 0});
  auto p = provider(cfg);
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"}),
                        record_target("www.example.com", RecordType::AAAA, 30, {"2001:db8::2"}),
                        record_target("api.example.com", RecordType::A, 30, {"192.0.2.2"})});
  Changes c = converge(*p, t);
  EXPECT_EQ(c.steps.size(), 2u);
  EXPECT_EQ(targets("www", "A"), std::vector<std::string>{"192.0.2.2"});
  EXPECT_EQ(targets("www", "AAAA"), std::vector<std::string>{"2001:db8::2"});
  EXPECT_EQ(targets("api", "A"), std::vector<std::string>{"192.0.2.1"}) << "not configured";
  EXPECT_EQ(targets("www", "TXT"), std::vector<std::string>{"hello"});
}

TEST_F(LinodeDnsTest, ConfiguredRecordsMustBeInTheDomainAndThePlan) {
  world(json::array());
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"}),
                        record_target("www.example.net", RecordType::A, 30, {"192.0.2.2"})});
  config::ProviderConfig outside = linode_config(fake_.endpoint(), kDomain);
  outside.records.push_back({"www.example.net", RecordType::A, 0});
  Failure f = failure_of(provider(outside)->diff(t));
  EXPECT_TRUE(f.permanent);
  EXPECT_NE(f.reason.find("not inside the Linode domain example.com"), std::string::npos)
      << f.reason;

  config::ProviderConfig absent = linode_config(fake_.endpoint(), kDomain);
  absent.records.push_back({"www.example.com", RecordType::AAAA, 0});
  Failure g = failure_of(provider(absent)->diff(t));
  EXPECT_TRUE(g.permanent);
  EXPECT_NE(g.reason.find("not a record of the plan"), std::string::npos) << g.reason;
}

TEST_F(LinodeDnsTest, EmptyAnswerIsRefused) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30)});
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {})});
  Failure f = failure_of(provider()->diff(t));
  EXPECT_TRUE(f.permanent);
  EXPECT_NE(f.reason.find("no addresses"), std::string::npos) << f.reason;
}

TEST_F(LinodeDnsTest, PinnedRecordIdIsTheOnlyOneChanged) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30),
         linode_record(11, "A", "www", "192.0.2.1", 30)});
  config::ProviderConfig cfg = linode_config(fake_.endpoint(), kDomain);
  cfg.records.push_back({"www.example.com", RecordType::A, 11});
  auto p = provider(cfg);
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"})});
  Changes c = converge(*p, t);
  ASSERT_EQ(c.steps.size(), 1u);
  EXPECT_EQ(c.steps[0],
            "update www.example.com A (Linode record 11): 192.0.2.1 -> 192.0.2.2, ttl 30");
  EXPECT_EQ(fake_.count("GET", "/v4/domains/1/records?"), 0) << "pinned records are read by id";
  json recs = fake_.records(1);
  EXPECT_EQ(recs[0]["target"], "192.0.2.1");
  EXPECT_EQ(recs[1]["target"], "192.0.2.2");
}

TEST_F(LinodeDnsTest, PinnedRecordThatDoesNotExistIsPermanentAndSaysHowToFix) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30)});
  config::ProviderConfig cfg = linode_config(fake_.endpoint(), kDomain);
  cfg.records.push_back({"www.example.com", RecordType::A, 999});
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"})});
  Failure f = failure_of(provider(cfg)->diff(t));
  EXPECT_TRUE(f.permanent);
  EXPECT_NE(f.reason.find("Linode record 999 does not exist in domain example.com (1)"),
            std::string::npos)
      << f.reason;
  EXPECT_NE(f.reason.find("remove record_id"), std::string::npos) << f.reason;
  EXPECT_NE(f.reason.find("GET /domains/1/records"), std::string::npos) << f.reason;
}

TEST_F(LinodeDnsTest, PinnedRecordCannotCarryManyAddresses) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30)});
  config::ProviderConfig cfg = linode_config(fake_.endpoint(), kDomain);
  cfg.records.push_back({"www.example.com", RecordType::A, 10});
  Target t =
      target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.1", "192.0.2.2"})});
  Failure f = failure_of(provider(cfg)->diff(t));
  EXPECT_TRUE(f.permanent);
  EXPECT_NE(f.reason.find("record_id 10"), std::string::npos) << f.reason;
  EXPECT_NE(f.reason.find("2 addresses"), std::string::npos) << f.reason;
}

TEST_F(LinodeDnsTest, PinnedRecordOfAnotherNameIsRefused) {
  world({linode_record(10, "A", "api", "192.0.2.1", 30)});
  config::ProviderConfig cfg = linode_config(fake_.endpoint(), kDomain);
  cfg.records.push_back({"www.example.com", std::nullopt, 10});
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"})});
  Failure f = failure_of(provider(cfg)->diff(t));
  EXPECT_TRUE(f.permanent);
  EXPECT_NE(f.reason.find("named 'api'"), std::string::npos) << f.reason;
}

TEST_F(LinodeDnsTest, WrongTokenIsPermanentAndNeverQuoted) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30)});
  const std::string wrong = "wrong-token-8d2e9a";
  auto p = providers::make_linode_dns(linode_config(fake_.endpoint(), kDomain), wrong);
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"})});
  Failure f = failure_of(p->diff(t));
  EXPECT_TRUE(f.permanent);
  EXPECT_NE(f.reason.find("401"), std::string::npos) << f.reason;
  EXPECT_NE(f.reason.find("Invalid Token"), std::string::npos) << f.reason;
  EXPECT_NE(f.reason.find("check the token"), std::string::npos) << f.reason;
  EXPECT_EQ(f.reason.find(wrong), std::string::npos) << f.reason;
  EXPECT_EQ(f.reason.find(kLinodeToken), std::string::npos) << f.reason;
}

TEST_F(LinodeDnsTest, TooManyRequestsCarriesRetryAfter) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30)});
  fake_.fault({{"mode", "status"}, {"status", 429}, {"retry_after", 7}, {"count", 1}});
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"})});
  Failure f = failure_of(provider()->diff(t));
  EXPECT_FALSE(f.permanent);
  ASSERT_TRUE(f.retry_after.has_value()) << f.reason;
  EXPECT_EQ(*f.retry_after, core::Duration{7'000});
  EXPECT_NE(f.reason.find("429"), std::string::npos) << f.reason;
}

// A long wait the server asked for is not slept through inside a call: the
// call fails at once saying how long remains, and the reconciler (which shows
// it in status) waits. Nothing is sent meanwhile.
TEST_F(LinodeDnsTest, ALongRateLimitWaitIsHandedBackNotSlept) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30)});
  fake_.fault({{"mode", "status"}, {"status", 429}, {"retry_after", 60}, {"count", 1}});
  auto p = provider();
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.1"})});
  failure_of(p->diff(t));  // the 429: the client now holds back for 60 s
  const auto started = std::chrono::steady_clock::now();
  Failure f = failure_of(p->diff(t));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_NE(f.reason.find("rate limit"), std::string::npos) << f.reason;
  ASSERT_TRUE(f.retry_after.has_value()) << f.reason;
  EXPECT_GT(*f.retry_after, core::Duration{50'000});
  EXPECT_EQ(fake_.requests().size(), 1u) << "nothing was sent while waiting";
}

// A short wait is slept through, and the stop flag ends it.
TEST_F(LinodeDnsTest, StopFlagEndsAShortRateLimitWait) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30)});
  fake_.fault({{"mode", "status"}, {"status", 429}, {"retry_after", 4}, {"count", 1}});
  auto p = provider();
  std::atomic<bool> stop{false};
  p->set_stop_flag(&stop);
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.1"})});
  failure_of(p->diff(t));  // the 429: the client now holds back for 4 s
  std::thread stopper([&] {
    // The stop comes while the client holds back (4 s): it must end the wait.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  const auto started = std::chrono::steady_clock::now();
  Failure f = failure_of(p->diff(t));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_NE(f.reason.find("stopped"), std::string::npos) << f.reason;
  EXPECT_EQ(fake_.requests().size(), 1u) << "nothing was sent while waiting";
}

TEST_F(LinodeDnsTest, ServerErrorIsTransient) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30)});
  fake_.fault({{"mode", "status"}, {"status", 500}, {"count", 1}});
  auto p = provider();
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2"})});
  Failure f = failure_of(p->diff(t));
  EXPECT_FALSE(f.permanent);
  EXPECT_FALSE(f.retry_after.has_value());
  EXPECT_NE(f.reason.find("HTTP 500"), std::string::npos) << f.reason;
  // The next attempt goes through.
  converge(*p, t);
}

TEST_F(LinodeDnsTest, FailedWriteSaysHowFarItGot) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30)});
  auto p = provider();
  Target t =
      target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.2", "192.0.2.3"})});
  Changes c = changes_of(p->diff(t));
  ASSERT_EQ(c.steps.size(), 2u);
  fake_.fault({{"mode", "status"}, {"status", 503}, {"methods", {"POST"}}});
  auto f = p->apply(t, c);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->permanent);
  EXPECT_NE(f->reason.find("after 1 of 2 changes"), std::string::npos) << f->reason;
  fake_.fault({{"mode", "none"}});
  converge(*p, t);
  EXPECT_EQ(targets("www", "A"), (std::vector<std::string>{"192.0.2.2", "192.0.2.3"}));
}

TEST_F(LinodeDnsTest, RecordDeletedBehindOurBackIsFine) {
  world({linode_record(10, "A", "www", "192.0.2.1", 30),
         linode_record(11, "A", "www", "192.0.2.2", 30)});
  auto p = provider();
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.1"})});
  Changes c = changes_of(p->diff(t));
  ASSERT_EQ(c.steps.size(), 1u);
  world({linode_record(10, "A", "www", "192.0.2.1", 30)});  // someone deleted 11 meanwhile
  EXPECT_FALSE(p->apply(t, c));
  EXPECT_TRUE(changes_of(p->diff(t)).empty());
}

TEST_F(LinodeDnsTest, ExhaustedRateLimitIsWaitedOutNot429d) {
  fake_.set_state(
      {{"domains", {linode_domain(1, kDomain, {linode_record(10, "A", "www", "192.0.2.1", 30)})}},
       {"rate_limit", {{"limit", 2}, {"window_seconds", 1}}}});
  auto p = provider();
  Target t = target_of({record_target("www.example.com", RecordType::A, 30, {"192.0.2.1"})});
  // Three requests against two per second: the client must wait for the
  // window the headers announce instead of running into 429s.
  EXPECT_TRUE(changes_of(p->diff(t)).empty());
  EXPECT_TRUE(changes_of(p->diff(t)).empty());
  int refused = 0;
  for (const json& r : fake_.requests()) refused += r["status"] == 429;
  EXPECT_EQ(refused, 0);
  EXPECT_EQ(fake_.requests().size(), 3u);
}

TEST_F(LinodeDnsTest, DefaultsToLinodeEndpointAndBadEndpointIsPermanent) {
  config::ProviderConfig cfg = linode_config("", kDomain);
  auto p = provider(cfg);
  EXPECT_EQ(p->kind(), "linode_dns");
  EXPECT_EQ(p->where(), "https://api.linode.com/v4 domain example.com");

  cfg.endpoint = "ftp://example.com/v4";
  Failure f = failure_of(provider(cfg)->diff(target_of({})));
  EXPECT_TRUE(f.permanent);
  EXPECT_NE(f.reason.find("not usable"), std::string::npos) << f.reason;
}

}  // namespace
}  // namespace drpilot::testing
