#pragma once
// The typed, validated configuration. Only `load_config_*` make one, and they
// either return a complete Config or errors as "file:line:col: message"; a
// half-valid configuration never exists.

#include <optional>
#include <string>
#include <vector>

#include "config/values.h"
#include "core/engine.h"
#include "core/spec.h"

namespace drpilot::config {

enum class CheckKind { http, https, tcp };

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
  bool operator==(const CheckConfig&) const = default;
};

struct SiteConfig {
  core::SiteSpec spec;
  std::string check_address;
  std::vector<std::string> checks;
};

struct DnsConfig {
  bool enabled = false;
  std::vector<Endpoint> listen;
  int udp_threads = 0;
  core::Duration tcp_idle_timeout{10'000};
  std::vector<core::ZoneSpec> zones;
};

struct LabSite {
  std::string name;
  Endpoint listen;
};

struct LabConfig {
  bool enabled = false;
  Endpoint control{"127.0.0.1", 8079};
  std::vector<LabSite> sites;
};

struct Config {
  std::string path;  // the file it came from
  std::string vantage = "controller";
  core::Duration freshness{5000};
  std::string journal_path;  // resolved against the file's directory
  Endpoint api_listen{"127.0.0.1", 8080};
  DnsConfig dns;
  core::Policy policy;
  std::vector<CheckConfig> checks;
  std::vector<SiteConfig> sites;
  std::vector<core::RecordSpec> records;
  LabConfig lab;

  const CheckConfig* find_check(const std::string& name) const;
  const SiteConfig* find_site(const std::string& name) const;
  std::vector<core::SiteSpec> site_specs() const;
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
