// The cluster section: members, etcd and the lease's margins, with their
// defaults, and what is refused (where, and why).

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace drpilot::config {
namespace {

using core::Duration;

const std::string kSites = R"(sites:
  - name: ams
    endpoints: [192.0.2.1]
records:
  - name: www.example.test
    sites: [ams]
)";

// Members start at line 9, etcd's keys at line 15; `etcd_more` follows them.
std::string cluster(const std::string& member_more = "", const std::string& etcd_more = "") {
  return kSites + R"(cluster:
  members:
    - name: ams-ctl
      api: http://127.0.0.1:8080
      dns: [127.0.0.1:5301]
)" + member_more +
         R"(    - name: nyc-ctl
      api: https://127.0.0.2:8443
  etcd:
    endpoints: [http://127.0.0.1:2379, http://127.0.0.2:2379]
)" + etcd_more;
}

LoadResult load(const std::string& yaml) {
  return load_config_string(yaml, "test.yaml", "/etc/drpilot");
}

TEST(ClusterConfig, WithoutTheSectionAControllerRunsAlone) {
  LoadResult r = load(kSites);
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_FALSE(r.config->cluster.enabled());
}

TEST(ClusterConfig, MembersAndEtcdWithTheirDefaults) {
  LoadResult r = load(cluster());
  ASSERT_TRUE(r.ok()) << r.error_text();
  const ClusterConfig& c = r.config->cluster;
  ASSERT_TRUE(c.enabled());
  ASSERT_EQ(c.members.size(), 2u);
  EXPECT_EQ(c.members[0].name, "ams-ctl");
  EXPECT_EQ(c.members[0].api_listen, (Endpoint{"127.0.0.1", 8080}));
  EXPECT_EQ(c.members[0].dns, (std::vector<Endpoint>{{"127.0.0.1", 5301}}));
  EXPECT_EQ(c.members[1].api_listen, (Endpoint{"127.0.0.2", 8443}));
  EXPECT_TRUE(c.members[1].dns.empty());
  EXPECT_EQ(c.find("nyc-ctl"), &c.members[1]);
  EXPECT_EQ(c.find("sgp-ctl"), nullptr);
  EXPECT_EQ(c.etcd.endpoints.size(), 2u);
  EXPECT_EQ(c.etcd.prefix, "/drpilot/");
  EXPECT_EQ(c.etcd.lease_ttl, Duration{2000});
  EXPECT_EQ(c.etcd.apply_deadline, Duration{500});
  EXPECT_EQ(c.etcd.clock_rate_bound_percent, 1);
  EXPECT_EQ(c.etcd.timeout, Duration{1000});
  EXPECT_TRUE(c.etcd.user.empty());
  EXPECT_TRUE(c.etcd.password.empty());
}

TEST(ClusterConfig, TlsAndAUserWithAPasswordFromTheEnvironment) {
  LoadResult r = load(cluster("", R"(    ca_file: ca.pem
    certificate_file: /etc/drpilot/client.pem
    key_file: client.key
    user: drpilot
    password_env: ETCD_PASSWORD
    lease_ttl: 5s
    apply_deadline: 1s
    prefix: /prod/drpilot/
)"));
  ASSERT_TRUE(r.ok()) << r.error_text();
  const EtcdConfig& e = r.config->cluster.etcd;
  EXPECT_EQ(e.ca_file, "/etc/drpilot/ca.pem");
  EXPECT_EQ(e.key_file, "/etc/drpilot/client.key");
  EXPECT_EQ(e.user, "drpilot");
  EXPECT_EQ(e.password.env, "ETCD_PASSWORD");
  EXPECT_EQ(e.lease_ttl, Duration{5000});
  EXPECT_EQ(e.prefix, "/prod/drpilot/");
  bool named = false;
  for (const NamedSecret& s : r.config->secrets()) {
    named |= s.what == "etcd user 'drpilot' password";
  }
  EXPECT_TRUE(named) << "the password is not checked like every other secret";
}

struct Bad {
  const char* name;
  std::string yaml;
  int line;
  std::string says;
};

void PrintTo(const Bad& b, std::ostream* os) {
  *os << b.name;
}

class ClusterConfigRefused : public ::testing::TestWithParam<Bad> {};

TEST_P(ClusterConfigRefused, AtItsLineWithAReason) {
  const Bad& b = GetParam();
  LoadResult r = load(b.yaml);
  ASSERT_FALSE(r.ok()) << "accepted:\n" << b.yaml;
  bool found = false;
  for (const ConfigError& e : r.errors) {
    found |= e.line == b.line && e.message.find(b.says) != std::string::npos;
  }
  EXPECT_TRUE(found) << "expected line " << b.line << ": ..." << b.says << "...\ngot:\n"
                     << r.error_text();
}

INSTANTIATE_TEST_SUITE_P(
    Table, ClusterConfigRefused,
    ::testing::Values(
        Bad{"member_named_twice", cluster("    - name: ams-ctl\n      api: http://127.0.0.9:1\n"),
            12, "member 'ams-ctl' is named twice"},
        Bad{"member_api_not_a_url", cluster("    - name: x\n      api: ftp://h\n"), 13,
            "expected an http:// or https:// URL"},
        Bad{"member_api_a_name_without_api_listen",
            cluster("    - name: x\n      api: https://ctl.example.net:8443\n"), 13,
            "set 'api_listen'"},
        Bad{"two_members_one_dns_address",
            cluster("    - name: x\n      api: http://127.0.0.9:1\n      dns: [127.0.0.1:5301]\n"),
            14, "address 127.0.0.1:5301 is used by another member"},
        Bad{"two_members_one_api_address",
            cluster("    - name: x\n      api: http://127.0.0.1:8080/\n"), 13,
            "address 127.0.0.1:8080 is used by another member"},
        Bad{"no_members", kSites + "cluster:\n  etcd:\n    endpoints: [http://127.0.0.1:2379]\n", 8,
            "missing required key 'members'"},
        Bad{"no_etcd",
            kSites + "cluster:\n  members:\n    - name: a\n      api: http://127.0.0.1:1\n", 8,
            "missing required key 'etcd'"},
        Bad{"etcd_endpoint_not_a_url",
            kSites + "cluster:\n  members:\n    - name: a\n      api: http://127.0.0.1:1\n"
                     "  etcd:\n    endpoints: [127.0.0.1:2379]\n",
            12, "expected an http:// or https:// URL"},
        Bad{"lease_ttl_not_whole_seconds", cluster("", "    lease_ttl: 2500ms\n"), 16,
            "whole seconds"},
        Bad{"lease_ttl_too_short", cluster("", "    lease_ttl: 1s\n"), 16, "lease_ttl"},
        Bad{"apply_deadline_eats_the_lease", cluster("", "    apply_deadline: 1700ms\n"), 16,
            "leaves no time to act"},
        Bad{"certificate_without_key", cluster("", "    certificate_file: c.pem\n"), 15,
            "both certificate_file and key_file"},
        Bad{"user_without_password", cluster("", "    user: drpilot\n"), 15,
            "needs one of password_env, password_file or password"},
        Bad{"password_without_user", cluster("", "    password_env: P\n"), 15,
            "a password but no user"},
        Bad{"prefix_with_a_space", cluster("", "    prefix: \"/a b/\"\n"), 16, "'prefix'"}),
    [](const ::testing::TestParamInfo<Bad>& i) { return std::string(i.param.name); });

// One file, several controllers: each runs it as its member.
TEST(ClusterConfig, RunningAsAMemberTakesItsNameAddressesAndJournal) {
  LoadResult r = load(cluster("      journal: ams.db\n"));
  ASSERT_TRUE(r.ok()) << r.error_text();
  Config c = *r.config;
  EXPECT_EQ(c.cluster.members[0].journal, "/etc/drpilot/ams.db");
  EXPECT_EQ(c.run_as_member("ams-ctl"), "");
  EXPECT_EQ(c.vantage, "ams-ctl");
  EXPECT_EQ(c.api_listen, (Endpoint{"127.0.0.1", 8080}));
  EXPECT_EQ(c.dns.listen, (std::vector<Endpoint>{{"127.0.0.1", 5301}}));
  EXPECT_EQ(c.journal_path, "/etc/drpilot/ams.db");

  // nyc-ctl names no DNS addresses and no journal: dns.listen and journal.path.
  Config n = *r.config;
  EXPECT_EQ(n.run_as_member("nyc-ctl"), "");
  EXPECT_EQ(n.api_listen, (Endpoint{"127.0.0.2", 8443}));
  EXPECT_EQ(n.dns.listen, r.config->dns.listen);
  EXPECT_EQ(n.journal_path, r.config->journal_path);
}

TEST(ClusterConfig, AMemberMustBeNamedAndListed) {
  LoadResult r = load(cluster());
  ASSERT_TRUE(r.ok()) << r.error_text();
  Config c = *r.config;
  EXPECT_EQ(c.run_as_member("sgp-ctl"),
            "no member 'sgp-ctl' in cluster.members (ams-ctl, nyc-ctl)");
  EXPECT_NE(c.run_as_member("").find("say which member this controller is with --member NAME"),
            std::string::npos);
  EXPECT_EQ(c.vantage, r.config->vantage) << "a refused member changed the configuration";
  LoadResult alone = load(kSites);
  ASSERT_TRUE(alone.ok());
  Config a = *alone.config;
  EXPECT_EQ(a.run_as_member(""), "");
  EXPECT_NE(a.run_as_member("ams-ctl").find("has no 'cluster' section"), std::string::npos);
}

TEST(ClusterConfig, TwoMembersCannotShareAJournal) {
  LoadResult r = load(kSites + R"(cluster:
  members:
    - name: a
      api: http://127.0.0.1:8080
      journal: j.db
    - name: b
      api: http://127.0.0.1:8081
      journal: /etc/drpilot/j.db
  etcd:
    endpoints: [http://127.0.0.1:2379]
)");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error_text().find("journal /etc/drpilot/j.db is another member's"), std::string::npos)
      << r.error_text();
}

}  // namespace
}  // namespace drpilot::config
