// The configuration loader: the example file, defaults, and a table of bad
// configurations, each refused with the position of the offending key or value.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/schema.h"
#include "config/values.h"
#include "config_dump.h"

namespace drpilot::config {
namespace {

namespace fs = std::filesystem;
using core::Duration;

LoadResult load(const std::string& yaml) {
  return load_config_string(yaml, "test.yaml", "/etc/drpilot");
}

// Loads and insists on success, printing every error otherwise.
Config load_ok(const std::string& yaml) {
  LoadResult r = load(yaml);
  EXPECT_TRUE(r.ok()) << r.error_text() << "--- in ---\n" << yaml;
  EXPECT_TRUE(r.errors.empty()) << r.error_text();
  return r.config.value_or(Config{});
}

// A directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("drpilot-config-test-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path write(const std::string& name, const std::string& text) const {
    fs::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  fs::path path_;
};

const Field& schema_field(const std::string& section, const std::string& key) {
  for (const Section* s : all_sections()) {
    if (s->path != section) continue;
    const Field* f = s->find(key);
    if (f) return *f;
  }
  ADD_FAILURE() << "no field " << section << " " << key;
  static const Field none;
  return none;
}

Duration schema_duration(const std::string& section, const std::string& key) {
  std::string error;
  auto d = parse_duration(schema_field(section, key).default_value, error);
  EXPECT_TRUE(d) << section << "." << key << ": " << error;
  return d.value_or(Duration{-1});
}

int schema_int(const std::string& section, const std::string& key) {
  return std::stoi(schema_field(section, key).default_value);
}

std::string schema_string(const std::string& section, const std::string& key) {
  return schema_field(section, key).default_value;
}

// The smallest valid configuration: one site, one record, nothing optional.
const std::string kMinimal = R"(sites:
  - name: ams
    endpoints: [192.0.2.1]
records:
  - name: www.example.test
    sites: [ams]
)";

// ------------------------------------------------------------- examples/lab.yaml

TEST(LabExample, LoadsWithTheValuesTheFileStates) {
  const fs::path file = fs::path(DRPILOT_SOURCE_DIR) / "examples" / "lab.yaml";
  LoadResult r = load_config_file(file.string());
  ASSERT_TRUE(r.ok()) << r.error_text();
  const Config& c = *r.config;

  EXPECT_EQ(c.path, file.string());
  EXPECT_EQ(c.vantage, "controller");
  EXPECT_EQ(c.journal_path, (file.parent_path() / "lab-journal.db").lexically_normal().string());
  EXPECT_EQ(c.api_listen, (Endpoint{"127.0.0.1", 8080}));

  ASSERT_TRUE(c.dns.enabled);
  ASSERT_EQ(c.dns.listen.size(), 1u);
  EXPECT_EQ(c.dns.listen[0], (Endpoint{"127.0.0.1", 5353}));
  ASSERT_EQ(c.dns.zones.size(), 1u);
  const core::ZoneSpec& z = c.dns.zones[0];
  EXPECT_EQ(z.name, "example.test");
  EXPECT_EQ(z.ttl, 3600);
  ASSERT_EQ(z.ns.size(), 1u);
  EXPECT_EQ(z.ns[0].name, "ns1.example.test");
  EXPECT_EQ(z.ns[0].addresses, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(z.soa_mname, "ns1.example.test");
  EXPECT_EQ(z.soa_rname, "hostmaster.example.test");
  EXPECT_EQ(z.soa_minimum, 30);

  EXPECT_EQ(c.policy.failback, core::Failback::automatic);
  EXPECT_EQ(c.policy.hold_down, Duration{10'000});
  EXPECT_EQ(c.policy.min_interval, Duration{5'000});
  EXPECT_EQ(c.policy.flap_window, Duration{600'000});
  EXPECT_EQ(c.policy.flap_max_changes, 10);

  ASSERT_EQ(c.checks.size(), 3u);
  const CheckConfig& web = c.checks[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.kind, CheckKind::http);
  EXPECT_EQ(web.port, 8000);
  EXPECT_EQ(web.path, "/healthz");
  EXPECT_EQ(web.expect_status, std::vector<int>{200});
  EXPECT_EQ(web.expect_body, "ok");
  EXPECT_EQ(web.interval, Duration{250});
  EXPECT_EQ(web.edge_interval, Duration{100});
  EXPECT_EQ(web.jitter_percent, 10);
  EXPECT_EQ(web.connect_timeout, Duration{200});
  EXPECT_EQ(web.timeout, Duration{300});
  EXPECT_EQ(web.hysteresis.rise, 2);
  EXPECT_EQ(web.hysteresis.fall, 3);
  EXPECT_EQ(c.find_check("web"), &c.checks[0]);

  ASSERT_EQ(c.sites.size(), 2u);
  EXPECT_EQ(c.sites[0].spec.name, "ams");
  EXPECT_EQ(c.sites[0].spec.ipv4, std::vector<std::string>{"127.0.0.11"});
  EXPECT_TRUE(c.sites[0].spec.ipv6.empty());
  EXPECT_EQ(c.sites[0].spec.priority, 1);
  EXPECT_EQ(c.sites[0].check_address, "127.0.0.11");
  EXPECT_EQ(c.sites[0].checks, std::vector<std::string>{"web"});
  EXPECT_EQ(c.sites[1].spec.name, "nyc");
  EXPECT_EQ(c.sites[1].spec.ipv4, std::vector<std::string>{"127.0.0.12"});
  EXPECT_EQ(c.sites[1].spec.priority, 2);
  EXPECT_EQ(c.sites[1].check_address, "127.0.0.12");
  EXPECT_EQ(c.find_site("nyc"), &c.sites[1]);
  EXPECT_EQ(c.find_site("lon"), nullptr);

  ASSERT_EQ(c.records.size(), 1u);
  const core::RecordSpec& rec = c.records[0];
  EXPECT_EQ(rec.name, "www.example.test");
  EXPECT_EQ(rec.type, core::RecordType::A);
  EXPECT_EQ(rec.mode, core::RoutingMode::failover);
  EXPECT_EQ(rec.ttl, 30);
  EXPECT_EQ(rec.sites, (std::vector<std::string>{"ams", "nyc"}));
  EXPECT_EQ(rec.all_down, core::AllDown::fail_static);

  ASSERT_TRUE(c.lab.enabled);
  EXPECT_EQ(c.lab.control, (Endpoint{"127.0.0.1", 8079}));
  ASSERT_EQ(c.lab.sites.size(), 2u);
  EXPECT_EQ(c.lab.sites[0].name, "ams");
  EXPECT_EQ(c.lab.sites[0].listen, (Endpoint{"127.0.0.11", 8000}));
  EXPECT_EQ(c.lab.sites[1].name, "nyc");
  EXPECT_EQ(c.lab.sites[1].listen, (Endpoint{"127.0.0.12", 8000}));
  ASSERT_EQ(c.lab.data_regions.size(), 2u);
  EXPECT_EQ(c.lab.data_regions[0].name, "eu-west-1");
  EXPECT_EQ(c.lab.data_regions[0].listen, (Endpoint{"127.0.0.1", 8101}));
  EXPECT_EQ(c.lab.replication_delay, Duration{300});

  // Each site's own data region first; both regions checked by table and sentinel.
  EXPECT_EQ(c.sites[0].data_regions, (std::vector<std::string>{"eu-west-1", "us-east-1"}));
  EXPECT_EQ(c.sites[1].data_regions, (std::vector<std::string>{"us-east-1", "eu-west-1"}));
  ASSERT_EQ(c.data_regions.size(), 2u);
  EXPECT_EQ(c.data_regions[0].region, "eu-west-1");
  EXPECT_EQ(c.data_regions[0].endpoint, "http://127.0.0.1:8101");
  EXPECT_EQ(c.data_regions[1].checks,
            (std::vector<std::string>{"orders-table", "orders-sentinel"}));
  const CheckConfig& sentinel = *c.find_check("orders-sentinel");
  EXPECT_EQ(sentinel.kind, CheckKind::dynamodb);
  EXPECT_EQ(sentinel.operation, DynamoCheck::sentinel);
  EXPECT_EQ(sentinel.table, "shop-orders");
  ASSERT_EQ(c.table_groups.size(), 1u);
  EXPECT_EQ(c.table_groups[0].write_mode, WriteMode::single);
  EXPECT_EQ(c.table_groups[0].canary_table, "drpilot-canary");
  ASSERT_EQ(c.agents.size(), 2u);
  EXPECT_EQ(c.agents[0].site, "ams");
  EXPECT_EQ(c.agents[1].listen, (Endpoint{"127.0.0.1", 8092}));
  EXPECT_EQ(c.agents[0].output_path,
            (file.parent_path() / "lab-ams.env").lexically_normal().string());

  // No explicit freshness: 3 x 250ms + 300ms is under the 2s floor.
  EXPECT_EQ(c.freshness, Duration{2000});
}

TEST(LabExample, EngineSpecHasOneTargetPerSiteAndCheck) {
  LoadResult r = load_config_file(DRPILOT_SOURCE_DIR "/examples/lab.yaml");
  ASSERT_TRUE(r.ok()) << r.error_text();
  core::EngineSpec spec = r.config->engine_spec();
  ASSERT_EQ(spec.targets.size(), 6u);
  EXPECT_EQ(spec.targets[0].target, "ams/web");
  EXPECT_EQ(spec.targets[1].target, "nyc/web");
  EXPECT_EQ(spec.targets[2].target, "eu-west-1/orders-table");
  EXPECT_TRUE(spec.targets[2].data_region);
  EXPECT_EQ(spec.targets[5].target, "us-east-1/orders-sentinel");
  EXPECT_EQ(spec.data_regions, (std::vector<std::string>{"eu-west-1", "us-east-1"}));
  ASSERT_EQ(spec.groups.size(), 1u);
  EXPECT_TRUE(spec.groups[0].canary);
  EXPECT_EQ(spec.policy.hold_down, Duration{10'000});
}

// ------------------------------------------------------------- defaults

TEST(Defaults, MinimalConfigGetsTheSchemaDefaults) {
  Config c = load_ok(kMinimal);
  EXPECT_EQ(c.path, "test.yaml");

  EXPECT_EQ(c.vantage, "controller");
  EXPECT_EQ(c.vantage, schema_string("controller", "vantage"));
  EXPECT_EQ(c.freshness, Duration{2000});  // no checks: the 2s floor
  EXPECT_EQ(c.journal_path, "/etc/drpilot/drpilot-journal.db");
  EXPECT_EQ(c.journal_path, "/etc/drpilot/" + schema_string("journal", "path"));
  EXPECT_EQ(c.api_listen, (Endpoint{"127.0.0.1", 8080}));
  EXPECT_EQ(c.api_listen.to_string(), schema_string("api", "listen"));

  EXPECT_FALSE(c.dns.enabled);
  EXPECT_TRUE(c.dns.zones.empty());
  EXPECT_FALSE(c.lab.enabled);
  EXPECT_TRUE(c.lab.sites.empty());
  EXPECT_TRUE(c.checks.empty());

  EXPECT_EQ(c.policy.failback, core::Failback::automatic);
  EXPECT_EQ(schema_string("policy", "failback"), "auto");
  EXPECT_EQ(c.policy.hold_down, Duration{60'000});
  EXPECT_EQ(c.policy.hold_down, schema_duration("policy", "hold_down"));
  EXPECT_EQ(c.policy.min_interval, Duration{30'000});
  EXPECT_EQ(c.policy.min_interval, schema_duration("policy", "min_interval"));
  EXPECT_EQ(c.policy.flap_window, Duration{600'000});
  EXPECT_EQ(c.policy.flap_window, schema_duration("policy", "flap_window"));
  EXPECT_EQ(c.policy.flap_max_changes, 6);
  EXPECT_EQ(c.policy.flap_max_changes, schema_int("policy", "flap_max_changes"));

  ASSERT_EQ(c.sites.size(), 1u);
  const SiteConfig& s = c.sites[0];
  EXPECT_EQ(s.spec.priority, 1);
  EXPECT_EQ(s.spec.priority, schema_int("sites[]", "priority"));
  EXPECT_EQ(s.spec.weight, 1);
  EXPECT_EQ(s.spec.weight, schema_int("sites[]", "weight"));
  EXPECT_TRUE(s.checks.empty());
  EXPECT_EQ(schema_string("sites[]", "checks"), "[]");
  EXPECT_EQ(s.check_address, "192.0.2.1");  // the first endpoint

  ASSERT_EQ(c.records.size(), 1u);
  const core::RecordSpec& r = c.records[0];
  EXPECT_EQ(r.type, core::RecordType::A);
  EXPECT_EQ(schema_string("records[]", "type"), "A");
  EXPECT_EQ(r.mode, core::RoutingMode::failover);
  EXPECT_EQ(schema_string("records[]", "mode"), "failover");
  EXPECT_EQ(r.ttl, 30);
  EXPECT_EQ(r.ttl, schema_int("records[]", "ttl"));
  EXPECT_EQ(r.all_down, core::AllDown::fail_static);
  EXPECT_EQ(schema_string("records[]", "all_down"), "fail-static");
}

TEST(Defaults, OptionalSectionsGetTheSchemaDefaults) {
  Config c = load_ok(kMinimal + R"(checks:
  - name: web
    type: http
  - name: tls
    type: https
dns:
  zones:
    - name: example.test
      ns:
        - name: ns1.example.net
lab:
  sites:
    - name: ams
      listen: 127.0.0.11:8000
)");
  ASSERT_TRUE(c.dns.enabled);
  EXPECT_EQ(c.dns.listen, (std::vector<Endpoint>{{"127.0.0.1", 53}}));
  EXPECT_EQ("[" + c.dns.listen[0].to_string() + "]", schema_string("dns", "listen"));
  EXPECT_EQ(c.dns.udp_threads, 0);
  EXPECT_EQ(c.dns.udp_threads, schema_int("dns", "udp_threads"));
  EXPECT_EQ(c.dns.tcp_idle_timeout, Duration{10'000});
  EXPECT_EQ(c.dns.tcp_idle_timeout, schema_duration("dns", "tcp_idle_timeout"));
  EXPECT_EQ(c.dns.tcp_max_lifetime, Duration{120'000});
  EXPECT_EQ(c.dns.tcp_max_lifetime, schema_duration("dns", "tcp_max_lifetime"));
  ASSERT_EQ(c.dns.zones.size(), 1u);
  const core::ZoneSpec& z = c.dns.zones[0];
  EXPECT_EQ(z.ttl, 3600);
  EXPECT_EQ(z.ttl, schema_int("dns.zones[]", "ttl"));
  ASSERT_EQ(z.ns.size(), 1u);
  EXPECT_TRUE(z.ns[0].addresses.empty());
  EXPECT_EQ(z.soa_mname, "ns1.example.net");          // the first name server
  EXPECT_EQ(z.soa_rname, "hostmaster.example.test");  // hostmaster.<zone>
  EXPECT_EQ(z.soa_refresh, schema_int("dns.zones[].soa", "refresh"));
  EXPECT_EQ(z.soa_retry, schema_int("dns.zones[].soa", "retry"));
  EXPECT_EQ(z.soa_expire, schema_int("dns.zones[].soa", "expire"));
  EXPECT_EQ(z.soa_minimum, schema_int("dns.zones[].soa", "minimum"));
  EXPECT_EQ(z.soa_refresh, 3600);
  EXPECT_EQ(z.soa_retry, 600);
  EXPECT_EQ(z.soa_expire, 86400);
  EXPECT_EQ(z.soa_minimum, 30);

  ASSERT_EQ(c.checks.size(), 2u);
  const CheckConfig& web = c.checks[0];
  EXPECT_EQ(web.kind, CheckKind::http);
  EXPECT_EQ(web.port, 80);
  EXPECT_EQ(c.checks[1].kind, CheckKind::https);
  EXPECT_EQ(c.checks[1].port, 443);
  EXPECT_EQ(web.path, "/");
  EXPECT_EQ(web.path, schema_string("checks[]", "path"));
  EXPECT_EQ(web.host, "");
  EXPECT_EQ(web.expect_status, std::vector<int>{200});
  EXPECT_EQ(schema_string("checks[]", "expect_status"), "[200]");
  EXPECT_EQ(web.expect_body, "");
  EXPECT_EQ(web.interval, Duration{5000});
  EXPECT_EQ(web.interval, schema_duration("checks[]", "interval"));
  EXPECT_EQ(web.edge_interval, Duration{1666});  // interval / 3
  EXPECT_EQ(web.jitter_percent, 10);
  EXPECT_EQ(schema_string("checks[]", "jitter"), "10%");
  EXPECT_EQ(web.connect_timeout, Duration{1000});
  EXPECT_EQ(web.connect_timeout, schema_duration("checks[]", "connect_timeout"));
  EXPECT_EQ(web.timeout, Duration{2000});
  EXPECT_EQ(web.timeout, schema_duration("checks[]", "timeout"));
  EXPECT_EQ(web.hysteresis.rise, 2);
  EXPECT_EQ(web.hysteresis.rise, schema_int("checks[]", "rise"));
  EXPECT_EQ(web.hysteresis.fall, 3);
  EXPECT_EQ(web.hysteresis.fall, schema_int("checks[]", "fall"));
  EXPECT_TRUE(web.tls_verify);
  EXPECT_EQ(schema_string("checks[]", "tls_verify"), "true");
  EXPECT_EQ(web.address, "");

  // 3 x the 5s interval + the 2s timeout.
  EXPECT_EQ(c.freshness, Duration{17'000});

  ASSERT_TRUE(c.lab.enabled);
  EXPECT_EQ(c.lab.control, (Endpoint{"127.0.0.1", 8079}));
  EXPECT_EQ(c.lab.control.to_string(), schema_string("lab", "control"));
}

TEST(Defaults, EdgeIntervalIsAThirdOfTheIntervalButAtLeast20ms) {
  Config c = load_ok(kMinimal + R"(checks:
  - name: a
    type: http
    interval: 300ms
  - name: b
    type: http
    interval: 50ms
    connect_timeout: 10ms
    timeout: 40ms
  - name: c
    type: http
    interval: 1h
)");
  ASSERT_EQ(c.checks.size(), 3u);
  EXPECT_EQ(c.checks[0].edge_interval, Duration{100});
  EXPECT_EQ(c.checks[1].edge_interval, Duration{20});
  EXPECT_EQ(c.checks[2].edge_interval, Duration{1'200'000});
}

TEST(Defaults, FreshnessFollowsTheSlowestCheckUnlessSet) {
  const std::string checks = R"(checks:
  - name: fast
    type: http
    interval: 1s
    timeout: 2s
  - name: slow
    type: tcp
    port: 22
    interval: 10s
    timeout: 5s
)";
  EXPECT_EQ(load_ok(kMinimal + checks).freshness, Duration{35'000});
  EXPECT_EQ(load_ok(kMinimal + checks + "controller:\n  freshness: 20s\n").freshness,
            Duration{20'000});
  // Shorter than a check needs between two results: that target would keep
  // going unknown, so it is refused where it is written.
  LoadResult r = load(kMinimal + checks + "controller:\n  freshness: 3s\n");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u) << r.error_text();
  EXPECT_NE(r.errors[0].message.find("shorter than check 'slow' needs"), std::string::npos)
      << r.error_text();
  EXPECT_NE(r.errors[0].message.find("use at least 15s"), std::string::npos) << r.error_text();
}

TEST(Defaults, SiteEndpointsSplitByFamilyAndCheckAddress) {
  Config c = load_ok(R"(sites:
  - name: ams
    endpoints: ["2001:db8::1", 192.0.2.1, "2001:db8::2"]
  - name: nyc
    endpoints: [192.0.2.2]
    check_address: 10.0.0.2
records:
  - name: www.example.test
    sites: [ams, nyc]
  - name: www.example.test
    type: AAAA
    sites: [ams]
)");
  ASSERT_EQ(c.sites.size(), 2u);
  EXPECT_EQ(c.sites[0].spec.ipv4, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(c.sites[0].spec.ipv6, (std::vector<std::string>{"2001:db8::1", "2001:db8::2"}));
  EXPECT_EQ(c.sites[0].check_address, "2001:db8::1");
  EXPECT_EQ(c.sites[1].check_address, "10.0.0.2");
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[1].type, core::RecordType::AAAA);
}

TEST(Defaults, SoaNamesCanBeSetAndAreNormalised) {
  Config c = load_ok(kMinimal + R"(dns:
  zones:
    - name: Example.TEST.
      ns:
        - name: ns1.example.net
        - name: NS2.example.net.
      soa:
        mname: NS2.Example.Net.
        rname: Admin.Example.Test
        refresh: 7200
)");
  ASSERT_EQ(c.dns.zones.size(), 1u);
  const core::ZoneSpec& z = c.dns.zones[0];
  EXPECT_EQ(z.name, "example.test");
  ASSERT_EQ(z.ns.size(), 2u);
  EXPECT_EQ(z.ns[1].name, "ns2.example.net");
  EXPECT_EQ(z.soa_mname, "ns2.example.net");
  EXPECT_EQ(z.soa_rname, "admin.example.test");
  EXPECT_EQ(z.soa_refresh, 7200);
  EXPECT_EQ(z.soa_retry, 600);
}

TEST(Defaults, ExplicitValuesOverrideDefaults) {
  Config c = load_ok(R"(controller:
  vantage: probe-1
  freshness: 90s
journal:
  path: /var/lib/drpilot/journal.db
api:
  listen: "[::1]:9090"
policy:
  failback: manual
  hold_down: 0s
  min_interval: 1m
  flap_window: 1h
  flap_max_changes: 2
checks:
  - name: tls
    type: https
    port: 8443
    path: /status?full=1
    host: app.example.test
    expect_status: [200, 204]
    expect_body: healthy
    interval: 2s
    edge_interval: 2s
    jitter: 0
    connect_timeout: 2s
    timeout: 2s
    rise: 1
    fall: 100
    tls_verify: false
    address: 198.51.100.7
sites:
  - name: ams
    endpoints: [192.0.2.1]
    priority: 0
    weight: 1000000
    checks: [tls]
records:
  - name: WWW.Example.Test.
    mode: multivalue
    ttl: 0
    sites: [ams]
    all_down: fail-open
)");
  EXPECT_EQ(c.vantage, "probe-1");
  EXPECT_EQ(c.freshness, Duration{90'000});
  EXPECT_EQ(c.journal_path, "/var/lib/drpilot/journal.db");
  EXPECT_EQ(c.api_listen, (Endpoint{"::1", 9090}));
  EXPECT_EQ(c.policy.failback, core::Failback::manual);
  EXPECT_EQ(c.policy.hold_down, Duration{0});
  EXPECT_EQ(c.policy.min_interval, Duration{60'000});
  EXPECT_EQ(c.policy.flap_window, Duration{3'600'000});
  EXPECT_EQ(c.policy.flap_max_changes, 2);
  ASSERT_EQ(c.checks.size(), 1u);
  const CheckConfig& k = c.checks[0];
  EXPECT_EQ(k.kind, CheckKind::https);
  EXPECT_EQ(k.port, 8443);
  EXPECT_EQ(k.path, "/status?full=1");
  EXPECT_EQ(k.host, "app.example.test");
  EXPECT_EQ(k.expect_status, (std::vector<int>{200, 204}));
  EXPECT_EQ(k.expect_body, "healthy");
  EXPECT_EQ(k.interval, Duration{2000});
  EXPECT_EQ(k.edge_interval, Duration{2000});
  EXPECT_EQ(k.jitter_percent, 0);
  EXPECT_EQ(k.connect_timeout, Duration{2000});
  EXPECT_EQ(k.timeout, Duration{2000});
  EXPECT_EQ(k.hysteresis.rise, 1);
  EXPECT_EQ(k.hysteresis.fall, 100);
  EXPECT_FALSE(k.tls_verify);
  EXPECT_EQ(k.address, "198.51.100.7");
  EXPECT_EQ(c.sites[0].spec.priority, 0);
  EXPECT_EQ(c.sites[0].spec.weight, 1000000);
  ASSERT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.records[0].name, "www.example.test");
  EXPECT_EQ(c.records[0].mode, core::RoutingMode::multivalue);
  EXPECT_EQ(c.records[0].ttl, 0);
  EXPECT_EQ(c.records[0].all_down, core::AllDown::fail_open);
}

TEST(Defaults, SameNameWithDifferentTypesIsTwoRecords) {
  Config c = load_ok(R"(sites:
  - name: ams
    endpoints: [192.0.2.1, "2001:db8::1"]
records:
  - name: www.example.test
    type: A
    sites: [ams]
  - name: www.example.test
    type: AAAA
    sites: [ams]
)");
  EXPECT_EQ(c.records.size(), 2u);
}

TEST(Defaults, NameServerOutsideTheZoneNeedsNoGlue) {
  Config c = load_ok(kMinimal + R"(dns:
  zones:
    - name: example.test
      ns:
        - name: ns1.example.test
          addresses: [192.0.2.53, "2001:db8::53"]
        - name: ns.provider.example
)");
  ASSERT_EQ(c.dns.zones.size(), 1u);
  ASSERT_EQ(c.dns.zones[0].ns.size(), 2u);
  EXPECT_EQ(c.dns.zones[0].ns[0].addresses,
            (std::vector<std::string>{"192.0.2.53", "2001:db8::53"}));
}

TEST(Defaults, RecordAtTheZoneApexIsInsideIt) {
  load_ok(R"(sites:
  - name: ams
    endpoints: [192.0.2.1]
records:
  - name: example.test
    sites: [ams]
dns:
  zones:
    - name: example.test
      ns:
        - name: ns1.example.net
)");
}

// ------------------------------------------------------------- the table of bad configurations

struct BadCase {
  std::string name;
  std::string yaml;
  int line;
  int column;
  std::string message;  // a substring of the error at line:column
};

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

// kMinimal (lines 1-6) followed by `tail`, whose first line is line 7.
std::string tail(const std::string& t) {
  return kMinimal + t;
}

// An http check `web` whose extra keys start at line 10.
std::string http_check(const std::string& keys) {
  return kMinimal + "checks:\n  - name: web\n    type: http\n" + keys;
}

// An agent `ams-agent` in site ams whose extra keys start at line 12.
std::string agent_with(const std::string& keys) {
  return kMinimal +
         "agents:\n  - name: ams-agent\n    site: ams\n"
         "    key: 0123456789abcdef0123456789abcdef\n"
         "    controllers: [http://127.0.0.1:8080]\n" +
         keys;
}

// A tcp check `db` on port 5432 whose extra keys start at line 11.
std::string tcp_check(const std::string& keys) {
  return kMinimal + "checks:\n  - name: db\n    type: tcp\n    port: 5432\n" + keys;
}

// A dns section with zone example.test (NS ns1.example.net); `more` starts at
// line 12 and continues the zone item (6 spaces), its first name server (10)
// or, at 2 spaces, the dns section.
std::string dns(const std::string& more) {
  return kMinimal +
         "dns:\n  zones:\n    - name: example.test\n      ns:\n        - name: ns1.example.net\n" +
         more;
}

std::vector<BadCase> bad_cases() {
  return {
      // YAML syntax
      {"syntax_unclosed_flow_sequence",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1\nrecords:\n  - name: x\n", 4, 8,
       "YAML syntax error: end of sequence flow not found"},
      {"syntax_illegal_map_value", "sites:\n  - name: ams\n    endpoints: a: b\n", 3, 17,
       "YAML syntax error: illegal map value"},
      {"syntax_bad_indentation", "sites:\n  - name: ams\n   endpoints: [192.0.2.1]\n", 3, 4,
       "YAML syntax error"},
      {"syntax_tab_indentation", "sites:\n  - name: ams\n\tendpoints: [192.0.2.1]\n", 3, 1,
       "YAML syntax error: illegal tab"},
      {"syntax_unknown_alias", "sites: *nope\n", 1, 8, "YAML syntax error"},
      {"syntax_key_out_of_place", tail("  bad: x\n"), 7, 3, "YAML syntax error"},
      {"syntax_unbalanced_flow_end", "sites: [a}\n", 1, 10, "YAML syntax error"},
      // Document shape
      {"top_level_list", "- sites\n- records\n", 1, 1,
       "expected a mapping for the top level, got a list"},
      {"top_level_scalar", "drpilot\n", 1, 1, "expected a mapping for the top level"},
      {"non_scalar_key", tail("? [a]\n: b\n"), 7, 3, "keys in the top level must be plain words"},
      // Unknown keys
      {"unknown_root_key_with_hint", tail("sitez: []\n"), 7, 1,
       "unknown key 'sitez' in the top level (did you mean 'sites'?)"},
      {"unknown_root_key_lists_known_keys", tail("colour: blue\n"), 7, 1,
       "unknown key 'colour' in the top level (known keys: controller, journal"},
      {"unknown_site_key",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\n    priorty: 2\nrecords:\n"
       "  - name: www.example.test\n    sites: [ams]\n",
       4, 5, "unknown key 'priorty' in sites[0] (did you mean 'priority'?)"},
      {"unknown_check_key", http_check("    intervall: 5s\n"), 10, 5,
       "unknown key 'intervall' in checks[0] (did you mean 'interval'?)"},
      {"unknown_policy_key", tail("policy:\n  hold-down: 10s\n"), 8, 3,
       "unknown key 'hold-down' in policy (did you mean 'hold_down'?)"},
      {"unknown_soa_key", dns("      soa:\n        serial: 5\n"), 13, 9,
       "unknown key 'serial' in dns.zones[0].soa"},
      {"unknown_lab_site_key", tail("lab:\n  sites:\n    - name: ams\n      listn: 127.0.0.1:80\n"),
       10, 7, "unknown key 'listn' in lab.sites[0] (did you mean 'listen'?)"},
      // Duplicate keys
      {"duplicate_root_key", tail("sites: []\n"), 7, 1, "duplicate key 'sites' in the top level"},
      {"duplicate_site_key",
       "sites:\n  - name: ams\n    priority: 1\n    endpoints: [192.0.2.1]\n    priority: 2\n"
       "records:\n  - name: www.example.test\n    sites: [ams]\n",
       5, 5, "duplicate key 'priority' in sites[0]"},
      {"duplicate_check_key", http_check("    port: 80\n    port: 81\n"), 11, 5,
       "duplicate key 'port' in checks[0]"},
      // Wrong types
      {"endpoints_not_a_list",
       "sites:\n  - name: ams\n    endpoints: 192.0.2.1\nrecords:\n  - name: www.example.test\n"
       "    sites: [ams]\n",
       3, 16, "'endpoints' must be a list such as [a, b], got '192.0.2.1'"},
      {"priority_not_a_number",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\n    priority: high\nrecords:\n"
       "  - name: www.example.test\n    sites: [ams]\n",
       4, 15, "'priority' must be a whole number, got 'high'"},
      {"sites_is_a_mapping",
       "sites:\n  name: ams\nrecords:\n  - name: www.example.test\n    sites: [ams]\n", 2, 3,
       "'sites' must be a list of mappings, got a mapping"},
      {"check_item_is_a_scalar", tail("checks: [web]\n"), 7, 10,
       "expected a mapping for checks[0], got 'web'"},
      {"controller_is_a_scalar", tail("controller: 5\n"), 7, 13,
       "expected a mapping for controller, got '5'"},
      {"boolean_not_true_or_false", http_check("    tls_verify: maybe\n"), 10, 17,
       "'tls_verify' must be true or false, got 'maybe'"},
      {"duration_bare_number", http_check("    interval: 5\n"), 10, 15,
       "'interval': expected a duration such as 250ms"},
      {"duration_negative", http_check("    timeout: -2s\n"), 10, 14,
       "'timeout': expected a duration"},
      {"string_is_a_mapping", http_check("    path: {a: b}\n"), 10, 11,
       "'path' must be a string, got a mapping"},
      {"endpoint_host_name", tail("api:\n  listen: localhost:8080\n"), 8, 11,
       "'localhost' is not an IPv4 address"},
      // Port 0 (any free port) suits a listen address only where nothing
      // else has to know the port: not a lab site, which checks aim at.
      {"endpoint_port_zero",
       tail("lab:\n  control: 127.0.0.1:0\n  sites:\n    - name: ams\n"
            "      listen: 127.0.0.11:0\n"),
       11, 15, "'0' is not a valid port (1-65535)"},
      {"endpoint_list_bad_port", dns("  listen: [127.0.0.1:99999]\n"), 12, 12,
       "'99999' is not a valid port"},
      {"check_name_upper_case", tail("checks:\n  - name: Web\n    type: http\n"), 8, 11,
       "'name' must be a name of 1-63 lower-case letters"},
      {"vantage_not_an_identifier", tail("controller:\n  vantage: my vantage\n"), 8, 12,
       "'vantage' must be a name"},
      {"record_type_not_a_choice",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n  - name: www.example.test\n"
       "    type: MX\n    sites: [ams]\n",
       6, 11, "'type' must be one of A, AAAA, got 'MX'"},
      {"check_type_not_a_choice", tail("checks:\n  - name: web\n    type: icmp\n"), 9, 11,
       "'type' must be one of http, https, tcp, dynamodb, got 'icmp'"},
      {"failback_not_a_choice", tail("policy:\n  failback: sometimes\n"), 8, 13,
       "'failback' must be one of auto, manual, got 'sometimes'"},
      {"address_is_a_host_name",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\n    check_address: ams.example\n"
       "records:\n  - name: www.example.test\n    sites: [ams]\n",
       4, 20, "'check_address' must be an IPv4 or IPv6 address, got 'ams.example'"},
      {"address_list_bad_item",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1, not-an-ip]\nrecords:\n"
       "  - name: www.example.test\n    sites: [ams]\n",
       3, 28, "'not-an-ip' in 'endpoints' is not an IPv4 or IPv6 address"},
      {"address_list_nested_list",
       "sites:\n  - name: ams\n    endpoints: [[192.0.2.1]]\nrecords:\n"
       "  - name: www.example.test\n    sites: [ams]\n",
       3, 17, "items of 'endpoints' must be single values, got a list"},
      {"int_list_bad_item", http_check("    expect_status: [200, ok]\n"), 10, 26,
       "'ok' in 'expect_status' is not a whole number"},
      {"identifier_list_bad_item",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n  - name: www.example.test\n"
       "    sites: [ams, NYC]\n",
       6, 18, "'NYC' in 'sites' is not a valid name"},
      {"dns_name_bad_character",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n"
       "  - name: \"www example.test\"\n    sites: [ams]\n",
       5, 11, "contains ' '"},
      {"dns_name_empty_label",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n  - name: www..example.test\n"
       "    sites: [ams]\n",
       5, 11, "has an empty label"},
      // Out-of-range values
      {"port_zero", http_check("    port: 0\n"), 10, 11,
       "'port' must be between 1 and 65535, got 0"},
      {"port_too_big", http_check("    port: 70000\n"), 10, 11,
       "'port' must be between 1 and 65535, got 70000"},
      {"rise_zero", http_check("    rise: 0\n"), 10, 11, "'rise' must be between 1 and 100, got 0"},
      {"fall_too_big", http_check("    fall: 101\n"), 10, 11,
       "'fall' must be between 1 and 100, got 101"},
      {"jitter_too_big", http_check("    jitter: 60%\n"), 10, 13,
       "'jitter' must be between 0% and 50%, got 60%"},
      {"jitter_negative", http_check("    jitter: -5%\n"), 10, 13,
       "'jitter' must be between 0% and 50%, got -5%"},
      {"interval_too_short", http_check("    interval: 10ms\n"), 10, 15,
       "'interval' must be between 50ms and 1h, got 10ms"},
      {"interval_too_long", http_check("    interval: 61m\n"), 10, 15,
       "'interval' must be between 50ms and 1h, got 61m"},
      {"expect_status_not_http", http_check("    expect_status: [200, 700]\n"), 10, 20,
       "HTTP status codes (100-599), got 700"},
      {"expect_status_empty", http_check("    expect_status: []\n"), 10, 20,
       "'expect_status' needs at least 1 item"},
      {"record_ttl_too_big",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n  - name: www.example.test\n"
       "    ttl: 86401\n    sites: [ams]\n",
       6, 10, "'ttl' must be between 0 and 86400 seconds, got 86401"},
      {"priority_negative",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\n    priority: -1\nrecords:\n"
       "  - name: www.example.test\n    sites: [ams]\n",
       4, 15, "'priority' must be between 0 and 1000000, got -1"},
      {"integer_overflow",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\n    weight: 99999999999999999999\n"
       "records:\n  - name: www.example.test\n    sites: [ams]\n",
       4, 13, "'weight' must be a whole number"},
      {"flap_max_changes_too_small", tail("policy:\n  flap_max_changes: 1\n"), 8, 21,
       "'flap_max_changes' must be between 2 and 1000, got 1"},
      {"hold_down_too_long", tail("policy:\n  hold_down: 25h\n"), 8, 14,
       "'hold_down' must be between"},
      {"flap_window_too_short", tail("policy:\n  flap_window: 500ms\n"), 8, 16,
       "'flap_window' must be between 1s and 24h"},
      {"freshness_too_short", tail("controller:\n  freshness: 50ms\n"), 8, 14,
       "'freshness' must be between 100ms and 1h, got 50ms"},
      {"udp_threads_too_many", dns("  udp_threads: 65\n"), 12, 16,
       "'udp_threads' must be between 0 and 64, got 65"},
      {"tcp_idle_timeout_too_short", dns("  tcp_idle_timeout: 50ms\n"), 12, 21,
       "'tcp_idle_timeout' must be between 100ms and 10m"},
      {"tcp_max_lifetime_too_short", dns("  tcp_max_lifetime: 500ms\n"), 12, 21,
       "'tcp_max_lifetime' must be between 1s and 1h, got 500ms"},
      {"zone_ttl_too_big", dns("      ttl: 604801\n"), 12, 12,
       "'ttl' must be between 0 and 604800 seconds"},
      {"soa_minimum_negative", dns("      soa:\n        minimum: -1\n"), 13, 18,
       "'minimum' must be between 0 and 86400 seconds, got -1"},
      {"soa_refresh_zero", dns("      soa:\n        refresh: 0\n"), 13, 18,
       "'refresh' must be between 1 and 2147483647 seconds"},
      {"endpoints_empty",
       "sites:\n  - name: ams\n    endpoints: []\nrecords:\n  - name: www.example.test\n"
       "    sites: [ams]\n",
       3, 16, "'endpoints' needs at least 1 item"},
      {"sites_empty", "sites: []\nrecords:\n  - name: www.example.test\n    sites: [ams]\n", 1, 8,
       "'sites' needs at least 1 item"},
      {"record_sites_empty",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n  - name: www.example.test\n"
       "    sites: []\n",
       6, 12, "'sites' needs at least 1 item"},
      {"ns_empty", tail("dns:\n  zones:\n    - name: example.test\n      ns: []\n"), 10, 11,
       "'ns' needs at least 1 item"},
      // Missing required keys
      {"missing_records", "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\n", 1, 1,
       "missing required key 'records' in the top level"},
      {"missing_sites", "records:\n  - name: www.example.test\n    sites: [ams]\n", 1, 1,
       "missing required key 'sites' in the top level"},
      {"site_missing_endpoints",
       "sites:\n  - name: ams\n    priority: 1\nrecords:\n  - name: www.example.test\n"
       "    sites: [ams]\n",
       2, 5, "missing required key 'endpoints' in sites[0]"},
      {"record_missing_sites",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n  - name: www.example.test\n"
       "    ttl: 30\n",
       5, 5, "missing required key 'sites' in records[0]"},
      {"check_missing_type", tail("checks:\n  - name: web\n"), 8, 5,
       "missing required key 'type' in checks[0]"},
      {"tcp_check_missing_port", tail("checks:\n  - name: db\n    type: tcp\n"), 8, 5,
       "check 'db' is of type tcp and needs a 'port'"},
      {"dns_missing_zones", tail("dns:\n  listen: [127.0.0.1:5353]\n"), 8, 3,
       "missing required key 'zones' in dns"},
      {"zone_missing_ns", tail("dns:\n  zones:\n    - name: example.test\n"), 9, 7,
       "missing required key 'ns' in dns.zones[0]"},
      {"ns_missing_name",
       tail("dns:\n  zones:\n    - name: example.test\n      ns:\n        - addresses: []\n"), 11,
       11, "missing required key 'name' in dns.zones[0].ns[0]"},
      {"lab_simulating_nothing", tail("lab:\n  control: 127.0.0.1:8079\n"), 8, 3,
       "the lab needs sites, data regions or both: it simulates nothing"},
      {"lab_with_empty_lists", tail("lab:\n  sites: []\n  data_regions: []\n"), 8, 10,
       "the lab needs sites, data regions or both: it simulates nothing"},
      {"lab_site_missing_listen", tail("lab:\n  sites:\n    - name: ams\n"), 9, 7,
       "missing required key 'listen' in lab.sites[0]"},
      // Other value rules
      {"journal_path_empty", tail("journal:\n  path: \"\"\n"), 8, 9, "'path' cannot be empty"},
      {"check_path_without_slash", http_check("    path: healthz\n"), 10, 11,
       "'path' must start with '/'"},
      {"check_path_with_space", http_check("    path: \"/a b\"\n"), 10, 11,
       "'path' must start with '/' and contain no spaces"},
      {"check_host_with_slash", http_check("    host: example.test/x\n"), 10, 11,
       "'host' must be a host name without spaces or '/'"},
      {"check_address_not_ip", http_check("    address: web.example\n"), 10, 14,
       "'address' must be an IPv4 or IPv6 address"},
      {"expect_body_empty", http_check("    expect_body: \"\"\n"), 10, 18,
       "'expect_body' must be 1-1024 characters"},
      {"expect_body_too_long", http_check("    expect_body: " + std::string(1025, 'x') + "\n"), 10,
       18, "'expect_body' must be 1-1024 characters"},
      // Duplicate names
      {"duplicate_site",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\n  - name: ams\n"
       "    endpoints: [192.0.2.2]\nrecords:\n  - name: www.example.test\n    sites: [ams]\n",
       4, 11, "site 'ams' is defined twice"},
      {"duplicate_check",
       tail("checks:\n  - name: web\n    type: http\n  - name: web\n"
            "    type: tcp\n    port: 1\n"),
       10, 11, "check 'web' is defined twice"},
      {"duplicate_record_after_normalisation",
       tail("  - name: WWW.Example.TEST.\n    sites: [ams]\n"), 7, 11,
       "record 'www.example.test' of type A is defined twice"},
      {"duplicate_zone",
       dns("    - name: Example.Test.\n      ns:\n        - name: ns1.example.net\n"), 12, 13,
       "zone 'example.test' is defined twice"},
      {"duplicate_name_server", dns("        - name: NS1.example.net.\n"), 12, 17,
       "name server 'ns1.example.net' is listed twice"},
      {"duplicate_lab_site",
       tail("lab:\n  sites:\n    - name: ams\n      listen: 127.0.0.11:80\n"
            "    - name: ams\n      listen: 127.0.0.12:80\n"),
       11, 13, "lab site 'ams' is defined twice"},
      {"duplicate_site_endpoint",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1, 192.0.2.1]\nrecords:\n"
       "  - name: www.example.test\n    sites: [ams]\n",
       3, 16, "endpoint '192.0.2.1' is listed twice"},
      {"duplicate_dns_listen", dns("  listen: [127.0.0.1:5353, 127.0.0.1:5353]\n"), 12, 11,
       "'127.0.0.1:5353' is listed twice"},
      {"duplicate_check_in_site",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\n    checks: [web, web]\nrecords:\n"
       "  - name: www.example.test\n    sites: [ams]\nchecks:\n  - name: web\n    type: http\n",
       4, 13, "check 'web' is listed twice"},
      {"duplicate_site_in_record",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n  - name: www.example.test\n"
       "    sites: [ams, ams]\n",
       6, 12, "site 'ams' is listed twice"},
      {"duplicate_lab_listen",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\n  - name: nyc\n"
       "    endpoints: [192.0.2.2]\nrecords:\n  - name: www.example.test\n    sites: [ams, nyc]\n"
       "lab:\n  sites:\n    - name: ams\n      listen: 127.0.0.11:80\n    - name: nyc\n"
       "      listen: 127.0.0.11:80\n",
       14, 15, "address 127.0.0.11:80 is used twice"},
      // Dangling references
      {"site_uses_unknown_check",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\n    checks: [web]\nrecords:\n"
       "  - name: www.example.test\n    sites: [ams]\n",
       4, 13, "site 'ams' uses check 'web', which is not defined in checks[] (none are defined)"},
      {"site_uses_misspelt_check",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\n    checks: [wbe]\nrecords:\n"
       "  - name: www.example.test\n    sites: [ams]\nchecks:\n  - name: web\n    type: http\n",
       4, 13, "uses check 'wbe', which is not defined in checks[] (defined: web)"},
      {"record_uses_unknown_site",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n  - name: www.example.test\n"
       "    sites: [ams, nyc]\n",
       6, 12,
       "record 'www.example.test' uses site 'nyc', which is not defined in sites[] (defined: ams)"},
      {"lab_site_unknown", tail("lab:\n  sites:\n    - name: nyc\n      listen: 127.0.0.12:80\n"),
       9, 13, "lab site 'nyc' is not defined in sites[]"},
      {"record_outside_every_zone",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n  - name: www.example.org\n"
       "    sites: [ams]\ndns:\n  zones:\n    - name: example.test\n      ns:\n"
       "        - name: ns1.example.net\n",
       5, 11,
       "record 'www.example.org' is not inside any zone of dns.zones (defined: example.test)"},
      {"record_shares_only_a_suffix_with_the_zone",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n  - name: myexample.test\n"
       "    sites: [ams]\ndns:\n  zones:\n    - name: example.test\n      ns:\n"
       "        - name: ns1.example.net\n",
       5, 11, "record 'myexample.test' is not inside any zone"},
      // Glue
      {"in_zone_name_server_without_glue",
       tail("dns:\n  zones:\n    - name: example.test\n      ns:\n        - name: "
            "ns1.example.test\n"),
       11, 17,
       "name server 'ns1.example.test' is inside zone 'example.test', so it needs 'addresses' "
       "(glue)"},
      {"apex_name_server_without_glue",
       tail("dns:\n  zones:\n    - name: example.test\n      ns:\n        - name: Example.Test.\n"),
       11, 17, "so it needs 'addresses' (glue)"},
      {"in_zone_name_server_with_empty_glue",
       tail(
           "dns:\n  zones:\n    - name: example.test\n      ns:\n        - name: ns1.example.test\n"
           "          addresses: []\n"),
       11, 17, "so it needs 'addresses' (glue)"},
      // Address families
      {"a_record_without_ipv4_sites",
       "sites:\n  - name: ams\n    endpoints: [\"2001:db8::1\"]\nrecords:\n"
       "  - name: www.example.test\n    sites: [ams]\n",
       5, 5, "record 'www.example.test' is of type A but none of its sites has an IPv4 endpoint"},
      {"aaaa_record_without_ipv6_sites",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n  - name: www.example.test\n"
       "    type: AAAA\n    sites: [ams]\n",
       6, 11, "is of type AAAA but none of its sites has an IPv6 endpoint"},
      // tcp checks with http-only keys
      {"tcp_with_path", tcp_check("    path: /healthz\n"), 11, 11,
       "'path' applies only to http and https checks"},
      {"tcp_with_host", tcp_check("    host: db.example.test\n"), 11, 11,
       "'host' applies only to http and https checks"},
      {"tcp_with_expect_status", tcp_check("    expect_status: [200]\n"), 11, 20,
       "'expect_status' applies only to http and https checks"},
      {"tcp_with_expect_body", tcp_check("    expect_body: ok\n"), 11, 18,
       "'expect_body' applies only to http and https checks"},
      {"tcp_with_tls_verify", tcp_check("    tls_verify: false\n"), 11, 17,
       "'tls_verify' applies only to http and https checks"},
      // Interval and timeout relations
      {"edge_interval_longer_than_interval",
       http_check("    interval: 1s\n    edge_interval: 2s\n"), 11, 20,
       "'edge_interval' (2s) must not be longer than 'interval' (1s)"},
      {"edge_interval_longer_than_default_interval", http_check("    edge_interval: 6s\n"), 10, 20,
       "'edge_interval' (6s) must not be longer than 'interval' (5s)"},
      {"connect_timeout_longer_than_timeout",
       http_check("    connect_timeout: 3s\n    timeout: 2s\n"), 10, 22,
       "'connect_timeout' (3s) must not be longer than 'timeout' (2s)"},
      {"timeout_shorter_than_default_connect_timeout", http_check("    timeout: 500ms\n"), 10, 14,
       "'connect_timeout' (1s) must not be longer than 'timeout' (500ms)"},
      // An agent's cross-checks
      {"cross_check_of_an_unknown_site", agent_with("    cross_check: [lon]\n"), 12, 18,
       "agent 'ams-agent' cross-checks site 'lon', which is not defined in sites[]"},
      {"cross_check_of_its_own_site", agent_with("    cross_check: [ams]\n"), 12, 18,
       "agent 'ams-agent' runs in site 'ams': it checks its own site anyway"},
  };
}

class BadConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfig, IsRefusedAtTheOffendingPosition) {
  const BadCase& c = GetParam();
  LoadResult r = load(c.yaml);
  EXPECT_FALSE(r.ok()) << "accepted:\n" << c.yaml;
  EXPECT_FALSE(r.config.has_value());
  ASSERT_FALSE(r.errors.empty()) << c.yaml;
  bool found = false;
  for (const ConfigError& e : r.errors) {
    EXPECT_EQ(e.file, "test.yaml");
    EXPECT_GE(e.line, 1) << e.to_string();
    EXPECT_GE(e.column, 1) << e.to_string();
    if (e.line == c.line && e.column == c.column &&
        e.message.find(c.message) != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found) << "expected test.yaml:" << c.line << ":" << c.column << ": ..." << c.message
                     << "...\ngot:\n"
                     << r.error_text() << "--- in ---\n"
                     << c.yaml;
}

INSTANTIATE_TEST_SUITE_P(Table, BadConfig, ::testing::ValuesIn(bad_cases()),
                         [](const ::testing::TestParamInfo<BadCase>& info) {
                           return info.param.name;
                         });

TEST(BadConfigTable, CoversEnoughCasesWithUniqueNames) {
  std::vector<BadCase> cases = bad_cases();
  EXPECT_GE(cases.size(), 40u);
  std::set<std::string> names;
  for (const BadCase& c : cases) EXPECT_TRUE(names.insert(c.name).second) << c.name;
}

// ------------------------------------------------------------- error reporting

TEST(Errors, TextIsFileLineColumnMessage) {
  LoadResult r = load(tail("colour: blue\n"));
  ASSERT_EQ(r.errors.size(), 1u) << r.error_text();
  const ConfigError& e = r.errors[0];
  EXPECT_EQ(e.to_string(), "test.yaml:7:1: " + e.message);
  EXPECT_EQ(r.error_text(), e.to_string() + "\n");

  ConfigError unpositioned{"x.yaml", 0, 0, "cannot read"};
  EXPECT_EQ(unpositioned.to_string(), "x.yaml: cannot read");
  ConfigError positioned{"x.yaml", 12, 3, "bad"};
  EXPECT_EQ(positioned.to_string(), "x.yaml:12:3: bad");
}

TEST(Errors, NameGivenToTheLoaderAppearsInMessages) {
  LoadResult r = load_config_string("sites: 5\n", "/etc/drpilot/prod.yaml", "/etc/drpilot");
  ASSERT_FALSE(r.ok());
  for (const ConfigError& e : r.errors) {
    EXPECT_EQ(e.to_string().rfind("/etc/drpilot/prod.yaml:", 0), 0u) << e.to_string();
  }
}

TEST(Errors, SeveralErrorsAreReportedAtOnceInFileOrder) {
  LoadResult r = load(R"(controller:
  vantage: Bad Name
policy:
  hold_down: soon
checks:
  - name: web
    type: http
    rise: 0
sites:
  - name: ams
    endpoints: [192.0.2.1]
    priorty: 1
records:
  - name: www.example.test
    ttl: -1
    sites: [ams]
)");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 5u) << r.error_text();
  std::vector<int> lines;
  for (const ConfigError& e : r.errors) lines.push_back(e.line);
  std::vector<int> sorted = lines;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{2, 4, 8, 12, 15})) << r.error_text();
  const std::string text = r.error_text();
  for (const char* part :
       {"test.yaml:2:12: 'vantage'", "test.yaml:4:14: 'hold_down'", "test.yaml:8:11: 'rise'",
        "test.yaml:12:5: unknown key 'priorty'", "test.yaml:15:10: 'ttl'"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << " not in\n" << text;
  }
}

TEST(Errors, EveryUnknownKeyIsReported) {
  LoadResult r = load(tail("colour: blue\nflavour: mint\nsitez: []\n"));
  ASSERT_EQ(r.errors.size(), 3u) << r.error_text();
  EXPECT_EQ(r.errors[0].line, 7);
  EXPECT_EQ(r.errors[1].line, 8);
  EXPECT_EQ(r.errors[2].line, 9);
}

TEST(Errors, EmptyConfigurationIsRefused) {
  for (const char* text : {"", "\n", "# just a comment\n", "---\n", "~\n"}) {
    LoadResult r = load(text);
    EXPECT_FALSE(r.ok()) << "'" << text << "'";
    ASSERT_EQ(r.errors.size(), 1u) << r.error_text();
    EXPECT_NE(r.errors[0].message.find("empty"), std::string::npos) << r.error_text();
  }
}

TEST(Errors, InvalidEdgeIntervalIsReportedOnce) {
  // A malformed edge_interval must not also be compared against the interval
  // as if it had its built-in value.
  LoadResult r = load(http_check("    interval: 250ms\n    edge_interval: 5\n"));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u) << r.error_text();
  EXPECT_NE(r.errors[0].message.find("expected a duration"), std::string::npos) << r.error_text();
}

TEST(Errors, InvalidTimeoutIsReportedOnce) {
  LoadResult r = load(http_check("    connect_timeout: 3s\n    timeout: 5\n"));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u) << r.error_text();
  EXPECT_EQ(r.errors[0].line, 11) << r.error_text();
}

TEST(Errors, KeyWithoutValuePointsAtTheKey) {
  // `ttl:` with nothing after it: the error belongs on line 6, not on the
  // key that happens to follow.
  LoadResult r = load(R"(sites:
  - name: ams
    endpoints: [192.0.2.1]
records:
  - name: www.example.test
    ttl:
    sites: [ams]
)");
  ASSERT_EQ(r.errors.size(), 1u) << r.error_text();
  EXPECT_NE(r.errors[0].message.find("'ttl' in records[0] has no value"), std::string::npos);
  EXPECT_EQ(r.errors[0].line, 6) << r.error_text();
  EXPECT_EQ(r.errors[0].column, 5) << r.error_text();
}

TEST(Errors, SectionWithoutValuePointsAtTheKey) {
  LoadResult r = load("controller:\n" + kMinimal);
  ASSERT_EQ(r.errors.size(), 1u) << r.error_text();
  EXPECT_NE(r.errors[0].message.find("expected a mapping for controller, got nothing"),
            std::string::npos);
  EXPECT_EQ(r.errors[0].line, 1) << r.error_text();
  EXPECT_EQ(r.errors[0].column, 1) << r.error_text();
}

TEST(Errors, EmbeddedNulInAnAddressIsRefused) {
  LoadResult r = load(
      "sites:\n  - name: ams\n    endpoints: [\"192.0.2.1\\0evil\"]\nrecords:\n"
      "  - name: www.example.test\n    sites: [ams]\n");
  ASSERT_FALSE(r.ok()) << "accepted an endpoint of "
                       << (r.config ? r.config->sites[0].spec.ipv4[0].size() : 0) << " bytes";
  EXPECT_EQ(r.errors[0].line, 3) << r.error_text();
}

TEST(Errors, ARecordSiteWithoutIpv4IsRefused) {
  // Failing over to nyc would publish an A record with no address at all.
  LoadResult r = load(R"(sites:
  - name: ams
    endpoints: [192.0.2.1]
  - name: nyc
    endpoints: ["2001:db8::1"]
records:
  - name: www.example.test
    sites: [ams, nyc]
)");
  ASSERT_FALSE(r.ok()) << "an A record may fail over to a site without IPv4";
  EXPECT_EQ(r.errors[0].line, 8) << r.error_text();
  EXPECT_NE(r.errors[0].message.find("nyc"), std::string::npos) << r.error_text();
}

TEST(Errors, ControlCharactersInHttpFieldsAreRefused) {
  LoadResult path = load(http_check("    path: \"/a\\x01b\"\n"));
  EXPECT_FALSE(path.ok()) << "a path with a control character was accepted";
  LoadResult host = load(http_check("    host: \"app\\0.example.test\"\n"));
  EXPECT_FALSE(host.ok()) << "a Host header with a NUL was accepted";
}

TEST(Errors, SyntaxErrorInALaterDocumentIsNotIgnored) {
  // Everything in the file is configuration: a second document (or text
  // pasted after a '---') must not be silently dropped.
  LoadResult r = load(kMinimal + "---\nsites: [\n");
  EXPECT_FALSE(r.ok()) << "the second document was ignored";
  LoadResult two = load(kMinimal + "---\n" + kMinimal);
  EXPECT_FALSE(two.ok()) << "the second document was ignored";
  if (!two.ok()) {
    EXPECT_EQ(two.errors[0].line, 7) << two.error_text();
  }
}

TEST(Errors, DocumentMarkersAroundOneDocumentAreFine) {
  EXPECT_TRUE(load("%YAML 1.2\n---\n" + kMinimal).ok())
      << load("%YAML 1.2\n---\n" + kMinimal).error_text();
  EXPECT_TRUE(load("# top\n---\n" + kMinimal + "...\n# the end\n").ok());
  LoadResult r = load(kMinimal + "...\nsites: []\n");
  ASSERT_FALSE(r.ok()) << "a second document after '...' was ignored";
  EXPECT_EQ(r.errors[0].line, 7) << r.error_text();
}

// yaml-cpp's multi-document reader never returns on this input (found by
// fuzzing); the loader must answer anyway.
TEST(Errors, InputThatHangsYamlCppsMultiDocumentReaderIsAnswered) {
  std::string text =
      ",s on loopback addresses, the ct\x94onrlo\ncler# hecking them, and 0.0.11 (ams)\n#   "
      "drpilmt lab break ams     che70000i\x9a\x9b\x90\x88\x91\xf1\ncontroll=r:";
  text += std::string(21, '\x86') + "\x01  va";
  LoadResult r = load(text);
  EXPECT_FALSE(r.ok());
}

TEST(Errors, CrossReferencesAreCheckedOnlyAfterCleanReads) {
  // A broken site must not also produce "record uses unknown site".
  LoadResult r = load(R"(sites:
  - name: Ams
    endpoints: [192.0.2.1]
records:
  - name: www.example.test
    sites: [ams]
)");
  ASSERT_EQ(r.errors.size(), 1u) << r.error_text();
  EXPECT_EQ(r.errors[0].line, 2);
}

// ------------------------------------------------------------- files

TEST(Files, MissingFileHasAClearMessageWithoutPosition) {
  TempDir dir;
  const std::string path = (dir.path() / "absent.yaml").string();
  LoadResult r = load_config_file(path);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u) << r.error_text();
  EXPECT_EQ(r.errors[0].line, 0);
  EXPECT_EQ(r.errors[0].column, 0);
  EXPECT_EQ(r.errors[0].file, path);
  EXPECT_NE(r.errors[0].message.find("cannot read"), std::string::npos) << r.error_text();
  EXPECT_NE(r.errors[0].message.find("No such file"), std::string::npos) << r.error_text();
  EXPECT_EQ(r.errors[0].to_string(), path + ": " + r.errors[0].message);
}

TEST(Files, DirectoryHasAClearMessageWithoutPosition) {
  TempDir dir;
  const std::string path = dir.path().string();
  LoadResult r = load_config_file(path);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u) << r.error_text();
  EXPECT_EQ(r.errors[0].line, 0);
  EXPECT_EQ(r.errors[0].column, 0);
  EXPECT_EQ(r.errors[0].file, path);
  EXPECT_NE(r.errors[0].message.find("directory"), std::string::npos)
      << "the message should say the path is a directory: " << r.error_text();
}

TEST(Files, JournalPathResolvesNextToTheFile) {
  TempDir dir;
  fs::create_directories(dir.path() / "etc");
  fs::path rel = dir.write("etc/rel.yaml", kMinimal + "journal:\n  path: ../state/j.db\n");
  fs::path def = dir.write("etc/def.yaml", kMinimal);
  fs::path abs = dir.write("etc/abs.yaml", kMinimal + "journal:\n  path: /var/lib/x.db\n");

  LoadResult r = load_config_file(rel.string());
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(r.config->journal_path, (dir.path() / "state" / "j.db").lexically_normal().string());
  EXPECT_EQ(r.config->path, rel.string());

  r = load_config_file(def.string());
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(r.config->journal_path,
            (dir.path() / "etc" / "drpilot-journal.db").lexically_normal().string());

  r = load_config_file(abs.string());
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(r.config->journal_path, "/var/lib/x.db");
}

TEST(Files, ErrorsInAFileNameTheFile) {
  TempDir dir;
  fs::path p = dir.write("bad.yaml", tail("colour: blue\n"));
  LoadResult r = load_config_file(p.string());
  ASSERT_EQ(r.errors.size(), 1u) << r.error_text();
  EXPECT_EQ(r.errors[0].to_string().rfind(p.string() + ":7:1: unknown key 'colour'", 0), 0u)
      << r.error_text();
}

// ------------------------------------------------------------- engine_spec

TEST(EngineSpec, OneTargetPerSiteAndCheckWithTheCheckHysteresis) {
  Config c = load_ok(R"(controller:
  vantage: ctl-a
  freshness: 7s
policy:
  hold_down: 20s
checks:
  - name: web
    type: http
    rise: 4
    fall: 5
  - name: db
    type: tcp
    port: 5432
    rise: 1
    fall: 7
sites:
  - name: ams
    endpoints: [192.0.2.1]
    priority: 1
    checks: [web, db]
  - name: nyc
    endpoints: [192.0.2.2]
    priority: 2
    checks: [db]
  - name: lon
    endpoints: [192.0.2.3]
records:
  - name: www.example.test
    sites: [ams, nyc, lon]
)");
  core::EngineSpec spec = c.engine_spec();
  EXPECT_EQ(spec.self_vantage, "ctl-a");
  EXPECT_EQ(spec.freshness, Duration{7000});
  EXPECT_EQ(spec.policy.hold_down, Duration{20'000});
  ASSERT_EQ(spec.sites.size(), 3u);
  EXPECT_EQ(spec.sites[1].name, "nyc");
  EXPECT_EQ(spec.sites[1].priority, 2);
  ASSERT_EQ(spec.records.size(), 1u);
  EXPECT_EQ(spec.records[0].sites, (std::vector<std::string>{"ams", "nyc", "lon"}));

  ASSERT_EQ(spec.targets.size(), 3u);
  struct Want {
    const char* target;
    const char* site;
    const char* check;
    int rise, fall;
  };
  const Want want[] = {{"ams/web", "ams", "web", 4, 5},
                       {"ams/db", "ams", "db", 1, 7},
                       {"nyc/db", "nyc", "db", 1, 7}};
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(want[i].target);
    EXPECT_EQ(spec.targets[i].target, want[i].target);
    EXPECT_EQ(spec.targets[i].target, core::target_name(want[i].site, want[i].check));
    EXPECT_EQ(spec.targets[i].site, want[i].site);
    EXPECT_EQ(spec.targets[i].check, want[i].check);
    EXPECT_EQ(spec.targets[i].hysteresis.rise, want[i].rise);
    EXPECT_EQ(spec.targets[i].hysteresis.fall, want[i].fall);
  }
  EXPECT_EQ(c.site_specs().size(), 3u);
}

TEST(EngineSpec, LoadingTwiceGivesTheSameConfig) {
  const fs::path file = fs::path(DRPILOT_SOURCE_DIR) / "examples" / "lab.yaml";
  LoadResult a = load_config_file(file.string());
  LoadResult b = load_config_file(file.string());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(testing::dump(*a.config), testing::dump(*b.config));
}

}  // namespace
}  // namespace drpilot::config
