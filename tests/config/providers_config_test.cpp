// providers[], hooks and the api token in the configuration: a good file with
// every provider type and the values it gives, a table of bad ones each
// refused at the offending position, and resolve_secret().

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "config/config.h"
#include "config/secrets.h"

namespace drpilot::config {
namespace {

namespace fs = std::filesystem;
using core::Duration;

LoadResult load(const std::string& yaml) {
  return load_config_string(yaml, "test.yaml", "/etc/drpilot");
}

// Two sites and www.example.com; `more` starts at line 9.
std::string base(const std::string& more) {
  return "sites:\n"                         // 1
         "  - name: ams\n"                  // 2
         "    endpoints: [192.0.2.1]\n"     // 3
         "  - name: fra\n"                  // 4
         "    endpoints: [198.51.100.1]\n"  // 5
         "records:\n"                       // 6
         "  - name: www.example.com\n"      // 7
         "    sites: [ams, fra]\n"          // 8
         + more;
}

// providers: with `items` starting at line 10.
std::string providers(const std::string& items) {
  return base("providers:\n" + items);
}

// A webhook provider whose further keys start at line 13.
std::string webhook(const std::string& more) {
  return providers("  - name: hook\n    type: webhook\n    endpoint: https://ops.example.net/x\n" +
                   more);
}

// A linode_dns provider for example.com whose further keys start at line 14.
std::string linode(const std::string& more) {
  return providers(
      "  - name: linode\n    type: linode_dns\n    token: abc\n    domain: example.com\n" + more);
}

// A digitalocean_dns provider for example.com; further keys start at line 14.
std::string digitalocean(const std::string& more) {
  return providers(
      "  - name: do\n    type: digitalocean_dns\n    token: abc\n    domain: "
      "example.com\n" +
      more);
}

// A digitalocean_lb provider; further keys start at line 13.
std::string lb(const std::string& more) {
  return providers("  - name: lb\n    type: digitalocean_lb\n    token: abc\n" + more);
}

const std::string kLbOk =
    "    load_balancer_id: 4de7ac8b-495b-4884-9a69-1050c6793cd6\n"  // 13
    "    record: www.example.com\n"                                 // 14
    "    members:\n"                                                // 15
    "      - site: ams\n"                                           // 16
    "        droplet_ids: [101]\n";                                 // 17

// ------------------------------------------------------------------ a good file

TEST(ProvidersConfig, EveryProviderTypeLoadsWithItsValues) {
  LoadResult r = load(base(R"(  - name: api.example.com
    mode: multivalue
    ttl: 60
    sites: [ams, fra]
api:
  listen: 127.0.0.1:8080
  token_file: secrets/api.token
providers:
  - name: linode
    type: linode_dns
    token_env: LINODE_TOKEN
    domain: Example.COM.
    domain_id: 12345
    timeout: 5s
    retry_max: 2m
    records:
      - name: www.example.com
        type: A
        record_id: 42
      - name: api.example.com
  - name: do-dns
    type: digitalocean_dns
    token_file: /run/secrets/do.token
    domain: example.com
    endpoint: http://127.0.0.1:9000/v2
    tls_verify: false
  - name: do-lb
    type: digitalocean_lb
    token: inline-token
    load_balancer_id: 4de7ac8b-495b-4884-9a69-1050c6793cd6
    record: www.example.com
    members:
      - site: ams
        droplet_ids: [101, 102]
      - site: fra
        droplet_ids: [201]
  - name: ops-hook
    type: webhook
    endpoint: https://hooks.example.net/drpilot?team=sre
    token_env: HOOK_KEY
hooks:
  pre_change:
    - command: [/usr/local/bin/maint-check, --strict, "two words"]
      timeout: 5s
  post_change:
    - command: [notify-send]
  veto_retry: 1m
)"));
  ASSERT_TRUE(r.ok()) << r.error_text();
  const Config& c = *r.config;

  EXPECT_EQ(c.api_tokens.at(0).secret.file,
            "/etc/drpilot/secrets/api.token");  // relative to the file
  EXPECT_EQ(c.api_tokens.at(0).secret.env, "");
  EXPECT_EQ(c.api_tokens.at(0).secret.value, "");
  EXPECT_EQ(c.api_tokens.at(0).secret.describe(), "file /etc/drpilot/secrets/api.token");

  ASSERT_EQ(c.providers.size(), 4u);
  const ProviderConfig& li = c.providers[0];
  EXPECT_EQ(li.name, "linode");
  EXPECT_EQ(li.kind, ProviderKind::linode_dns);
  EXPECT_EQ(li.endpoint, "https://api.linode.com/v4");
  EXPECT_EQ(li.token, (SecretSource{"LINODE_TOKEN", "", ""}));
  EXPECT_EQ(li.domain, "example.com");  // normalised
  EXPECT_EQ(li.domain_id, 12345);
  EXPECT_EQ(li.timeout, Duration{5'000});
  EXPECT_EQ(li.retry_max, Duration{120'000});
  EXPECT_TRUE(li.tls_verify);
  ASSERT_EQ(li.records.size(), 2u);
  EXPECT_EQ(li.records[0], (ProviderRecord{"www.example.com", core::RecordType::A, 42}));
  EXPECT_EQ(li.records[1], (ProviderRecord{"api.example.com", std::nullopt, 0}));
  EXPECT_TRUE(li.members.empty());
  EXPECT_EQ(li.load_balancer_id, "");

  const ProviderConfig& dd = c.providers[1];
  EXPECT_EQ(dd.kind, ProviderKind::digitalocean_dns);
  EXPECT_EQ(dd.endpoint, "http://127.0.0.1:9000/v2");
  EXPECT_EQ(dd.token, (SecretSource{"", "/run/secrets/do.token", ""}));
  EXPECT_EQ(dd.domain, "example.com");
  EXPECT_EQ(dd.domain_id, 0);
  EXPECT_FALSE(dd.tls_verify);
  EXPECT_EQ(dd.timeout, Duration{10'000});  // defaults
  EXPECT_EQ(dd.retry_max, Duration{60'000});
  EXPECT_TRUE(dd.records.empty());  // every record inside the domain

  const ProviderConfig& lbc = c.providers[2];
  EXPECT_EQ(lbc.kind, ProviderKind::digitalocean_lb);
  EXPECT_EQ(lbc.endpoint, "https://api.digitalocean.com/v2");
  EXPECT_EQ(lbc.token, (SecretSource{"", "", "inline-token"}));
  EXPECT_EQ(lbc.token.describe(), "the configuration");
  EXPECT_EQ(lbc.load_balancer_id, "4de7ac8b-495b-4884-9a69-1050c6793cd6");
  EXPECT_EQ(lbc.record, "www.example.com");
  ASSERT_EQ(lbc.members.size(), 2u);
  EXPECT_EQ(lbc.members[0], (LbMember{"ams", {101, 102}}));
  EXPECT_EQ(lbc.members[1], (LbMember{"fra", {201}}));
  EXPECT_EQ(lbc.domain, "");

  const ProviderConfig& wh = c.providers[3];
  EXPECT_EQ(wh.kind, ProviderKind::webhook);
  EXPECT_EQ(wh.endpoint, "https://hooks.example.net/drpilot?team=sre");
  EXPECT_EQ(wh.token.env, "HOOK_KEY");
  EXPECT_EQ(wh.token.describe(), "environment variable HOOK_KEY");

  EXPECT_EQ(to_string(ProviderKind::linode_dns), "linode_dns");
  EXPECT_EQ(to_string(ProviderKind::digitalocean_dns), "digitalocean_dns");
  EXPECT_EQ(to_string(ProviderKind::digitalocean_lb), "digitalocean_lb");
  EXPECT_EQ(to_string(ProviderKind::webhook), "webhook");

  ASSERT_EQ(c.hooks.pre_change.size(), 1u);
  EXPECT_EQ(c.hooks.pre_change[0].command,
            (std::vector<std::string>{"/usr/local/bin/maint-check", "--strict", "two words"}));
  EXPECT_EQ(c.hooks.pre_change[0].timeout, Duration{5'000});
  ASSERT_EQ(c.hooks.post_change.size(), 1u);
  EXPECT_EQ(c.hooks.post_change[0].command, std::vector<std::string>{"notify-send"});
  EXPECT_EQ(c.hooks.post_change[0].timeout, Duration{30'000});  // post_change's default
  EXPECT_EQ(c.hooks.veto_retry, Duration{60'000});
}

// With the embedded DNS on, a record outside its zones is fine when a DNS
// provider publishes it, and an error when nothing does.
TEST(ProvidersConfig, ARecordOutsideTheZonesNeedsAProviderThatPublishesIt) {
  const std::string head =
      "dns:\n  zones:\n    - name: dr.example.com\n      ns:\n        - name: ns1.example.net\n"
      "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n"
      "  - name: www.example.com\n    sites: [ams]\n";
  LoadResult alone = load(head);
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.error_text().find("no DNS provider publishes it"), std::string::npos)
      << alone.error_text();
  LoadResult published = load(head +
                              "providers:\n  - name: linode\n    type: linode_dns\n"
                              "    token: t\n    domain: example.com\n");
  EXPECT_TRUE(published.ok()) << published.error_text();
  LoadResult webhook_only = load(head +
                                 "providers:\n  - name: ops\n    type: webhook\n"
                                 "    token: t\n    endpoint: https://ops.example.com/x\n");
  EXPECT_FALSE(webhook_only.ok()) << "a webhook publishes no DNS record";
}

TEST(ProvidersConfig, NoneOfItIsRequired) {
  LoadResult r = load(base(""));
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_TRUE(r.config->providers.empty());
  EXPECT_TRUE(r.config->api_tokens.empty());
  EXPECT_EQ(SecretSource{}.describe(), "nowhere");
  EXPECT_TRUE(r.config->hooks.pre_change.empty());
  EXPECT_TRUE(r.config->hooks.post_change.empty());
  EXPECT_EQ(r.config->hooks.veto_retry, Duration{30'000});
}

TEST(ProvidersConfig, TheApiTokenMayComeFromEachSource) {
  auto api = [](const std::string& key) { return load(base("api:\n  " + key + "\n")); };
  LoadResult env = api("token_env: DRPILOT_API_TOKEN");
  ASSERT_TRUE(env.ok()) << env.error_text();
  EXPECT_EQ(env.config->api_tokens.at(0).secret.env, "DRPILOT_API_TOKEN");
  LoadResult abs = api("token_file: /run/secrets/api");
  ASSERT_TRUE(abs.ok()) << abs.error_text();
  EXPECT_EQ(abs.config->api_tokens.at(0).secret.file, "/run/secrets/api");
  LoadResult inl = api("token: hunter2");
  ASSERT_TRUE(inl.ok()) << inl.error_text();
  EXPECT_EQ(inl.config->api_tokens.at(0).secret.value, "hunter2");
}

TEST(ProvidersConfig, NamedApiTokensWithRolesFollowTheLegacyOperatorToken) {
  LoadResult r = load(base(R"(api:
  token_env: DRPILOT_API_TOKEN
  read_token_required: true
  tls_certificate_file: tls/api.crt
  tls_key_file: /etc/drpilot/tls/api.key
  tokens:
    - name: alice@ops
      token_file: alice.token
    - name: grafana
      role: read
      token_env: GRAFANA_TOKEN
)"));
  ASSERT_TRUE(r.ok()) << r.error_text();
  const Config& c = *r.config;
  ASSERT_EQ(c.api_tokens.size(), 3u);
  EXPECT_EQ(c.api_tokens[0].name, "operator");
  EXPECT_EQ(c.api_tokens[0].role, ApiRole::operator_role);
  EXPECT_EQ(c.api_tokens[0].secret.env, "DRPILOT_API_TOKEN");
  EXPECT_EQ(c.api_tokens[1].name, "alice@ops");
  EXPECT_EQ(c.api_tokens[1].role, ApiRole::operator_role);  // the default role
  EXPECT_EQ(c.api_tokens[1].secret.file, "/etc/drpilot/alice.token");
  EXPECT_EQ(c.api_tokens[2].name, "grafana");
  EXPECT_EQ(c.api_tokens[2].role, ApiRole::read);
  EXPECT_TRUE(c.api_read_token_required);
  EXPECT_EQ(c.api_tls_certificate_file, "/etc/drpilot/tls/api.crt");
  EXPECT_EQ(c.api_tls_key_file, "/etc/drpilot/tls/api.key");
  // Every secret is listed once, with what it is for.
  std::vector<std::string> what;
  for (const NamedSecret& s : c.secrets()) what.push_back(s.what);
  EXPECT_EQ(what, (std::vector<std::string>{"API token 'operator'", "API token 'alice@ops'",
                                            "API token 'grafana'"}));
}

TEST(ProvidersConfig, BadApiTokensAndTlsAreRefusedWhereTheyAre) {
  struct Case {
    std::string yaml;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"api:\n  tokens:\n    - name: alice\n", "needs one of token_env, token_file or token"},
           {"api:\n  tokens:\n    - name: al ice\n      token_env: X\n",
            "'name' must be 1 to 64 letters"},
           {"api:\n  tokens:\n    - name: a\n      token_env: X\n    - name: a\n      "
            "token_env: Y\n",
            "another API token is named 'a'"},
           {"api:\n  token_env: X\n  tokens:\n    - name: operator\n      token_env: Y\n",
            "another API token is named 'operator'"},
           {"api:\n  tokens:\n    - name: a\n      role: admin\n      token_env: X\n",
            "'role' must be one of read, operator"},
           {"api:\n  tls_certificate_file: a.crt\n",
            "tls_certificate_file and tls_key_file go "
            "together"},
           {"api:\n  tls_key_file: a.key\n", "tls_certificate_file and tls_key_file go together"},
       }) {
    SCOPED_TRACE(c.yaml);
    LoadResult r = load(base(c.yaml));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.error_text().find(c.message), std::string::npos) << r.error_text();
  }
}

TEST(ProvidersConfig, RecordsOfTheDomainArePublishedWhateverTheirTtlIsForLinode) {
  // Only DigitalOcean refuses TTLs under 30s.
  LoadResult r = load(
      "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n"
      "  - name: www.example.com\n    ttl: 5\n    sites: [ams]\n" +
      std::string("providers:\n  - name: linode\n    type: linode_dns\n"
                  "    token: abc\n    domain: example.com\n"));
  EXPECT_TRUE(r.ok()) << r.error_text();
}

// ------------------------------------------------------------------ bad files

struct BadCase {
  std::string name;
  std::string yaml;
  int line;
  int column;
  std::string message;  // a part of the message at that position
};

std::vector<BadCase> bad_cases() {
  return {
      // Types and what each type needs
      {"unknown_provider_type", providers("  - name: x\n    type: route53\n    token: abc\n"), 11,
       11, "'type' must be one of linode_dns, digitalocean_dns, digitalocean_lb, webhook"},
      {"provider_without_type", providers("  - name: x\n    token: abc\n"), 10, 5,
       "missing required key 'type' in providers[0]"},
      {"provider_without_name",
       providers("  - type: webhook\n    endpoint: https://a.b/\n"
                 "    token: abc\n"),
       10, 5, "missing required key 'name' in providers[0]"},
      {"webhook_without_endpoint", providers("  - name: hook\n    type: webhook\n    token: abc\n"),
       10, 5, "webhook provider 'hook' needs an 'endpoint' (the URL to POST to)"},
      {"endpoint_not_a_url",
       providers("  - name: hook\n    type: webhook\n    endpoint: ops.example.net/x\n"
                 "    token: abc\n"),
       12, 15, "'endpoint': expected an http:// or https:// URL, got 'ops.example.net/x'"},
      {"endpoint_other_scheme",
       providers("  - name: hook\n    type: webhook\n    endpoint: ftp://ops.example.net/\n"
                 "    token: abc\n"),
       12, 15, "expected an http:// or https:// URL"},
      {"endpoint_without_host",
       providers("  - name: hook\n    type: webhook\n    endpoint: https:///x\n    token: abc\n"),
       12, 15, "'https:///x' has no host"},
      {"endpoint_with_space",
       providers("  - name: linode\n    type: linode_dns\n    endpoint: \"https://a.b/v4 x\"\n"
                 "    token: abc\n    domain: example.com\n"),
       12, 15, "a URL cannot contain spaces or control characters"},
      {"digitalocean_dns_without_domain",
       providers("  - name: do\n    type: digitalocean_dns\n    token: abc\n"), 10, 5,
       "provider 'do' needs a 'domain'"},
      {"linode_dns_without_domain_or_id",
       providers("  - name: li\n    type: linode_dns\n    token: abc\n"), 10, 5,
       "provider 'li' needs a 'domain' or a 'domain_id'"},
      // Secrets
      {"token_and_token_env", webhook("    token: abc\n    token_env: HOOK_KEY\n"), 10, 5,
       "set only one of token, token_env and token_file in providers[0]"},
      {"token_env_and_token_file", webhook("    token_env: A\n    token_file: /x\n"), 10, 5,
       "set only one of token, token_env and token_file"},
      {"all_three_tokens", webhook("    token_env: A\n    token_file: /x\n    token: y\n"), 10, 5,
       "set only one of token, token_env and token_file"},
      {"no_token", webhook(""), 10, 5, "providers[0] needs one of token_env, token_file or token"},
      {"token_empty", webhook("    token: \"\"\n"), 13, 12, "'token' cannot be empty"},
      {"token_file_empty", webhook("    token_file: \"\"\n"), 13, 17,
       "'token_file' cannot be empty"},
      {"token_env_with_space", webhook("    token_env: \"MY TOKEN\"\n"), 13, 16,
       "'token_env' must be the name of an environment variable"},
      {"token_env_with_equals", webhook("    token_env: A=B\n"), 13, 16,
       "'token_env' must be the name of an environment variable"},
      {"api_two_tokens", base("api:\n  token: a\n  token_env: B\n"), 10, 3,
       "set only one of token, token_env and token_file in api"},
      {"api_token_empty", base("api:\n  token: \"\"\n"), 10, 10, "'token' cannot be empty"},
      // Keys of other types
      {"domain_on_webhook", webhook("    token: abc\n    domain: example.com\n"), 14, 13,
       "'domain' applies only to linode_dns and digitalocean_dns providers"},
      {"records_on_webhook", webhook("    token: abc\n    records: [{name: www.example.com}]\n"),
       14, 14, "'records' applies only to linode_dns and digitalocean_dns providers"},
      {"members_on_linode_dns", linode("    members: [{site: ams, droplet_ids: [1]}]\n"), 14, 14,
       "'members' applies only to digitalocean_lb providers"},
      {"load_balancer_id_on_webhook", webhook("    token: abc\n    load_balancer_id: abc\n"), 14,
       23, "'load_balancer_id' applies only to digitalocean_lb providers"},
      {"record_on_linode_dns", linode("    record: www.example.com\n"), 14, 13,
       "'record' applies only to digitalocean_lb providers"},
      {"domain_id_on_digitalocean_dns", digitalocean("    domain_id: 5\n"), 14, 16,
       "'domain_id' applies only to linode_dns providers"},
      {"domain_on_load_balancer", lb(kLbOk + "    domain: example.com\n"), 18, 13,
       "'domain' applies only to linode_dns and digitalocean_dns providers"},
      // Provider records
      {"record_id_on_digitalocean_dns",
       digitalocean("    records:\n      - name: www.example.com\n        type: A\n"
                    "        record_id: 42\n"),
       17, 20, "'record_id' applies only to linode_dns providers"},
      {"record_id_without_type",
       linode("    records:\n      - name: www.example.com\n        record_id: 42\n"), 16, 20,
       "'record_id' needs a 'type': one Linode record has one type"},
      {"record_id_zero",
       linode("    records:\n      - name: www.example.com\n        type: A\n"
              "        record_id: 0\n"),
       17, 20, "'record_id' must be at least 1, got 0"},
      {"record_id_on_multivalue_record",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n"
       "  - name: www.example.com\n    mode: multivalue\n    sites: [ams]\n"
       "providers:\n  - name: linode\n    type: linode_dns\n    token: abc\n"
       "    domain: example.com\n    records:\n      - name: www.example.com\n"
       "        type: A\n        record_id: 42\n",
       16, 20, "'www.example.com' is a multivalue record with one record per site"},
      {"provider_record_not_in_records", linode("    records:\n      - name: api.example.com\n"),
       15, 15, "provider 'linode' publishes 'api.example.com', which is not defined in records[]"},
      {"provider_record_type_not_in_records",
       linode("    records:\n      - name: www.example.com\n        type: AAAA\n"), 15, 15,
       "provider 'linode' publishes 'www.example.com AAAA', which is not defined in records[]"},
      {"provider_record_outside_domain",
       providers("  - name: linode\n    type: linode_dns\n    token: abc\n"
                 "    domain: example.net\n    records:\n      - name: www.example.com\n"),
       15, 15, "'www.example.com' is not inside domain 'example.net'"},
      {"provider_record_shares_only_a_suffix",
       providers("  - name: linode\n    type: linode_dns\n    token: abc\n"
                 "    domain: ample.com\n    records:\n      - name: www.example.com\n"),
       15, 15, "'www.example.com' is not inside domain 'ample.com'"},
      {"digitalocean_ttl_under_30",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n"
       "  - name: www.example.com\n    ttl: 20\n    sites: [ams]\n"
       "providers:\n  - name: do\n    type: digitalocean_dns\n    token: abc\n"
       "    domain: example.com\n",
       6, 10,
       "record 'www.example.com' has ttl 20, but provider 'do' (DigitalOcean DNS) accepts 30 "
       "seconds or more"},
      {"digitalocean_listed_record_ttl_under_30",
       "sites:\n  - name: ams\n    endpoints: [192.0.2.1]\nrecords:\n"
       "  - name: www.example.com\n    ttl: 0\n    sites: [ams]\n"
       "providers:\n  - name: do\n    type: digitalocean_dns\n    token: abc\n"
       "    domain: example.com\n    records:\n      - name: www.example.com\n",
       6, 10, "has ttl 0, but provider 'do' (DigitalOcean DNS) accepts 30 seconds or more"},
      // Load balancers
      {"lb_missing_load_balancer_id",
       lb("    record: www.example.com\n    members:\n      - site: ams\n"
          "        droplet_ids: [1]\n"),
       10, 5, "digitalocean_lb provider 'lb' needs 'load_balancer_id'"},
      {"lb_missing_record",
       lb("    load_balancer_id: abc\n    members:\n      - site: ams\n        droplet_ids: [1]\n"),
       10, 5, "digitalocean_lb provider 'lb' needs 'record'"},
      {"lb_missing_members", lb("    load_balancer_id: abc\n    record: www.example.com\n"), 10, 5,
       "digitalocean_lb provider 'lb' needs 'members'"},
      {"lb_id_with_slash",
       lb("    load_balancer_id: ../droplets\n    record: www.example.com\n    members:\n"
          "      - site: ams\n        droplet_ids: [1]\n"),
       13, 23, "'load_balancer_id' must be a load balancer id"},
      {"lb_record_not_in_records",
       lb("    load_balancer_id: abc\n    record: api.example.com\n    members:\n"
          "      - site: ams\n        droplet_ids: [1]\n"),
       14, 13,
       "load balancer provider 'lb' follows record 'api.example.com', which is not defined in "
       "records[]"},
      {"lb_member_site_unknown",
       lb("    load_balancer_id: abc\n    record: www.example.com\n    members:\n"
          "      - site: nyc\n        droplet_ids: [1]\n"),
       16, 15, "member site 'nyc' is not defined in sites[]"},
      {"lb_member_listed_twice", lb(kLbOk + "      - site: ams\n        droplet_ids: [2]\n"), 18,
       15, "site 'ams' is listed twice"},
      {"lb_droplet_id_zero",
       lb("    load_balancer_id: abc\n    record: www.example.com\n    members:\n"
          "      - site: ams\n        droplet_ids: [0]\n"),
       17, 22, "'droplet_ids' must be positive droplet ids"},
      {"lb_droplet_id_negative",
       lb("    load_balancer_id: abc\n    record: www.example.com\n    members:\n"
          "      - site: ams\n        droplet_ids: [5, -3]\n"),
       17, 22, "'droplet_ids' must be positive droplet ids"},
      {"lb_no_droplets",
       lb("    load_balancer_id: abc\n    record: www.example.com\n    members:\n"
          "      - site: ams\n        droplet_ids: []\n"),
       17, 22, "'droplet_ids' needs at least 1 item"},
      // Names
      {"duplicate_provider_names",
       webhook("    token: abc\n  - name: hook\n    type: webhook\n"
               "    endpoint: https://other.example.net/\n    token: def\n"),
       14, 11, "provider 'hook' is defined twice"},
      {"provider_named_embedded_dns",
       providers("  - name: embedded-dns\n    type: webhook\n    endpoint: https://a.b/\n"
                 "    token: abc\n"),
       10, 11, "'embedded-dns' is the name of the built-in DNS server; choose another"},
      {"provider_name_upper_case",
       providers("  - name: Linode\n    type: webhook\n    endpoint: https://a.b/\n"
                 "    token: abc\n"),
       10, 11, "'name' must be a name"},
      {"unknown_provider_key", webhook("    token: abc\n    tokn_file: /x\n"), 14, 5,
       "unknown key 'tokn_file' in providers[0]"},
      {"retry_max_too_short", webhook("    token: abc\n    retry_max: 10ms\n"), 14, 16,
       "'retry_max' must be between"},
      // Hooks
      {"hook_with_empty_command", base("hooks:\n  pre_change:\n    - command: []\n"), 11, 16,
       "'command' needs at least 1 item"},
      {"hook_with_empty_program", base("hooks:\n  post_change:\n    - command: [\"\", x]\n"), 11,
       16, "'command' must start with the program to run"},
      {"hook_without_command", base("hooks:\n  pre_change:\n    - timeout: 5s\n"), 11, 7,
       "missing required key 'command' in hooks.pre_change[0]"},
      {"hook_command_not_a_list", base("hooks:\n  pre_change:\n    - command: /bin/check\n"), 11,
       16, "'command' must be a list"},
      {"hook_timeout_too_long",
       base("hooks:\n  pre_change:\n    - command: [x]\n"
            "      timeout: 11m\n"),
       12, 16, "'timeout' must be between 100ms and 10m"},
      {"veto_retry_too_short", base("hooks:\n  veto_retry: 10ms\n"), 10, 15,
       "'veto_retry' must be between 1s and 24h"},
      {"unknown_hooks_key", base("hooks:\n  pre_chnage: []\n"), 10, 3,
       "unknown key 'pre_chnage' in hooks (did you mean 'pre_change'?)"},
  };
}

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

class BadProviderConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadProviderConfig, IsRefusedAtTheOffendingPosition) {
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

INSTANTIATE_TEST_SUITE_P(Table, BadProviderConfig, ::testing::ValuesIn(bad_cases()),
                         [](const ::testing::TestParamInfo<BadCase>& info) {
                           return info.param.name;
                         });

TEST(BadProviderConfigTable, NamesAreUnique) {
  std::set<std::string> names;
  for (const BadCase& c : bad_cases()) EXPECT_TRUE(names.insert(c.name).second) << c.name;
}

// Secrets never end up in errors.
TEST(BadProviderConfigTable, InlineTokensAreNotRepeatedInErrors) {
  LoadResult r = load(webhook("    token: very-secret-value\n    token_env: X\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error_text().find("very-secret-value"), std::string::npos) << r.error_text();
}

// ------------------------------------------------------------------ resolve_secret

class SecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("drpilot-secret-test-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    unsetenv("DRPILOT_TEST_SECRET");
  }
  std::string write(const std::string& name, const std::string& content) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  static SecretSource env(const std::string& name) { return SecretSource{name, "", ""}; }
  static SecretSource file(const std::string& path) { return SecretSource{"", path, ""}; }

  // The value, or "ERROR: <error>".
  static std::string resolve(const SecretSource& s) {
    std::string error;
    auto v = resolve_secret(s, error);
    if (v) {
      EXPECT_EQ(error, "");
      return *v;
    }
    EXPECT_NE(error, "");
    return "ERROR: " + error;
  }

  fs::path dir_;
};

TEST_F(SecretTest, EnvironmentVariable) {
  unsetenv("DRPILOT_TEST_SECRET");
  EXPECT_EQ(resolve(env("DRPILOT_TEST_SECRET")),
            "ERROR: environment variable DRPILOT_TEST_SECRET is not set");
  setenv("DRPILOT_TEST_SECRET", "", 1);
  EXPECT_EQ(resolve(env("DRPILOT_TEST_SECRET")),
            "ERROR: environment variable DRPILOT_TEST_SECRET is empty");
  setenv("DRPILOT_TEST_SECRET", "tok-123 with space and more", 1);
  EXPECT_EQ(resolve(env("DRPILOT_TEST_SECRET")), "tok-123 with space and more");
  setenv("DRPILOT_TEST_SECRET", "tok-0123456789\r\nX-Injected: 1", 1);
  EXPECT_EQ(resolve(env("DRPILOT_TEST_SECRET")),
            "ERROR: environment variable DRPILOT_TEST_SECRET holds a control character");
}

TEST_F(SecretTest, FileWithItsTrailingNewlineDropped) {
  EXPECT_EQ(resolve(file(write("a", "s3cret-0123456789\n"))), "s3cret-0123456789");
  EXPECT_EQ(resolve(file(write("b", "s3cret-0123456789"))), "s3cret-0123456789");
  EXPECT_EQ(resolve(file(write("c", "s3cret-0123456789\r\n"))), "s3cret-0123456789");
  // Only one newline is dropped: a second one is a control character.
  EXPECT_EQ(resolve(file(write("d", "s3cret-0123456789\n\n"))).rfind("ERROR: ", 0), 0u);
  EXPECT_NE(resolve(file(write("e", "two-0123456789\nlines-0123456789\n")))
                .find("holds a control character"),
            std::string::npos);
  EXPECT_NE(resolve(file(write("f", "tab-0123456789\there"))).find("holds a control character"),
            std::string::npos);
  const std::string empty = write("g", "");
  EXPECT_EQ(resolve(file(empty)), "ERROR: file " + empty + " is empty");
  const std::string newline_only = write("h", "\n");
  EXPECT_EQ(resolve(file(newline_only)), "ERROR: file " + newline_only + " is empty");
}

TEST_F(SecretTest, FilesThatAreNotUsable) {
  const std::string missing = (dir_ / "missing").string();
  EXPECT_EQ(resolve(file(missing)),
            "ERROR: secret file " + missing + " is not a readable regular file");
  EXPECT_EQ(resolve(file(dir_.string())),
            "ERROR: secret file " + dir_.string() + " is not a readable regular file");
  const std::string big = write("big", std::string(64 * 1024 + 1, 'x'));
  EXPECT_EQ(resolve(file(big)), "ERROR: secret file " + big + " is larger than 64 KiB");
  const std::string limit = write("limit", std::string(64 * 1024, 'x'));
  EXPECT_EQ(resolve(file(limit)).size(), 64u * 1024u);
  if (geteuid() != 0) {  // root reads anything
    const std::string locked = write("locked", "s3cret\n");
    chmod(locked.c_str(), 0);
    EXPECT_EQ(resolve(file(locked)).rfind("ERROR: cannot read secret file " + locked, 0), 0u);
  }
}

TEST_F(SecretTest, InlineValueAndNothing) {
  EXPECT_EQ(resolve(SecretSource{"", "", "inline-0123456789"}), "inline-0123456789");
  EXPECT_EQ(resolve(SecretSource{}), "ERROR: no secret is configured");
  // The environment wins over the others if several were set (the loader
  // refuses such a configuration; resolve_secret still picks one).
  setenv("DRPILOT_TEST_SECRET", "from-env-0123456789", 1);
  EXPECT_EQ(resolve(SecretSource{"DRPILOT_TEST_SECRET", "", "inline-0123456789"}),
            "from-env-0123456789");
}

TEST_F(SecretTest, SecretsShorterThan16BytesAreRefused) {
  EXPECT_EQ(resolve(SecretSource{"", "", "0123456789abcde"}),
            "ERROR: the configuration holds 15 bytes; a secret needs at least 16 (make one with: "
            "openssl rand -hex 16)");
  EXPECT_EQ(resolve(SecretSource{"", "", "0123456789abcdef"}), "0123456789abcdef");
  const std::string short_file = write("short", "hunter2\n");
  EXPECT_NE(resolve(file(short_file)).find("file " + short_file + " holds 7 bytes"),
            std::string::npos);
  setenv("DRPILOT_TEST_SECRET", "abc", 1);
  EXPECT_NE(resolve(env("DRPILOT_TEST_SECRET")).find("holds 3 bytes"), std::string::npos);
}

// Warnings, never errors: a secret file, the API's TLS key or a configuration
// holding secrets itself that others can read.
TEST_F(SecretTest, SecretsOthersCanReadAreWarnedAbout) {
  const std::string api = write("api.token", "0123456789abcdef\n");
  const std::string agent = write("agent.key", "0123456789abcdef\n");
  const std::string tls_key = write("api.key", "not parsed here");
  const std::string cfg_path = write("drpilot.yaml", "");
  Config c;
  c.path = cfg_path;
  c.api_tokens.push_back({"alice", ApiRole::operator_role, file(api)});
  c.api_tokens.push_back({"grafana", ApiRole::read, SecretSource{"", "", "inline-0123456789"}});
  c.agents.push_back({});
  c.agents.back().name = "ams-1";
  c.agents.back().key = file(agent);
  c.api_tls_key_file = tls_key;
  for (const std::string& p : {api, agent, tls_key, cfg_path}) chmod(p.c_str(), 0600);
  EXPECT_TRUE(secret_warnings(c).empty());

  chmod(api.c_str(), 0644);
  chmod(tls_key.c_str(), 0640);
  chmod(cfg_path.c_str(), 0604);
  std::vector<std::string> w = secret_warnings(c);
  ASSERT_EQ(w.size(), 3u) << ::testing::PrintToString(w);
  EXPECT_EQ(w[0],
            "API token 'alice': " + api + " can be read by others (mode 0644); chmod 600 " + api);
  EXPECT_EQ(w[1], "the API's TLS key: " + tls_key +
                      " can be read by others (mode 0640); chmod 600 " + tls_key);
  EXPECT_NE(w[2].find("the configuration " + cfg_path + " holds secrets itself"), std::string::npos)
      << w[2];
  // A configuration without inline secrets may be readable: it holds none.
  c.api_tokens.pop_back();
  EXPECT_EQ(secret_warnings(c).size(), 2u);
}

}  // namespace
}  // namespace drpilot::config
