// The status document from a snapshot: everything, one site, one record, or
// pages that together hold every record and site exactly once; the summary
// speaks of the whole whatever the page; and the query's text is validated
// before anything is read.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "api/api_server.h"
#include "api/status_view.h"
#include "config/config.h"
#include "core/engine.h"

namespace drpilot::api {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Seven sites (s0 down, the rest up) and three records of three sites each.
class StatusViewTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string y =
        "checks: [{name: web, type: tcp, port: 80, interval: 1s}]\n"
        "dns: {zones: [{name: example.test, ns: [{name: ns1.example.test, addresses: "
        "[192.0.2.53]}]}]}\n"
        "sites:\n";
    for (int i = 0; i < 7; ++i) {
      y += "  - {name: s" + std::to_string(i) + ", endpoints: [192.0.2." + std::to_string(i + 1) +
           "], priority: " + std::to_string(i + 1) + ", checks: [web]}\n";
    }
    y += "records:\n"
         "  - {name: a.example.test, sites: [s0, s1, s2]}\n"
         "  - {name: b.example.test, sites: [s2, s3, s4]}\n"
         "  - {name: c.example.test, sites: [s4, s5, s6]}\n";
    config::LoadResult r = config::load_config_string(y, "test.yaml", "/tmp");
    ASSERT_TRUE(r.ok()) << r.error_text();
    cfg = std::make_shared<const config::Config>(std::move(*r.config));
    engine.emplace(cfg->engine_spec(), clock);
    for (int round = 0; round < 3; ++round) {
      clock.advance(1s);
      std::vector<core::Observation> obs;
      for (int i = 0; i < 7; ++i) {
        obs.push_back({"s" + std::to_string(i) + "/web", "controller", i != 0, 1ms,
                       i ? "connected" : "connect refused", clock.now()});
      }
      engine->observe(obs);
    }
  }

  json render(const StatusQuery& q) {
    StatusSnapshot s = snapshot_status(*engine, cfg, ControllerInfo{}, clock.now(), q);
    not_found = s.not_found;
    return json::parse(render_status(s));
  }

  static std::vector<std::string> names(const json& list) {
    std::vector<std::string> out;
    for (const json& x : list) out.push_back(x.value("name", ""));
    return out;
  }

  core::FakeClock clock;
  std::shared_ptr<const config::Config> cfg;
  std::optional<core::Engine> engine;
  std::string not_found;
};

TEST_F(StatusViewTest, TheWholeDocumentHoldsEverythingAndNoPage) {
  json s = render({});
  EXPECT_EQ(names(s["records"]),
            (std::vector<std::string>{"a.example.test", "b.example.test", "c.example.test"}));
  EXPECT_EQ(s["sites"].size(), 7u);
  EXPECT_FALSE(s.contains("page"));
  EXPECT_EQ(s["summary"]["sites"]["total"], 7);
  EXPECT_EQ(s["summary"]["sites"]["up"], 6);
  EXPECT_EQ(s["summary"]["sites"]["down"], 1);
  EXPECT_EQ(s["summary"]["sites"]["unknown"], 0);
  EXPECT_EQ(s["summary"]["records"], 3);
  // A site's checks and their vantages come along.
  EXPECT_EQ(s["sites"][0]["checks"][0]["vantages"][0]["vantage"], "controller");
  EXPECT_EQ(s["sites"][0]["verdict"], "down");
}

TEST_F(StatusViewTest, OneSiteComesWithTheRecordsThatAnswerWithIt) {
  json s = render({.site = "s2"});
  EXPECT_EQ(names(s["sites"]), std::vector<std::string>{"s2"});
  EXPECT_EQ(names(s["records"]), (std::vector<std::string>{"a.example.test", "b.example.test"}));
  EXPECT_EQ(s["page"]["total_sites"], 7);
  EXPECT_TRUE(s["page"]["next_cursor"].is_null());
  EXPECT_EQ(s["summary"]["sites"]["down"], 1) << "the summary is of the whole";
}

TEST_F(StatusViewTest, OneRecordComesWithItsSites) {
  json s = render({.record = "b.example.test"});
  EXPECT_EQ(names(s["records"]), std::vector<std::string>{"b.example.test"});
  EXPECT_EQ(names(s["sites"]), (std::vector<std::string>{"s2", "s3", "s4"}));
  EXPECT_EQ(s["records"][0]["answer"], json::array({"s2"}));
}

TEST_F(StatusViewTest, AnUnknownSiteOrRecordIsSaidSo) {
  render({.site = "nowhere"});
  EXPECT_EQ(not_found, "there is no site named 'nowhere'");
  render({.record = "z.example.test"});
  EXPECT_EQ(not_found, "there is no record named 'z.example.test'");
}

TEST_F(StatusViewTest, PagesHoldEveryRecordAndSiteExactlyOnce) {
  std::vector<std::string> records, sites;
  StatusQuery q{.limit = 2};
  int pages = 0;
  for (;;) {
    json s = render(q);
    ASSERT_LT(++pages, 10) << "the cursor does not advance";
    for (const auto& n : names(s["records"])) records.push_back(n);
    for (const auto& n : names(s["sites"])) sites.push_back(n);
    EXPECT_LE(s["sites"].size(), 2u);
    if (s["page"]["next_cursor"].is_null()) break;
    q.cursor = s["page"]["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(pages, 4);  // 7 sites, 2 a page
  EXPECT_EQ(records,
            (std::vector<std::string>{"a.example.test", "b.example.test", "c.example.test"}));
  EXPECT_EQ(sites, (std::vector<std::string>{"s0", "s1", "s2", "s3", "s4", "s5", "s6"}));
}

TEST_F(StatusViewTest, TheRenderedDocumentDoesNotChangeWhenTheEngineDoes) {
  StatusSnapshot snap = snapshot_status(*engine, cfg, ControllerInfo{}, clock.now(), {});
  const std::string before = render_status(snap);
  // The engine moves on (s0 recovers) after the snapshot was taken.
  for (int round = 0; round < 3; ++round) {
    clock.advance(1s);
    engine->observe(core::Observation{"s0/web", "controller", true, 1ms, "connected", clock.now()});
  }
  EXPECT_EQ(render_status(snap), before);
  EXPECT_NE(render({}).dump(), json::parse(before).dump());
}

// The query's text, validated by decide() before anything is read.
class Recorder final : public Backend {
 public:
  std::function<net::ServerResponse()> status(const StatusQuery& q) override {
    seen.push_back(q);
    return [] { return json_response(200, json::object()); };
  }
  json history(std::size_t, std::optional<std::int64_t>) override { return json::object(); }
  bool live() override { return true; }
  Reply command(const core::Command&) override { return {200, json::object()}; }
  std::vector<StatusQuery> seen;
};

net::ServerRequest get(std::map<std::string, std::string> query) {
  net::ServerRequest r;
  r.method = "GET";
  r.path = "/api/v1/status";
  r.query = std::move(query);
  return r;
}

// A vantage that could not judge (AWS refused its credentials) says so, and
// the credentials' own state has its place next to the load.
TEST_F(StatusViewTest, InconclusiveVantagesAndTheAwsCredentialsAreShown) {
  clock.advance(1s);
  core::Observation o{"s1/web", "controller", false, 1ms, "refused the credentials", clock.now()};
  o.inconclusive = true;
  engine->observe(o);
  ControllerInfo info;
  info.aws = {{"credentials", {{"source", "profile shop in /root/.aws/credentials"}}}};
  StatusSnapshot snap = snapshot_status(*engine, cfg, info, clock.now(), {});
  const json s = json::parse(render_status(snap));
  EXPECT_EQ(s["aws"]["credentials"]["source"], "profile shop in /root/.aws/credentials");
  const json& v = s["sites"][1]["checks"][0]["vantages"][0];
  EXPECT_TRUE(v["inconclusive"].get<bool>()) << v.dump();
  EXPECT_EQ(v["state"], "unknown");
  EXPECT_EQ(s["sites"][1]["verdict"], "unknown");
  EXPECT_FALSE(s["sites"][2]["checks"][0]["vantages"][0]["inconclusive"].get<bool>());
  EXPECT_FALSE(render({}).contains("aws"));  // no data regions to check: no entry
}

TEST(StatusQueries, AreParsedOrRefusedWithA400) {
  Recorder b;
  EXPECT_EQ(route(b, get({{"site", "ams"}}), Access{}).status, 200);
  EXPECT_EQ(route(b, get({{"limit", "100"}, {"cursor", "3.250"}}), Access{}).status, 200);
  ASSERT_EQ(b.seen.size(), 2u);
  EXPECT_EQ(b.seen[0].site, "ams");
  EXPECT_EQ(b.seen[1].limit, 100u);
  EXPECT_EQ(b.seen[1].cursor, "3.250");
  for (const auto& bad : std::vector<std::map<std::string, std::string>>{
           {{"limit", "0"}},
           {{"limit", "ten"}},
           {{"limit", "100001"}},
           {{"cursor", "3"}},
           {{"cursor", "a.b"}},
           {{"cursor", "1.2.3"}},
           {{"site", "ams"}, {"record", "www.example.test"}},
           {{"site", "ams"}, {"limit", "5"}}}) {
    EXPECT_EQ(route(b, get(bad), Access{}).status, 400) << bad.begin()->first;
  }
  EXPECT_EQ(b.seen.size(), 2u) << "a refused query reached the backend";
}

TEST(StatusQueries, CursorsParseBothPositions) {
  EXPECT_EQ(parse_cursor("0.0"), (std::pair<std::size_t, std::size_t>{0, 0}));
  EXPECT_EQ(parse_cursor("12.3400"), (std::pair<std::size_t, std::size_t>{12, 3400}));
  EXPECT_FALSE(parse_cursor(""));
  EXPECT_FALSE(parse_cursor("."));
  EXPECT_FALSE(parse_cursor("1."));
  EXPECT_FALSE(parse_cursor(".1"));
  EXPECT_FALSE(parse_cursor("-1.2"));
  EXPECT_FALSE(parse_cursor("99999999999999999999999.1"));
}

}  // namespace
}  // namespace drpilot::api
