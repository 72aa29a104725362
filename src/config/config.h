#pragma once
// The typed, validated configuration. Only `load_config_*` make one, and they
// either return a complete Config or errors as "file:line:col: message"; a
// half-valid configuration never exists.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/values.h"
#include "core/engine.h"
#include "core/spec.h"

namespace drpilot::config {

enum class CheckKind { http, https, tcp, dynamodb };
enum class DynamoCheck { describe, sentinel };

struct CheckConfig {
  std::string name;
  CheckKind kind = CheckKind::http;
  std::uint16_t port = 80;
  std::string path = "/";
  std::string host;  // Host header / SNI; empty = the target address
  std::vector<int> expect_status{200};
  std::string expect_body;
  core::Duration interval{5000};
  core::Duration edge_interval{1666};
  int jitter_percent = 10;
  core::Duration connect_timeout{1000};
  core::Duration timeout{2000};
  core::Hysteresis hysteresis;
  bool tls_verify = true;
  std::string address;  // empty = the site's check_address
  // dynamodb checks (attached to data regions): describe the table (it and
  // every replica ACTIVE), or read the sentinel item (it must exist).
  DynamoCheck operation = DynamoCheck::describe;
  std::string table;
  std::string key_json;  // sentinel: the item's key in DynamoDB JSON, {"pk": {"S": "..."}}
  bool operator==(const CheckConfig&) const = default;
};

struct SiteConfig {
  core::SiteSpec spec;
  std::string check_address;
  std::vector<std::string> checks;
  std::vector<std::string> data_regions;  // preferred first (the local one)
};

struct DnsConfig {
  bool enabled = false;
  std::vector<Endpoint> listen;
  int udp_threads = 0;
  core::Duration tcp_idle_timeout{10'000};
  core::Duration tcp_max_lifetime{120'000};
  std::vector<core::ZoneSpec> zones;
};

struct LabSite {
  std::string name;
  Endpoint listen;
};

// A data region in the lab: a DynamoDB-compatible server (dynalite) behind a
// replicating proxy listening here.
struct LabDataRegion {
  std::string name;  // one of data_regions[]
  Endpoint listen;
};

struct LabConfig {
  bool enabled = false;
  Endpoint control{"127.0.0.1", 8079};
  std::vector<LabSite> sites;
  std::vector<LabDataRegion> data_regions;
  core::Duration replication_delay{300};  // how late a write reaches the other regions
};

// One replica of the data: an AWS region's DynamoDB (or any compatible endpoint).
struct DataRegionConfig {
  std::string name;                 // "eu-west-1"
  std::string region;               // AWS region for signing; defaults to name
  std::string endpoint;             // empty: https://dynamodb.<region>.amazonaws.com
  std::vector<std::string> checks;  // dynamodb checks of this region
  bool operator==(const DataRegionConfig&) const = default;
};

enum class WriteMode { any, single };

// Tables replicated together, with one write mode.
struct TableGroupConfig {
  std::string name;
  std::vector<std::string> tables;
  WriteMode write_mode = WriteMode::single;
  std::vector<std::string>
      primary_order;                 // single: write-primary preference; default data_regions order
  core::Duration rpo_budget{5'000};  // lag that a move of the write-primary accepts
  core::Duration primary_grace{120'000};  // down this long, the primary moves whatever the lag
  // The canary: a heartbeat item per region, read back in every other region.
  std::string canary_table;       // empty: no canary for this group
  std::string canary_key = "pk";  // its string hash key attribute
  core::Duration canary_interval{1'000};
  core::Duration lag_window{300'000};  // p50 / max over this window
  bool operator==(const TableGroupConfig&) const = default;
};

struct AwsConfig {
  std::string profile;           // empty: AWS_PROFILE, else default
  std::string credentials_file;  // empty: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials
  bool operator==(const AwsConfig&) const = default;
};

// Where a secret comes from. Exactly one is set; the value itself is read by
// resolve_secret() (secrets.h) and never stored in the Config.
struct SecretSource {
  std::string env;    // the name of an environment variable
  std::string file;   // a file whose content (trailing newline removed) is the secret
  std::string value;  // written in the configuration itself (fine for a demo only)
  bool empty() const { return env.empty() && file.empty() && value.empty(); }
  // "environment variable LINODE_TOKEN", "file /etc/drpilot/do.token", "the configuration".
  std::string describe() const;
  bool operator==(const SecretSource&) const = default;
};

enum class ProviderKind { linode_dns, digitalocean_dns, digitalocean_lb, webhook };
std::string_view to_string(ProviderKind k);

// One record a DNS provider publishes, and how it is found at the provider.
struct ProviderRecord {
  std::string name;                      // a drpilot record's name
  std::optional<core::RecordType> type;  // absent: every configured type of that name
  std::int64_t record_id = 0;            // Linode: manage exactly this record (0: find by name)
  bool operator==(const ProviderRecord&) const = default;
};

// Which droplets stand for a site behind a DigitalOcean load balancer.
struct LbMember {
  std::string site;
  std::vector<std::int64_t> droplet_ids;
  bool operator==(const LbMember&) const = default;
};

struct ProviderConfig {
  std::string name;
  ProviderKind kind = ProviderKind::webhook;
  std::string endpoint;  // API base URL (or the webhook's URL); defaults per kind
  SecretSource token;    // bearer token, or the webhook's HMAC key
  core::Duration timeout{10'000};
  core::Duration retry_max{60'000};         // the longest backoff between failed attempts
  core::Duration retry_after_max{300'000};  // the longest server-asked wait honoured
  bool tls_verify = true;
  // DNS kinds: the provider's zone, and the records published in it (empty:
  // every configured record inside `domain`).
  std::string domain;
  std::int64_t domain_id = 0;  // Linode: skip the lookup by name
  std::vector<ProviderRecord> records;
  // digitalocean_lb: the load balancer, the record whose answer decides which
  // sites are members, and each site's droplets.
  std::string load_balancer_id;
  std::string record;
  std::vector<LbMember> members;
  bool operator==(const ProviderConfig&) const = default;
};

// A command run around each change of the world; see hooks in docs/providers.md.
struct HookCommand {
  std::vector<std::string> command;  // argv; no shell
  core::Duration timeout{10'000};
  bool operator==(const HookCommand&) const = default;
};

struct HooksConfig {
  std::vector<HookCommand> pre_change;   // a non-zero exit vetoes the change
  std::vector<HookCommand> post_change;  // after every provider verified it
  core::Duration veto_retry{30'000};     // a vetoed change is put to the hooks again after this
  // The controller's environment variables passed on to the hooks, besides
  // PATH, HOME and LANG (nothing else of its environment is).
  std::vector<std::string> environment;
  bool operator==(const HooksConfig&) const = default;
};

// An agent beside the application in a site (drpilot agent -c FILE --name NAME).
struct AgentConfig {
  std::string name;  // its vantage name
  std::string site;
  SecretSource key;                      // shared HMAC key with the controllers
  std::vector<std::string> controllers;  // controllers' API base URLs
  std::string controller_ca_file;        // trusted for https controllers; empty: the system's
  core::Duration report_interval{1'000};
  Endpoint listen{"127.0.0.1", 8091};  // its /healthz
  std::string template_path;           // rendered with the site's assignment ({{...}})
  std::string output_path;             // written atomically
  bool follow_symlink = false;         // an output that is a symbolic link is refused unless set
  std::vector<std::string> reload;     // run after the output changed; no shell
  core::Duration reload_timeout{10'000};
  std::vector<std::string> reload_environment;  // passed on to reload, besides PATH, HOME, LANG
  // The other sites whose checks it runs too, from outside them; nullopt:
  // every other site.
  std::optional<std::vector<std::string>> cross_check;
  bool operator==(const AgentConfig&) const = default;
};

// Who may use the API, and for what.
enum class ApiRole { read, operator_role };
struct ApiToken {
  std::string name;  // what the journal names as who gave a command
  ApiRole role = ApiRole::operator_role;
  SecretSource secret;
  bool operator==(const ApiToken&) const = default;
};

// One controller of a cluster.
struct ClusterMember {
  std::string name;
  std::string api;                     // its API's base URL
  std::optional<Endpoint> api_listen;  // absent: the URL's host and port
  std::vector<Endpoint> dns;           // empty: dns.listen
  std::string journal;                 // empty: journal.path
  bool operator==(const ClusterMember&) const = default;
};

struct EtcdConfig {
  std::vector<std::string> endpoints;
  std::string prefix = "/drpilot/";
  core::Duration lease_ttl{2'000};
  core::Duration apply_deadline{500};
  int clock_rate_bound_percent = 1;
  core::Duration timeout{1'000};
  std::string ca_file, certificate_file, key_file;
  std::string user;
  SecretSource password;  // with a user
  bool operator==(const EtcdConfig&) const = default;
};

// Several controllers acting as one; absent (no members): a lone controller.
struct ClusterConfig {
  std::vector<ClusterMember> members;
  EtcdConfig etcd;
  // Members' wall clocks further apart than this are warned about.
  core::Duration max_clock_skew{1'000};
  bool enabled() const { return !members.empty(); }
  const ClusterMember* find(const std::string& name) const;
  bool operator==(const ClusterConfig&) const = default;
};

// A secret the configuration names and what it is for ("API token 'alice'").
struct NamedSecret {
  std::string what;
  const SecretSource* source;
};

struct Config {
  std::string path;  // the file it came from
  std::string vantage = "controller";
  core::Duration freshness{5000};
  int check_threads = 0;     // 0: one per 15,000 checks a second, at most one per core and 4
  std::string journal_path;  // resolved against the file's directory
  core::Duration journal_max_age{90LL * 24 * 3'600'000};   // 0: events kept for ever
  long long journal_max_size_mb = 1024;                    // 0: no bound
  core::Duration journal_integrity_check_timeout{10'000};  // 0: not checked
  Endpoint api_listen{"127.0.0.1", 8080};
  // Names the API answers to in the Host header (besides its listen address,
  // and localhost when that is loopback): DNS rebinding gets 421.
  std::vector<std::string> api_host_names;
  DnsConfig dns;
  core::Policy policy;
  std::vector<CheckConfig> checks;
  std::vector<SiteConfig> sites;
  std::vector<core::RecordSpec> records;
  std::vector<ProviderConfig> providers;
  HooksConfig hooks;
  AwsConfig aws;
  std::vector<DataRegionConfig> data_regions;
  std::vector<TableGroupConfig> table_groups;
  std::vector<AgentConfig> agents;
  // api.token* (named "operator") then api.tokens[]; no operator token: the
  // operator commands are refused.
  std::vector<ApiToken> api_tokens;
  bool api_read_token_required = false;  // status and history need a token too
  std::string api_tls_certificate_file;  // non-empty: the API speaks HTTPS
  std::string api_tls_key_file;
  ClusterConfig cluster;
  LabConfig lab;

  // Every secret named here: API tokens, provider tokens, agent keys.
  std::vector<NamedSecret> secrets() const;
  const CheckConfig* find_check(const std::string& name) const;
  const SiteConfig* find_site(const std::string& name) const;
  const DataRegionConfig* find_data_region(const std::string& name) const;
  const AgentConfig* find_agent(const std::string& name) const;
  std::vector<core::SiteSpec> site_specs() const;
  // The configuration as cluster member `name` runs it: the name is its
  // vantage, the member's API and DNS addresses are where it listens. An
  // error (and nothing changed) when the cluster has no such member, or
  // `name` is empty while the file has a cluster.
  std::string run_as_member(const std::string& name);
  // The addresses an answer of `sites` publishes for `rec`, in answer order.
  std::vector<std::string> addresses(const core::RecordSpec& rec,
                                     const std::vector<std::string>& sites) const;
  // Everything the engine needs: sites, records, one target per site x check.
  core::EngineSpec engine_spec() const;
};

struct ConfigError {
  std::string file;
  int line = 0;  // 1-based; 0 when the error has no position (file unreadable)
  int column = 0;
  std::string message;
  std::string to_string() const;  // "file:line:col: message"
};

struct LoadResult {
  std::optional<Config> config;
  std::vector<ConfigError> errors;
  bool ok() const { return config.has_value(); }
  std::string error_text() const;  // every error, one per line
};

LoadResult load_config_file(const std::string& path);
// `name` is used in messages; relative paths resolve against `base_dir`.
LoadResult load_config_string(const std::string& text, const std::string& name,
                              const std::string& base_dir);

}  // namespace drpilot::config
