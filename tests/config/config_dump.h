#pragma once
// A complete, readable rendering of a Config, one value per line, so tests can
// compare two configurations (and show the difference) in a single assertion.

#include <string>
#include <vector>

#include "config/config.h"

namespace drpilot::config::testing {

inline std::string join(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  return s + "]";
}

inline std::string join(const std::vector<int>& v) {
  std::vector<std::string> s;
  for (int x : v) s.push_back(std::to_string(x));
  return join(s);
}

inline std::string join(const std::vector<Endpoint>& v) {
  std::vector<std::string> s;
  for (const Endpoint& e : v) s.push_back(e.to_string());
  return join(s);
}

inline std::string dump(const Config& c) {
  std::string o;
  auto line = [&](const std::string& k, const std::string& v) { o += k + "=" + v + "\n"; };
  auto ms = [](core::Duration d) { return std::to_string(d.count()) + "ms"; };
  line("vantage", c.vantage);
  line("freshness", ms(c.freshness));
  line("journal_path", c.journal_path);
  line("api_listen", c.api_listen.to_string());
  line("dns.enabled", c.dns.enabled ? "true" : "false");
  line("dns.listen", join(c.dns.listen));
  line("dns.udp_threads", std::to_string(c.dns.udp_threads));
  line("dns.tcp_idle_timeout", ms(c.dns.tcp_idle_timeout));
  line("dns.tcp_max_lifetime", ms(c.dns.tcp_max_lifetime));
  for (const core::ZoneSpec& z : c.dns.zones) {
    const std::string p = "zone[" + z.name + "].";
    line(p + "ttl", std::to_string(z.ttl));
    for (const core::NameServer& ns : z.ns) line(p + "ns[" + ns.name + "]", join(ns.addresses));
    line(p + "soa", z.soa_mname + " " + z.soa_rname + " " + std::to_string(z.soa_refresh) + " " +
                        std::to_string(z.soa_retry) + " " + std::to_string(z.soa_expire) + " " +
                        std::to_string(z.soa_minimum));
  }
  line("policy.failback", std::string(core::to_string(c.policy.failback)));
  line("policy.hold_down", ms(c.policy.hold_down));
  line("policy.min_interval", ms(c.policy.min_interval));
  line("policy.flap_window", ms(c.policy.flap_window));
  line("policy.flap_max_changes", std::to_string(c.policy.flap_max_changes));
  for (const CheckConfig& k : c.checks) {
    const std::string p = "check[" + k.name + "].";
    line(p + "kind", k.kind == CheckKind::http    ? "http"
                     : k.kind == CheckKind::https ? "https"
                                                  : "tcp");
    line(p + "port", std::to_string(k.port));
    line(p + "path", k.path);
    line(p + "host", k.host);
    line(p + "expect_status", join(k.expect_status));
    line(p + "expect_body", k.expect_body);
    line(p + "interval", ms(k.interval));
    line(p + "edge_interval", ms(k.edge_interval));
    line(p + "jitter", std::to_string(k.jitter_percent));
    line(p + "connect_timeout", ms(k.connect_timeout));
    line(p + "timeout", ms(k.timeout));
    line(p + "rise", std::to_string(k.hysteresis.rise));
    line(p + "fall", std::to_string(k.hysteresis.fall));
    line(p + "tls_verify", k.tls_verify ? "true" : "false");
    line(p + "address", k.address);
  }
  for (const SiteConfig& s : c.sites) {
    const std::string p = "site[" + s.spec.name + "].";
    line(p + "ipv4", join(s.spec.ipv4));
    line(p + "ipv6", join(s.spec.ipv6));
    line(p + "priority", std::to_string(s.spec.priority));
    line(p + "weight", std::to_string(s.spec.weight));
    line(p + "check_address", s.check_address);
    line(p + "checks", join(s.checks));
  }
  for (const core::RecordSpec& r : c.records) {
    const std::string p = "record[" + r.key() + "].";
    line(p + "mode", std::string(core::to_string(r.mode)));
    line(p + "ttl", std::to_string(r.ttl));
    line(p + "sites", join(r.sites));
    line(p + "all_down", std::string(core::to_string(r.all_down)));
  }
  for (const ApiToken& t : c.api_tokens) {
    line("api.token[" + t.name + "]",
         std::string(t.role == ApiRole::read ? "read " : "operator ") + t.secret.describe());
  }
  line("api.read_token_required", c.api_read_token_required ? "true" : "false");
  line("api.tls", c.api_tls_certificate_file + " " + c.api_tls_key_file);
  for (const ProviderConfig& p : c.providers) {
    const std::string k = "provider[" + p.name + "].";
    line(k + "kind", std::string(to_string(p.kind)));
    line(k + "endpoint", p.endpoint);
    line(k + "token", p.token.describe());
    line(k + "timeout", ms(p.timeout));
    line(k + "retry_max", ms(p.retry_max));
    line(k + "tls_verify", p.tls_verify ? "true" : "false");
    line(k + "domain", p.domain + " id " + std::to_string(p.domain_id));
    for (const ProviderRecord& r : p.records) {
      line(k + "record", r.name + " " + (r.type ? std::string(core::to_string(*r.type)) : "*") +
                             " id " + std::to_string(r.record_id));
    }
    line(k + "load_balancer", p.load_balancer_id + " follows " + p.record);
    for (const LbMember& m : p.members) {
      std::vector<std::string> ids;
      for (std::int64_t id : m.droplet_ids) ids.push_back(std::to_string(id));
      line(k + "member[" + m.site + "]", join(ids));
    }
  }
  for (const auto* list : {&c.hooks.pre_change, &c.hooks.post_change}) {
    const std::string k = list == &c.hooks.pre_change ? "hooks.pre_change" : "hooks.post_change";
    for (const HookCommand& h : *list) line(k, join(h.command) + " timeout " + ms(h.timeout));
  }
  line("hooks.veto_retry", ms(c.hooks.veto_retry));
  line("lab.enabled", c.lab.enabled ? "true" : "false");
  line("lab.control", c.lab.control.to_string());
  for (const LabSite& s : c.lab.sites) line("lab.site[" + s.name + "]", s.listen.to_string());
  return o;
}

}  // namespace drpilot::config::testing
