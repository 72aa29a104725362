// Builds a Config from YAML: schema-checked reads (yaml_reader) and then the
// cross-references the schema cannot express (names that must exist, names
// that must be unique, records inside zones).

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/limits.h"
#include "config/yaml_reader.h"
#include "core/leader_lease.h"

namespace drpilot::config {
namespace {

namespace fs = std::filesystem;

// Text that goes into an HTTP request line or header: a space, CR, LF or NUL
// there would let the configuration smuggle a second header or request.
bool has_space_or_control(const std::string& s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return true;
  }
  return false;
}

// The 0-based line of a marker that starts a second YAML document: a '---'
// or '...' at the start of a line that follows content, followed by more
// content. -1 when the text holds at most one document. A line-based scan,
// because yaml-cpp's multi-document parser can loop forever on some inputs.
int second_document_line(const std::string& text) {
  auto marker = [&](size_t pos, size_t end, const char* m) {
    return text.compare(pos, 3, m) == 0 && (end == pos + 3 || text[pos + 3] == ' ' ||
                                            text[pos + 3] == '\t' || text[pos + 3] == '\r');
  };
  bool content = false;  // a line of the first document that is not a comment
  int pending = -1;      // a document marker after content, waiting for more content
  int line = 0;
  for (size_t pos = 0; pos < text.size(); ++line) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const size_t first = text.find_first_not_of(" \t\r", pos);
    // Comments, and directives (%YAML) before the first document, are not content.
    const bool blank = first == std::string::npos || first >= end || text[first] == '#' ||
                       (!content && text[first] == '%');
    if (marker(pos, end, "---") || marker(pos, end, "...")) {
      if (content && pending < 0) pending = line;
      // "--- value" holds content on the marker's own line.
      const size_t after = text.find_first_not_of(" \t\r", pos + 3);
      if (after != std::string::npos && after < end && text[after] != '#') {
        if (pending >= 0 && pending != line) return pending;
        if (pending == line) return line;
        content = true;
      }
    } else if (!blank) {
      if (pending >= 0) return pending;
      content = true;
    }
    pos = end + 1;
  }
  return -1;
}

bool inside_zone(const std::string& name, const std::string& zone) {
  if (name == zone) return true;
  return name.size() > zone.size() &&
         name.compare(name.size() - zone.size(), zone.size(), zone) == 0 &&
         name[name.size() - zone.size() - 1] == '.';
}

class Loader {
 public:
  Loader(std::string file, std::string base_dir) : errors_(file), base_dir_(std::move(base_dir)) {
    cfg_.path = std::move(file);
  }

  LoadResult load(const std::string& text) {
    YAML::Node root;
    // Everything in the file is configuration: text after a second document
    // marker is refused, never silently dropped.
    if (const int second = second_document_line(text); second >= 0) {
      YAML::Mark at;
      at.line = second;
      at.column = 0;
      errors_.add(at,
                  "the file holds more than one YAML document (after a '---' or '...'); "
                  "drpilot reads exactly one, so merge them or remove the separator");
      return finish();
    }
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      errors_.add(e.mark, "YAML syntax error: " + e.msg);
      return finish();
    }
    if (!root.IsDefined() || root.IsNull()) {
      errors_.add(root.IsDefined() ? root.Mark() : YAML::Mark(), "the configuration is empty");
      return finish();
    }
    SectionReader r(root, root_schema(), "", errors_);
    if (!r.valid()) return finish();
    read_controller(r);
    read_journal(r);
    read_api(r);
    read_dns(r);
    read_policy(r);
    read_checks(r);
    read_sites(r);
    read_records(r);
    read_providers(r);
    read_hooks(r);
    read_aws(r);
    read_data_regions(r);
    read_table_groups(r);
    read_agents(r);
    read_cluster(r);
    read_lab(r);
    if (errors_.empty()) cross_check(r);
    derive_defaults();
    return finish();
  }

 private:
  LoadResult finish() {
    LoadResult res;
    res.errors = errors_.take();
    if (res.errors.empty()) res.config = std::move(cfg_);
    return res;
  }

  void read_controller(SectionReader& root) {
    auto s = root.section("controller");
    if (!s) {
      SectionReader empty(YAML::Load("{}"), *root_schema().find("controller")->section,
                          "controller", errors_);
      cfg_.vantage = empty.identifier("vantage").value_or("controller");
      return;
    }
    if (auto v = s->identifier("vantage")) cfg_.vantage = *v;
    if (s->has("freshness")) explicit_freshness_ = s->duration("freshness");
    if (auto v = s->integer("check_threads")) cfg_.check_threads = static_cast<int>(*v);
    controller_reader_.emplace(*s);
  }

  void read_journal(SectionReader& root) {
    std::string path = "drpilot-journal.db";
    if (auto s = root.section("journal")) {
      if (auto p = s->string("path")) {
        if (p->empty()) {
          s->error("path", "'path' cannot be empty");
        } else {
          path = *p;
        }
      }
      if (auto v = s->duration("max_age")) cfg_.journal_max_age = *v;
      if (auto v = s->integer("max_size_mb")) cfg_.journal_max_size_mb = *v;
      if (auto v = s->duration("integrity_check_timeout")) {
        cfg_.journal_integrity_check_timeout = *v;
      }
    }
    fs::path p(path);
    if (p.is_relative()) p = fs::path(base_dir_) / p;
    cfg_.journal_path = p.lexically_normal().string();
  }

  void read_api(SectionReader& root) {
    if (auto s = root.section("api")) {
      if (!s->valid()) return;
      if (auto e = s->endpoint("listen", SectionReader::Port::zero_allowed)) cfg_.api_listen = *e;
      if (SecretSource legacy = read_secret(*s, false); !legacy.empty()) {
        cfg_.api_tokens.push_back({"operator", ApiRole::operator_role, legacy});
      }
      read_api_tokens(*s);
      if (auto v = s->boolean("read_token_required")) cfg_.api_read_token_required = *v;
      read_api_tls(*s);
      if (s->has("host_names")) {
        if (auto names = s->string_list("host_names")) {
          for (const std::string& n : *names) {
            std::string err;
            if (is_ipv4(n) || is_ipv6(n)) {
              cfg_.api_host_names.push_back(n);
            } else if (auto dn = normalize_dns_name(n, err)) {
              cfg_.api_host_names.push_back(*dn);
            } else {
              s->error("host_names", "'host_names': " + err);
            }
          }
        }
      }
    }
  }

  void read_api_tokens(SectionReader& api) {
    std::set<std::string> names;
    for (const ApiToken& t : cfg_.api_tokens) names.insert(t.name);
    for (SectionReader& t : api.items("tokens")) {
      if (!t.valid()) continue;
      ApiToken token;
      if (auto n = t.string("name")) {
        token.name = *n;
        const bool ok = !n->empty() && n->size() <= 64 &&
                        n->find_first_not_of(
                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "0123456789._-@") == std::string::npos;
        if (!ok) {
          t.error("name",
                  "'name' must be 1 to 64 letters, digits, '.', '_', '-' or '@' (it is "
                  "journaled as who gave a command)");
        } else if (!names.insert(*n).second) {
          t.error("name", "another API token is named '" + *n +
                              "' (the legacy api.token is named 'operator')");
        }
      }
      if (auto r = t.choice("role"))
        token.role = *r == "read" ? ApiRole::read : ApiRole::operator_role;
      token.secret = read_secret(t, true);
      cfg_.api_tokens.push_back(std::move(token));
    }
  }

  void read_api_tls(SectionReader& api) {
    auto file = [&](const char* key) {
      auto v = api.has(key) ? api.string(key) : std::nullopt;
      if (v && v->empty()) api.error(key, std::string("'") + key + "' cannot be empty");
      return v && !v->empty() ? resolve_path(*v) : std::string();
    };
    cfg_.api_tls_certificate_file = file("tls_certificate_file");
    cfg_.api_tls_key_file = file("tls_key_file");
    if (cfg_.api_tls_certificate_file.empty() != cfg_.api_tls_key_file.empty()) {
      api.error_here(
          "api: tls_certificate_file and tls_key_file go together (set both or neither)");
    }
  }

  // token / token_env / token_file: at most one, or exactly one when required.
  // <kind> / <kind>_env / <kind>_file: at most one, or exactly one when required.
  SecretSource read_secret(SectionReader& s, bool required, const std::string& kind = "token") {
    const std::string env_key = kind + "_env", file_key = kind + "_file";
    SecretSource src;
    int given = 0;
    if (s.has(env_key)) {
      if (auto v = s.string(env_key)) {
        src.env = *v;
        if (v->empty() || v->find_first_of("= \t") != std::string::npos) {
          s.error(env_key, "'" + env_key + "' must be the name of an environment variable");
        }
      }
      ++given;
    }
    if (s.has(file_key)) {
      if (auto v = s.string(file_key)) {
        if (v->empty()) {
          s.error(file_key, "'" + file_key + "' cannot be empty");
        } else {
          src.file = resolve_path(*v);
        }
      }
      ++given;
    }
    if (s.has(kind)) {
      if (auto v = s.string(kind)) {
        src.value = *v;
        if (v->empty()) s.error(kind, "'" + kind + "' cannot be empty");
      }
      ++given;
    }
    if (given > 1) {
      s.error_here("set only one of " + kind + ", " + env_key + " and " + file_key + " in " +
                   s.where());
    } else if (given == 0 && required) {
      s.error_here(s.where() + " needs one of " + env_key + ", " + file_key + " or " + kind);
    }
    return src;
  }

  // Relative paths in the file are relative to the file, not the working directory.
  std::string resolve_path(const std::string& path) const {
    fs::path p(path);
    if (p.is_relative()) p = fs::path(base_dir_) / p;
    return p.lexically_normal().string();
  }

  void read_providers(SectionReader& root) {
    std::set<std::string> names;
    for (SectionReader& p : root.items("providers")) {
      if (!p.valid()) continue;
      ProviderConfig pc;
      auto name = p.identifier("name");
      auto type = p.choice("type");
      if (!name || !type) continue;
      pc.name = *name;
      if (!names.insert(pc.name).second)
        p.error("name", "provider '" + pc.name + "' is defined twice");
      if (pc.name == "embedded-dns") {
        p.error("name", "'embedded-dns' is the name of the built-in DNS server; choose another");
      }
      pc.kind = *type == "linode_dns"         ? ProviderKind::linode_dns
                : *type == "digitalocean_dns" ? ProviderKind::digitalocean_dns
                : *type == "digitalocean_lb"  ? ProviderKind::digitalocean_lb
                                              : ProviderKind::webhook;
      const bool dns =
          pc.kind == ProviderKind::linode_dns || pc.kind == ProviderKind::digitalocean_dns;
      const bool lb = pc.kind == ProviderKind::digitalocean_lb;
      // Keys of other kinds are mistakes worth pointing at, not silently ignored.
      auto only = [&](const char* key, bool allowed, const char* kinds) {
        if (p.has(key) && !allowed) {
          p.error(key, std::string("'") + key + "' applies only to " + kinds + " providers");
          return false;
        }
        return p.has(key);
      };
      if (p.has("endpoint")) {
        if (auto e = p.string("endpoint")) {
          std::string err;
          if (!valid_url(*e, err)) p.error("endpoint", "'endpoint': " + err);
          pc.endpoint = *e;
        }
      } else if (pc.kind == ProviderKind::webhook) {
        p.error_here("webhook provider '" + pc.name + "' needs an 'endpoint' (the URL to POST to)");
      } else {
        pc.endpoint = pc.kind == ProviderKind::linode_dns ? "https://api.linode.com/v4"
                                                          : "https://api.digitalocean.com/v2";
      }
      pc.token = read_secret(p, true);
      if (auto v = p.duration("timeout")) pc.timeout = *v;
      if (auto v = p.duration("retry_max")) pc.retry_max = *v;
      if (auto v = p.duration("retry_after_max")) pc.retry_after_max = *v;
      if (auto v = p.boolean("tls_verify")) pc.tls_verify = *v;
      if (only("domain", dns, "linode_dns and digitalocean_dns")) {
        pc.domain = p.dns_name("domain").value_or("");
      }
      if (only("domain_id", pc.kind == ProviderKind::linode_dns, "linode_dns")) {
        pc.domain_id = p.integer("domain_id").value_or(0);
      }
      if (dns && pc.domain.empty() && pc.domain_id == 0) {
        p.error_here(std::string("provider '") + pc.name + "' needs a 'domain'" +
                     (pc.kind == ProviderKind::linode_dns ? " or a 'domain_id'" : ""));
      }
      if (only("records", dns, "linode_dns and digitalocean_dns")) {
        for (SectionReader& r : p.items("records")) {
          if (!r.valid()) continue;
          ProviderRecord pr;
          auto n = r.dns_name("name");
          if (!n) continue;
          pr.name = *n;
          if (r.has("type")) {
            if (auto t = r.choice("type")) {
              pr.type = *t == "AAAA" ? core::RecordType::AAAA : core::RecordType::A;
            }
          }
          if (r.has("record_id")) {
            if (pc.kind != ProviderKind::linode_dns) {
              r.error("record_id", "'record_id' applies only to linode_dns providers");
            } else if (!pr.type) {
              r.error("record_id", "'record_id' needs a 'type': one Linode record has one type");
            }
            pr.record_id = r.integer("record_id").value_or(0);
          }
          provider_record_readers_[pc.name].push_back(r);
          pc.records.push_back(std::move(pr));
        }
      }
      if (only("load_balancer_id", lb, "digitalocean_lb")) {
        pc.load_balancer_id = p.string("load_balancer_id").value_or("");
        if (pc.load_balancer_id.empty() || pc.load_balancer_id.find('/') != std::string::npos) {
          p.error("load_balancer_id", "'load_balancer_id' must be a load balancer id");
        }
      }
      if (only("record", lb, "digitalocean_lb")) pc.record = p.dns_name("record").value_or("");
      if (only("members", lb, "digitalocean_lb")) {
        for (SectionReader& m : p.items("members")) {
          if (!m.valid()) continue;
          LbMember member;
          auto site = m.identifier("site");
          auto ids = m.int_list("droplet_ids");
          if (!site || !ids) continue;
          member.site = *site;
          for (long long id : *ids) {
            if (id <= 0) m.error("droplet_ids", "'droplet_ids' must be positive droplet ids");
            member.droplet_ids.push_back(id);
          }
          member_readers_[pc.name].push_back(m);
          pc.members.push_back(std::move(member));
        }
      }
      if (lb) {
        for (const char* k : {"load_balancer_id", "record", "members"}) {
          if (!p.has(k)) {
            p.error_here("digitalocean_lb provider '" + pc.name + "' needs '" + k + "'");
          }
        }
      }
      provider_readers_.push_back(p);
      cfg_.providers.push_back(std::move(pc));
    }
  }

  std::vector<HookCommand> read_hook_list(SectionReader& hooks, const char* key) {
    std::vector<HookCommand> out;
    for (SectionReader& h : hooks.items(key)) {
      if (!h.valid()) continue;
      HookCommand c;
      if (auto cmd = h.string_list("command")) {
        c.command = *cmd;
        if (!c.command.empty() && c.command.front().empty()) {
          h.error("command", "'command' must start with the program to run");
        }
      }
      if (auto t = h.duration("timeout")) c.timeout = *t;
      out.push_back(std::move(c));
    }
    return out;
  }

  void read_hooks(SectionReader& root) {
    auto s = root.section("hooks");
    if (!s || !s->valid()) return;
    cfg_.hooks.pre_change = read_hook_list(*s, "pre_change");
    cfg_.hooks.post_change = read_hook_list(*s, "post_change");
    if (auto v = s->duration("veto_retry")) cfg_.hooks.veto_retry = *v;
    cfg_.hooks.environment = read_env_names(*s, "environment");
  }

  // The hooks never get a variable that holds one of the controller's secrets.
  void check_hook_environment(SectionReader& root) {
    std::map<std::string, std::string> holders;  // variable -> what it holds
    for (const NamedSecret& s : cfg_.secrets()) {
      if (!s.source->env.empty()) holders[s.source->env] = s.what;
    }
    for (const char* aws : {"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
      holders[aws] = "an AWS secret";
    }
    auto hooks = root.section("hooks");
    for (const std::string& n : cfg_.hooks.environment) {
      if (auto it = holders.find(n); it != holders.end() && hooks) {
        hooks->error("environment", "'environment' names " + n + ", which holds " + it->second +
                                        ": secrets are never passed to hooks");
      }
    }
  }

  // A list of environment variable names, each at most once.
  std::vector<std::string> read_env_names(SectionReader& s, const char* key) {
    std::vector<std::string> names;
    if (!s.has(key)) return names;
    auto list = s.string_list(key);
    if (!list) return names;
    std::set<std::string> seen;
    for (const std::string& n : *list) {
      if (!is_env_name(n)) {
        s.error(key, "'" + std::string(key) + "': '" + n +
                         "' is not the name of an environment variable");
      } else if (!seen.insert(n).second) {
        s.error(key, "'" + std::string(key) + "' names " + n + " twice");
      } else {
        names.push_back(n);
      }
    }
    return names;
  }

  void read_dns(SectionReader& root) {
    auto s = root.section("dns");
    if (!s) return;
    if (!s->valid()) return;
    cfg_.dns.enabled = true;
    if (auto l = s->endpoint_list("listen", SectionReader::Port::zero_allowed)) {
      cfg_.dns.listen = *l;
      std::set<std::string> seen;
      for (const Endpoint& e : *l) {
        if (!seen.insert(e.to_string()).second)
          s->error("listen", "'" + e.to_string() + "' is listed twice");
      }
    }
    if (auto t = s->integer("udp_threads")) cfg_.dns.udp_threads = static_cast<int>(*t);
    if (auto t = s->duration("tcp_idle_timeout")) cfg_.dns.tcp_idle_timeout = *t;
    if (auto t = s->duration("tcp_max_lifetime")) cfg_.dns.tcp_max_lifetime = *t;
    std::set<std::string> zone_names;
    for (SectionReader& z : s->items("zones")) {
      if (!z.valid()) continue;
      core::ZoneSpec zone;
      auto name = z.dns_name("name");
      if (!name) continue;
      zone.name = *name;
      if (!zone_names.insert(zone.name).second) {
        z.error("name", "zone '" + zone.name + "' is defined twice");
      }
      if (auto t = z.integer("ttl")) zone.ttl = static_cast<int>(*t);
      std::set<std::string> ns_names;
      for (SectionReader& n : z.items("ns")) {
        if (!n.valid()) continue;
        core::NameServer ns;
        auto nn = n.dns_name("name");
        if (!nn) continue;
        ns.name = *nn;
        if (!ns_names.insert(ns.name).second)
          n.error("name", "name server '" + ns.name + "' is listed twice");
        if (auto a = n.address_list("addresses")) ns.addresses = *a;
        if (inside_zone(ns.name, zone.name) && ns.addresses.empty()) {
          n.error("name", "name server '" + ns.name + "' is inside zone '" + zone.name +
                              "', so it needs 'addresses' (glue)");
        }
        zone.ns.push_back(std::move(ns));
      }
      if (auto soa = z.section("soa")) {
        if (soa->valid()) {
          if (soa->has("mname")) zone.soa_mname = soa->dns_name("mname").value_or("");
          if (soa->has("rname")) zone.soa_rname = soa->dns_name("rname").value_or("");
          if (auto v = soa->integer("refresh")) zone.soa_refresh = static_cast<int>(*v);
          if (auto v = soa->integer("retry")) zone.soa_retry = static_cast<int>(*v);
          if (auto v = soa->integer("expire")) zone.soa_expire = static_cast<int>(*v);
          if (auto v = soa->integer("minimum")) zone.soa_minimum = static_cast<int>(*v);
        }
      }
      if (zone.soa_mname.empty() && !zone.ns.empty()) zone.soa_mname = zone.ns.front().name;
      if (zone.soa_rname.empty()) zone.soa_rname = "hostmaster." + zone.name;
      cfg_.dns.zones.push_back(std::move(zone));
    }
  }

  void read_policy(SectionReader& root) {
    auto s = root.section("policy");
    if (!s || !s->valid()) return;
    if (auto v = s->choice("failback")) {
      cfg_.policy.failback = *v == "manual" ? core::Failback::manual : core::Failback::automatic;
    }
    if (auto v = s->duration("hold_down")) cfg_.policy.hold_down = *v;
    if (auto v = s->duration("min_interval")) cfg_.policy.min_interval = *v;
    if (auto v = s->duration("flap_window")) cfg_.policy.flap_window = *v;
    if (auto v = s->integer("flap_max_changes"))
      cfg_.policy.flap_max_changes = static_cast<int>(*v);
  }

  void read_checks(SectionReader& root) {
    std::set<std::string> names;
    for (SectionReader& c : root.items("checks")) {
      if (!c.valid()) continue;
      CheckConfig ck;
      auto name = c.identifier("name");
      auto type = c.choice("type");
      if (!name || !type) continue;
      ck.name = *name;
      if (!names.insert(ck.name).second)
        c.error("name", "check '" + ck.name + "' is defined twice");
      ck.kind = *type == "http"    ? CheckKind::http
                : *type == "https" ? CheckKind::https
                : *type == "tcp"   ? CheckKind::tcp
                                   : CheckKind::dynamodb;
      read_dynamodb_check(c, ck);
      if (ck.kind == CheckKind::dynamodb) {
        for (const char* k : {"port", "path", "host", "expect_status", "expect_body", "address"}) {
          if (c.has(k)) {
            c.error(k, std::string("'") + k + "' does not apply to dynamodb checks");
          }
        }
      } else if (c.has("port")) {
        if (auto p = c.integer("port")) ck.port = static_cast<std::uint16_t>(*p);
      } else if (ck.kind == CheckKind::tcp) {
        c.error_here("check '" + ck.name + "' is of type tcp and needs a 'port'");
      } else {
        ck.port = ck.kind == CheckKind::https ? 443 : 80;
      }
      if (ck.kind == CheckKind::tcp) {
        for (const char* k : {"path", "host", "expect_status", "expect_body", "tls_verify"}) {
          if (c.has(k))
            c.error(k, std::string("'") + k + "' applies only to http and https checks");
        }
      }
      if (auto p = c.string("path")) {
        if (p->empty() || p->front() != '/' || has_space_or_control(*p)) {
          c.error("path",
                  "'path' must start with '/' and contain no spaces or control "
                  "characters, got '" +
                      *p + "'");
        }
        ck.path = *p;
      }
      if (c.has("host")) {
        if (auto h = c.string("host")) {
          if (h->empty() || has_space_or_control(*h) || h->find('/') != std::string::npos) {
            c.error("host",
                    "'host' must be a host name without spaces or '/' (nor control "
                    "characters), got '" +
                        *h + "'");
          }
          ck.host = *h;
        }
      }
      if (auto st = c.int_list("expect_status")) {
        ck.expect_status.clear();
        for (long long v : *st) {
          if (v < 100 || v > 599) {
            c.error("expect_status",
                    "'expect_status' values must be HTTP status codes (100-599), got " +
                        std::to_string(v));
          }
          ck.expect_status.push_back(static_cast<int>(v));
        }
      }
      if (c.has("expect_body")) {
        if (auto b = c.string("expect_body")) {
          if (b->empty() || b->size() > 1024) {
            c.error("expect_body", "'expect_body' must be 1-1024 characters");
          }
          ck.expect_body = *b;
        }
      }
      auto interval = c.duration("interval");
      if (interval) ck.interval = *interval;
      if (c.has("edge_interval")) {
        // Compared only when both were read: a malformed value is one error,
        // not also a comparison against a value nobody wrote.
        auto edge = c.duration("edge_interval");
        if (edge) ck.edge_interval = *edge;
        if (edge && interval && ck.edge_interval > ck.interval) {
          c.error("edge_interval", "'edge_interval' (" + core::format_duration(ck.edge_interval) +
                                       ") must not be longer than 'interval' (" +
                                       core::format_duration(ck.interval) + ")");
        }
      } else {
        ck.edge_interval = std::max(core::Duration{20}, ck.interval / 3);
      }
      if (auto v = c.percent("jitter")) ck.jitter_percent = *v;
      auto connect_timeout = c.duration("connect_timeout");
      auto timeout = c.duration("timeout");
      if (connect_timeout) ck.connect_timeout = *connect_timeout;
      if (timeout) ck.timeout = *timeout;
      if (connect_timeout && timeout && ck.connect_timeout > ck.timeout) {
        c.error(c.has("connect_timeout") ? "connect_timeout" : "timeout",
                "'connect_timeout' (" + core::format_duration(ck.connect_timeout) +
                    ") must not be longer than 'timeout' (" + core::format_duration(ck.timeout) +
                    ")");
      }
      if (auto v = c.integer("rise")) ck.hysteresis.rise = static_cast<int>(*v);
      if (auto v = c.integer("fall")) ck.hysteresis.fall = static_cast<int>(*v);
      if (auto v = c.boolean("tls_verify")) ck.tls_verify = *v;
      if (c.has("address")) ck.address = c.address("address").value_or("");
      check_marks_[ck.name] = c.node().Mark();
      cfg_.checks.push_back(std::move(ck));
    }
  }

  // The dynamodb-only keys: allowed on dynamodb checks only, and complete there.
  void read_dynamodb_check(SectionReader& c, CheckConfig& ck) {
    const bool ddb = ck.kind == CheckKind::dynamodb;
    for (const char* k : {"operation", "table", "key"}) {
      if (c.has(k) && !ddb) c.error(k, std::string("'") + k + "' applies only to dynamodb checks");
    }
    if (!ddb) return;
    if (auto op = c.choice("operation")) {
      ck.operation = *op == "sentinel" ? DynamoCheck::sentinel : DynamoCheck::describe;
    }
    if (c.has("table")) {
      ck.table = c.string("table").value_or("");
      if (ck.table.empty()) c.error("table", "'table' cannot be empty");
    } else {
      c.error_here("dynamodb check '" + ck.name + "' needs a 'table'");
    }
    if (c.has("key")) {
      ck.key_json = c.string("key").value_or("");
      nlohmann::json key = nlohmann::json::parse(ck.key_json, nullptr, false);
      if (key.is_discarded() || !key.is_object() || key.empty()) {
        c.error("key",
                "'key' must be the item's key in DynamoDB JSON, such as "
                "'{\"pk\": {\"S\": \"drpilot-sentinel\"}}'");
      }
    } else if (ck.operation == DynamoCheck::sentinel) {
      c.error_here("sentinel check '" + ck.name + "' needs the item's 'key'");
    }
  }

  static std::string too_many_targets() {
    return "the configuration asks for more than " + std::to_string(kMaxTargets) +
           " check targets (each site times its checks, each data region times its checks), "
           "the most one controller checks (see Limits in docs/configuration.md): split the "
           "sites between controllers";
  }

  void read_sites(SectionReader& root) {
    std::set<std::string> names;
    std::size_t targets = 0;
    for (SectionReader& s : root.items("sites")) {
      if (!s.valid()) continue;
      SiteConfig site;
      auto name = s.identifier("name");
      if (!name) continue;
      site.spec.name = *name;
      if (!names.insert(*name).second) s.error("name", "site '" + *name + "' is defined twice");
      if (auto eps = s.address_list("endpoints")) {
        std::set<std::string> seen;
        for (const std::string& a : *eps) {
          if (!seen.insert(a).second) s.error("endpoints", "endpoint '" + a + "' is listed twice");
          (is_ipv4(a) ? site.spec.ipv4 : site.spec.ipv6).push_back(a);
        }
        if (!eps->empty()) site.check_address = eps->front();
      }
      if (s.has("check_address")) site.check_address = s.address("check_address").value_or("");
      if (auto v = s.integer("priority")) site.spec.priority = static_cast<int>(*v);
      if (auto v = s.integer("weight")) site.spec.weight = static_cast<int>(*v);
      if (auto v = s.identifier_list("checks")) site.checks = *v;
      targets += site.checks.size();
      if (targets > kMaxTargets) {
        s.error("checks", too_many_targets() + "; the sites from here on are not read");
        return;
      }
      if (auto v = s.identifier_list("data_regions")) {
        site.data_regions = *v;
        site.spec.data_regions = *v;
      }
      site_readers_.push_back(s);
      cfg_.sites.push_back(std::move(site));
    }
  }

  void read_records(SectionReader& root) {
    std::size_t named = 0;  // sites named by the records read so far
    for (SectionReader& r : root.items("records")) {
      if (!r.valid()) continue;
      core::RecordSpec rec;
      auto name = r.dns_name("name");
      if (!name) continue;
      rec.name = *name;
      if (auto t = r.choice("type"))
        rec.type = *t == "AAAA" ? core::RecordType::AAAA : core::RecordType::A;
      if (auto m = r.choice("mode")) {
        rec.mode = *m == "multivalue" ? core::RoutingMode::multivalue : core::RoutingMode::failover;
      }
      if (auto t = r.integer("ttl")) rec.ttl = static_cast<int>(*t);
      if (auto s = r.identifier_list("sites")) rec.sites = *s;
      if (auto a = r.choice("all_down")) {
        rec.all_down = *a == "fail-open" ? core::AllDown::fail_open : core::AllDown::fail_static;
      }
      named += rec.sites.size();
      if (named > kMaxRecordSites) {
        r.error("sites", "the records name more than " + std::to_string(kMaxRecordSites) +
                             " sites in all (a limit of one controller, see Limits in "
                             "docs/configuration.md); the records from here on are not read");
        return;
      }
      record_readers_.push_back(r);
      cfg_.records.push_back(std::move(rec));
    }
  }

  void read_aws(SectionReader& root) {
    auto s = root.section("aws");
    if (!s || !s->valid()) return;
    if (auto v = s->string("profile")) cfg_.aws.profile = *v;
    if (s->has("credentials_file")) {
      if (auto v = s->string("credentials_file"); v && !v->empty()) {
        cfg_.aws.credentials_file = resolve_path(*v);
      }
    }
  }

  void read_data_regions(SectionReader& root) {
    std::set<std::string> names;
    std::size_t targets = 0;
    for (const SiteConfig& site : cfg_.sites) targets += site.checks.size();
    for (SectionReader& d : root.items("data_regions")) {
      if (!d.valid()) continue;
      DataRegionConfig dr;
      auto name = d.identifier("name");
      if (!name) continue;
      dr.name = *name;
      if (!names.insert(dr.name).second) {
        d.error("name", "data region '" + dr.name + "' is defined twice");
      }
      dr.region = d.has("region") ? d.string("region").value_or(dr.name) : dr.name;
      if (d.has("endpoint")) {
        if (auto e = d.string("endpoint")) {
          std::string err;
          if (!valid_url(*e, err)) d.error("endpoint", "'endpoint': " + err);
          dr.endpoint = *e;
        }
      }
      if (auto v = d.identifier_list("checks")) dr.checks = *v;
      targets += dr.checks.size();
      if (targets > kMaxTargets) {
        d.error("checks", too_many_targets());
        return;
      }
      data_region_readers_.push_back(d);
      cfg_.data_regions.push_back(std::move(dr));
    }
  }

  void read_table_groups(SectionReader& root) {
    std::set<std::string> names;
    for (SectionReader& g : root.items("table_groups")) {
      if (!g.valid()) continue;
      TableGroupConfig tg;
      auto name = g.identifier("name");
      if (!name) continue;
      tg.name = *name;
      if (!names.insert(tg.name).second) {
        g.error("name", "table group '" + tg.name + "' is defined twice");
      }
      if (auto t = g.string_list("tables")) tg.tables = *t;
      if (auto m = g.choice("write_mode")) {
        tg.write_mode = *m == "any" ? WriteMode::any : WriteMode::single;
      }
      if (g.has("primary_order")) {
        if (tg.write_mode == WriteMode::any) {
          g.error("primary_order", "'primary_order' applies only to write_mode single");
        }
        if (auto v = g.identifier_list("primary_order")) tg.primary_order = *v;
      }
      if (auto v = g.duration("rpo_budget")) tg.rpo_budget = *v;
      if (auto v = g.duration("primary_grace")) tg.primary_grace = *v;
      if (g.has("canary_table")) tg.canary_table = g.string("canary_table").value_or("");
      if (auto v = g.string("canary_key")) tg.canary_key = *v;
      if (auto v = g.duration("canary_interval")) tg.canary_interval = *v;
      if (auto v = g.duration("lag_window")) tg.lag_window = *v;
      table_group_readers_.push_back(g);
      cfg_.table_groups.push_back(std::move(tg));
    }
  }

  void read_agents(SectionReader& root) {
    std::set<std::string> names;
    for (SectionReader& a : root.items("agents")) {
      if (!a.valid()) continue;
      AgentConfig ac;
      auto name = a.identifier("name");
      auto site = a.identifier("site");
      if (!name || !site) continue;
      ac.name = *name;
      ac.site = *site;
      if (!names.insert(ac.name).second)
        a.error("name", "agent '" + ac.name + "' is defined twice");
      ac.key = read_secret(a, true, "key");
      if (auto list = a.string_list("controllers")) {
        for (const std::string& url : *list) {
          std::string err;
          if (!valid_url(url, err)) a.error("controllers", "'controllers': " + err);
        }
        ac.controllers = *list;
      }
      if (a.has("controller_ca_file")) {
        ac.controller_ca_file = resolve_path(a.string("controller_ca_file").value_or(""));
      }
      if (auto v = a.duration("report_interval")) ac.report_interval = *v;
      if (auto v = a.endpoint("listen", SectionReader::Port::zero_allowed)) ac.listen = *v;
      if (a.has("template")) ac.template_path = resolve_path(a.string("template").value_or(""));
      if (a.has("output")) ac.output_path = resolve_path(a.string("output").value_or(""));
      if (auto v = a.boolean("follow_symlink")) ac.follow_symlink = *v;
      if (!ac.template_path.empty() && ac.output_path.empty()) {
        a.error_here("agent '" + ac.name + "' has a 'template' but no 'output' to write it to");
      }
      if (ac.template_path.empty() && !ac.output_path.empty()) {
        a.error("output", "'output' needs a 'template' to render");
      }
      if (a.has("reload")) {
        if (auto r = a.string_list("reload")) ac.reload = *r;
        if (!ac.reload.empty() && ac.reload.front().empty()) {
          a.error("reload", "'reload' must start with the program to run");
        }
      }
      if (auto v = a.duration("reload_timeout")) ac.reload_timeout = *v;
      if (a.has("cross_check")) {
        ac.cross_check = a.string_list("cross_check").value_or(std::vector<std::string>{});
      }
      ac.reload_environment = read_env_names(a, "reload_environment");
      if (!ac.key.env.empty() &&
          std::find(ac.reload_environment.begin(), ac.reload_environment.end(), ac.key.env) !=
              ac.reload_environment.end()) {
        a.error("reload_environment", "'reload_environment' names " + ac.key.env +
                                          ", which holds the agent's key: it is never passed on");
      }
      agent_readers_.push_back(a);
      cfg_.agents.push_back(std::move(ac));
    }
  }

  // Everything about the cluster is checked here, member by member, while
  // its reader is at hand (names, URLs, addresses, the lease's margins).
  void read_cluster(SectionReader& root) {
    auto s = root.section("cluster");
    if (!s || !s->valid()) return;
    ClusterConfig& c = cfg_.cluster;
    if (auto v = s->duration("max_clock_skew")) c.max_clock_skew = *v;
    std::set<std::string> names, listens;
    for (SectionReader& m : s->items("members")) {
      if (!m.valid()) continue;
      ClusterMember cm;
      auto name = m.identifier("name");
      auto api = m.string("api");
      if (!name || !api) continue;
      cm.name = *name;
      cm.api = *api;
      if (!names.insert(cm.name).second) {
        m.error("name", "member '" + cm.name + "' is named twice in cluster.members");
      }
      if (cfg_.find_agent(cm.name)) {
        m.error("name", "'" + cm.name + "' is also an agent's name; vantage names must differ");
      }
      std::string err;
      if (!valid_url(cm.api, err)) {
        m.error("api", "'api': " + err);
      } else if (m.has("api_listen")) {
        if (auto e = m.endpoint("api_listen", SectionReader::Port::zero_allowed)) {
          cm.api_listen = *e;
        }
      } else if (auto url = url_endpoint(cm.api)) {
        cm.api_listen = *url;
      } else {
        m.error("api", "'api' must name an address and port to listen on, or set 'api_listen'");
      }
      if (auto d = m.endpoint_list("dns", SectionReader::Port::zero_allowed)) cm.dns = *d;
      if (auto j = m.string("journal")) {
        if (j->empty()) {
          m.error("journal", "'journal' must be a path");
        } else {
          cm.journal = resolve_path(*j);
          if (!listens.insert("journal " + cm.journal).second) {
            m.error("journal", "journal " + cm.journal + " is another member's");
          }
        }
      }
      for (const Endpoint& e : cm.dns) {
        if (e.port != 0 && !listens.insert("dns " + e.to_string()).second) {
          m.error("dns", "address " + e.to_string() + " is used by another member");
        }
      }
      if (cm.api_listen && cm.api_listen->port != 0 &&
          !listens.insert("api " + cm.api_listen->to_string()).second) {
        m.error("api", "address " + cm.api_listen->to_string() + " is used by another member");
      }
      c.members.push_back(std::move(cm));
    }
    auto e = s->section("etcd");
    if (!e || !e->valid()) return;
    EtcdConfig& etcd = c.etcd;
    if (auto list = e->string_list("endpoints")) {
      for (const std::string& url : *list) {
        std::string err;
        if (!valid_url(url, err)) e->error("endpoints", "'endpoints': " + err);
      }
      etcd.endpoints = *list;
    }
    if (auto v = e->string("prefix")) {
      etcd.prefix = *v;
      if (v->empty() || has_space_or_control(*v)) {
        e->error("prefix", "'prefix' must be non-empty, without spaces or control characters");
      }
    }
    if (auto v = e->duration("lease_ttl")) {
      etcd.lease_ttl = *v;
      if (v->count() % 1000 != 0) {
        e->error("lease_ttl", "'lease_ttl' must be whole seconds (etcd's leases count seconds)");
      }
    }
    if (auto v = e->duration("apply_deadline")) etcd.apply_deadline = *v;
    if (auto v = e->percent("clock_rate_bound")) etcd.clock_rate_bound_percent = *v;
    if (auto v = e->duration("timeout")) etcd.timeout = *v;
    core::LeaseMargins margins;
    margins.ttl = etcd.lease_ttl;
    margins.apply_deadline = etcd.apply_deadline;
    margins.clock_rate_bound = etcd.clock_rate_bound_percent / 100.0;
    if (std::string why = core::lease_margins_error(margins, etcd.lease_ttl / 6); !why.empty()) {
      e->error("apply_deadline", why + "; shorten apply_deadline or lengthen lease_ttl");
    }
    for (auto [key, field] : {std::pair{"ca_file", &etcd.ca_file},
                              std::pair{"certificate_file", &etcd.certificate_file},
                              std::pair{"key_file", &etcd.key_file}}) {
      if (e->has(key)) *field = resolve_path(e->string(key).value_or(""));
    }
    if (etcd.certificate_file.empty() != etcd.key_file.empty()) {
      e->error_here("cluster.etcd needs both certificate_file and key_file, or neither");
    }
    if (e->has("user")) etcd.user = e->string("user").value_or("");
    etcd.password = read_secret(*e, !etcd.user.empty(), "password");
    if (etcd.user.empty() && !etcd.password.empty()) {
      e->error_here("cluster.etcd has a password but no user");
    }
  }

  // The host and port of an http(s) URL, to listen on.
  static std::optional<Endpoint> url_endpoint(const std::string& url) {
    const bool tls = url.rfind("https://", 0) == 0;
    std::string rest = url.substr(tls ? 8 : 7);
    rest = rest.substr(0, rest.find('/'));
    if (rest.find(':') == std::string::npos) rest += tls ? ":443" : ":80";
    std::string error;
    return parse_endpoint(rest, false, error);
  }

  void read_lab(SectionReader& root) {
    auto s = root.section("lab");
    if (!s || !s->valid()) return;
    cfg_.lab.enabled = true;
    if (auto e = s->endpoint("control", SectionReader::Port::zero_allowed)) cfg_.lab.control = *e;
    for (SectionReader& item : s->items("sites")) {
      if (!item.valid()) continue;
      auto name = item.identifier("name");
      auto listen = item.endpoint("listen");
      if (!name || !listen) continue;
      lab_readers_.push_back(item);
      cfg_.lab.sites.push_back({*name, *listen});
    }
    for (SectionReader& item : s->items("data_regions")) {
      if (!item.valid()) continue;
      auto name = item.identifier("name");
      auto listen = item.endpoint("listen");
      if (!name || !listen) continue;
      lab_region_readers_.push_back(item);
      cfg_.lab.data_regions.push_back({*name, *listen});
    }
    if (cfg_.lab.sites.empty() && cfg_.lab.data_regions.empty() && lab_readers_.empty() &&
        lab_region_readers_.empty()) {
      s->error("sites", "the lab needs sites, data regions or both: it simulates nothing");
    }
    if (auto d = s->duration("replication_delay")) cfg_.lab.replication_delay = *d;
  }

  // References between sections; only run when every section read cleanly so
  // that each problem is reported once, where it is.
  void cross_check(SectionReader& root) {
    check_hook_environment(root);
    std::set<std::string> check_names;
    for (const CheckConfig& c : cfg_.checks) check_names.insert(c.name);
    std::map<std::string, const SiteConfig*> sites;
    for (const SiteConfig& s : cfg_.sites) sites[s.spec.name] = &s;

    for (size_t i = 0; i < cfg_.sites.size(); ++i) {
      const SiteConfig& s = cfg_.sites[i];
      std::set<std::string> seen;
      for (const std::string& c : s.checks) {
        if (!check_names.count(c)) {
          site_readers_[i].error("checks", "site '" + s.spec.name + "' uses check '" + c +
                                               "', which is not defined in checks[]" +
                                               known(check_names));
        }
        if (!seen.insert(c).second)
          site_readers_[i].error("checks", "check '" + c + "' is listed twice");
      }
    }

    std::set<std::string> record_keys;
    for (size_t i = 0; i < cfg_.records.size(); ++i) {
      const core::RecordSpec& r = cfg_.records[i];
      SectionReader& rr = record_readers_[i];
      if (!record_keys.insert(r.key()).second) {
        rr.error("name", "record '" + r.name + "' of type " + std::string(core::to_string(r.type)) +
                             " is defined twice");
      }
      std::set<std::string> seen;
      std::vector<std::string> lacking;  // sites without an address of the record's family
      for (const std::string& site : r.sites) {
        auto it = sites.find(site);
        if (it == sites.end()) {
          std::set<std::string> names;
          for (const auto& kv : sites) names.insert(kv.first);
          rr.error("sites", "record '" + r.name + "' uses site '" + site +
                                "', which is not defined in sites[]" + known(names));
          continue;
        }
        if (!seen.insert(site).second) rr.error("sites", "site '" + site + "' is listed twice");
        const core::SiteSpec& spec = it->second->spec;
        if ((r.type == core::RecordType::A ? spec.ipv4 : spec.ipv6).empty())
          lacking.push_back(site);
      }
      // Every site must have an address of the record's family: failing over
      // to one without would publish an empty answer in the middle of an outage.
      const char* family = r.type == core::RecordType::A ? "IPv4" : "IPv6";
      if (!lacking.empty() && lacking.size() == r.sites.size()) {
        rr.error("type", "record '" + r.name + "' is of type " +
                             std::string(core::to_string(r.type)) +
                             " but none of its sites has an " + family + " endpoint");
      } else if (!lacking.empty()) {
        std::string names;
        for (const std::string& n : lacking) names += (names.empty() ? "'" : ", '") + n + "'";
        rr.error("sites", "record '" + r.name + "' is of type " +
                              std::string(core::to_string(r.type)) + " but site" +
                              (lacking.size() == 1 ? " " : "s ") + names +
                              (lacking.size() == 1 ? " has" : " have") + " no " + family +
                              " endpoint; add one or use a record of the other type");
      }
      // A record is published somewhere: the embedded DNS (inside one of its
      // zones) or a DNS provider. Without a dns section nothing is checked:
      // drpilot may be run to decide and report only.
      if (cfg_.dns.enabled && !published_by_a_provider(r)) {
        bool in_zone = false;
        std::set<std::string> zones;
        for (const core::ZoneSpec& z : cfg_.dns.zones) {
          in_zone |= inside_zone(r.name, z.name);
          zones.insert(z.name);
        }
        if (!in_zone) {
          rr.error("name", "record '" + r.name + "' is not inside any zone of dns.zones" +
                               known(zones) + " and no DNS provider publishes it");
        }
      }
    }

    check_providers(sites);
    check_data(sites);

    std::set<std::string> lab_names, lab_listen;
    for (size_t i = 0; i < cfg_.lab.sites.size(); ++i) {
      const LabSite& ls = cfg_.lab.sites[i];
      if (!sites.count(ls.name)) {
        lab_readers_[i].error("name", "lab site '" + ls.name + "' is not defined in sites[]");
      }
      if (!lab_names.insert(ls.name).second) {
        lab_readers_[i].error("name", "lab site '" + ls.name + "' is defined twice");
      }
      if (!lab_listen.insert(ls.listen.to_string()).second) {
        lab_readers_[i].error("listen", "address " + ls.listen.to_string() + " is used twice");
      }
    }
    // Evidence older than `freshness` stops voting. A check that cannot report
    // within that time would leave its target unknown between two results.
    if (explicit_freshness_ && controller_reader_) {
      for (const CheckConfig& c : cfg_.checks) {
        const core::Duration needed = c.interval + c.timeout;
        if (*explicit_freshness_ < needed) {
          controller_reader_->error(
              "freshness", "'freshness' (" + core::format_duration(*explicit_freshness_) +
                               ") is shorter than check '" + c.name + "' needs between results (" +
                               "interval " + core::format_duration(c.interval) + " + timeout " +
                               core::format_duration(c.timeout) + "); use at least " +
                               core::format_duration(needed) + ", or leave it out for the default");
          break;
        }
      }
    }
    (void)root;
  }

  // Providers name records and sites; they must exist and suit the provider.
  void check_providers(const std::map<std::string, const SiteConfig*>& sites) {
    for (size_t i = 0; i < cfg_.providers.size(); ++i) {
      const ProviderConfig& pc = cfg_.providers[i];
      SectionReader& pr = provider_readers_[i];
      std::vector<const core::RecordSpec*> published;
      for (size_t j = 0; j < pc.records.size(); ++j) {
        const ProviderRecord& want = pc.records[j];
        SectionReader& rr = provider_record_readers_[pc.name][j];
        std::vector<const core::RecordSpec*> found;
        for (const core::RecordSpec& r : cfg_.records) {
          if (r.name == want.name && (!want.type || r.type == *want.type)) found.push_back(&r);
        }
        if (found.empty()) {
          rr.error("name", "provider '" + pc.name + "' publishes '" + want.name +
                               (want.type ? " " + std::string(core::to_string(*want.type)) : "") +
                               "', which is not defined in records[]");
          continue;
        }
        if (want.record_id != 0 && found.front()->mode != core::RoutingMode::failover) {
          rr.error("record_id", "'record_id' manages one Linode record, but '" + want.name +
                                    "' is a multivalue record with one record per site");
        }
        if (!pc.domain.empty() && !inside_zone(want.name, pc.domain)) {
          rr.error("name", "'" + want.name + "' is not inside domain '" + pc.domain + "'");
        }
        published.insert(published.end(), found.begin(), found.end());
      }
      if (pc.records.empty() && !pc.domain.empty()) {
        for (const core::RecordSpec& r : cfg_.records) {
          if (inside_zone(r.name, pc.domain)) published.push_back(&r);
        }
      }
      if (pc.kind == ProviderKind::digitalocean_dns) {
        for (const core::RecordSpec* r : published) {
          // DigitalOcean refuses a TTL under 30 seconds (422); better said now.
          if (r->ttl < 30) {
            // Pointed at the record's ttl: that is the value to change.
            const size_t at = static_cast<size_t>(r - cfg_.records.data());
            record_readers_[at].error("ttl", "record '" + r->name + "' has ttl " +
                                                 std::to_string(r->ttl) + ", but provider '" +
                                                 pc.name +
                                                 "' (DigitalOcean DNS) accepts 30 seconds or more");
          }
        }
      }
      if (pc.kind == ProviderKind::digitalocean_lb) {
        bool record_found = false;
        for (const core::RecordSpec& r : cfg_.records) record_found |= r.name == pc.record;
        if (!record_found) {
          pr.error("record", "load balancer provider '" + pc.name + "' follows record '" +
                                 pc.record + "', which is not defined in records[]");
        }
        std::set<std::string> seen;
        for (size_t j = 0; j < pc.members.size(); ++j) {
          const LbMember& m = pc.members[j];
          SectionReader& mr = member_readers_[pc.name][j];
          if (!sites.count(m.site)) {
            mr.error("site", "member site '" + m.site + "' is not defined in sites[]");
          }
          if (!seen.insert(m.site).second)
            mr.error("site", "site '" + m.site + "' is listed twice");
        }
      }
    }
  }

  // Published by a DNS provider, or followed by a load balancer (whose own
  // address is what DNS serves, maintained outside drpilot).
  bool published_by_a_provider(const core::RecordSpec& r) const {
    for (const ProviderConfig& pc : cfg_.providers) {
      if (pc.kind == ProviderKind::digitalocean_lb && pc.record == r.name) return true;
      if (pc.kind != ProviderKind::linode_dns && pc.kind != ProviderKind::digitalocean_dns)
        continue;
      if (pc.records.empty()) {
        if (!pc.domain.empty() && inside_zone(r.name, pc.domain)) return true;
        continue;
      }
      for (const ProviderRecord& pr : pc.records) {
        if (pr.name == r.name && (!pr.type || *pr.type == r.type)) return true;
      }
    }
    return false;
  }

  // Data regions, table groups and agents: names that exist, checks of the
  // right kind, one namespace for sites and data regions (their targets).
  void check_data(const std::map<std::string, const SiteConfig*>& sites) {
    std::map<std::string, const CheckConfig*> checks;
    for (const CheckConfig& c : cfg_.checks) checks[c.name] = &c;
    std::set<std::string> regions;
    for (const DataRegionConfig& d : cfg_.data_regions) regions.insert(d.name);

    for (size_t i = 0; i < cfg_.sites.size(); ++i) {
      const SiteConfig& s = cfg_.sites[i];
      for (const std::string& c : s.checks) {
        auto it = checks.find(c);
        if (it != checks.end() && it->second->kind == CheckKind::dynamodb) {
          site_readers_[i].error("checks", "check '" + c +
                                               "' is a dynamodb check: attach it to a data "
                                               "region (data_regions[].checks), not to a site");
        }
      }
      std::set<std::string> seen;
      for (const std::string& d : s.data_regions) {
        if (!regions.count(d)) {
          site_readers_[i].error("data_regions",
                                 "site '" + s.spec.name + "' uses data region '" + d +
                                     "', which is not defined in data_regions[]" + known(regions));
        }
        if (!seen.insert(d).second) {
          site_readers_[i].error("data_regions", "data region '" + d + "' is listed twice");
        }
      }
    }
    for (size_t i = 0; i < cfg_.data_regions.size(); ++i) {
      const DataRegionConfig& d = cfg_.data_regions[i];
      SectionReader& dr = data_region_readers_[i];
      if (sites.count(d.name)) {
        dr.error("name", "'" + d.name +
                             "' is already a site's name; data regions and sites "
                             "need different names");
      }
      for (const std::string& c : d.checks) {
        auto it = checks.find(c);
        if (it == checks.end()) {
          std::set<std::string> names;
          for (const auto& kv : checks) names.insert(kv.first);
          dr.error("checks", "data region '" + d.name + "' uses check '" + c +
                                 "', which is not defined in checks[]" + known(names));
        } else if (it->second->kind != CheckKind::dynamodb) {
          dr.error("checks", "check '" + c +
                                 "' is not a dynamodb check; a data region's "
                                 "checks test its DynamoDB");
        }
      }
    }
    for (size_t i = 0; i < cfg_.table_groups.size(); ++i) {
      const TableGroupConfig& g = cfg_.table_groups[i];
      for (const std::string& r : g.primary_order) {
        if (!regions.count(r)) {
          table_group_readers_[i].error("primary_order",
                                        "table group '" + g.name + "' names data region '" + r +
                                            "', which is not defined" + known(regions));
        }
      }
      if (regions.empty()) {
        table_group_readers_[i].error_here("table group '" + g.name +
                                           "' needs data_regions[] to replicate across");
      }
    }
    for (size_t i = 0; i < cfg_.agents.size(); ++i) {
      const AgentConfig& a = cfg_.agents[i];
      if (!sites.count(a.site)) {
        agent_readers_[i].error("site", "agent '" + a.name + "' runs in site '" + a.site +
                                            "', which is not defined in sites[]");
      }
      if (a.name == cfg_.vantage) {
        agent_readers_[i].error("name", "'" + a.name + "' is the controller's own vantage name");
      }
      for (const std::string& other : a.cross_check.value_or(std::vector<std::string>{})) {
        if (!sites.count(other)) {
          agent_readers_[i].error("cross_check", "agent '" + a.name + "' cross-checks site '" +
                                                     other + "', which is not defined in sites[]");
        } else if (other == a.site) {
          agent_readers_[i].error("cross_check", "agent '" + a.name + "' runs in site '" + a.site +
                                                     "': it checks its own site anyway");
        }
      }
    }
    std::set<std::string> lab_listen;
    for (const LabSite& s : cfg_.lab.sites) lab_listen.insert(s.listen.to_string());
    std::set<std::string> lab_names;
    for (size_t i = 0; i < cfg_.lab.data_regions.size(); ++i) {
      const LabDataRegion& l = cfg_.lab.data_regions[i];
      if (!regions.count(l.name)) {
        lab_region_readers_[i].error(
            "name", "lab data region '" + l.name + "' is not defined in data_regions[]");
      }
      if (!lab_names.insert(l.name).second) {
        lab_region_readers_[i].error("name", "lab data region '" + l.name + "' is defined twice");
      }
      if (!lab_listen.insert(l.listen.to_string()).second) {
        lab_region_readers_[i].error("listen",
                                     "address " + l.listen.to_string() + " is used twice");
      }
    }
  }

  static bool valid_url(const std::string& s, std::string& error) {
    if (s.rfind("http://", 0) != 0 && s.rfind("https://", 0) != 0) {
      error = "expected an http:// or https:// URL, got '" + s + "'";
      return false;
    }
    for (unsigned char c : s) {
      if (c <= 0x20 || c == 0x7f) {
        error = "a URL cannot contain spaces or control characters";
        return false;
      }
    }
    const size_t host_start = s.find("://") + 3;
    if (host_start >= s.size() || s[host_start] == '/' || s[host_start] == ':') {
      error = "'" + s + "' has no host";
      return false;
    }
    return true;
  }

  void derive_defaults() {
    if (explicit_freshness_) {
      cfg_.freshness = *explicit_freshness_;
      return;
    }
    core::Duration longest{0};
    for (const CheckConfig& c : cfg_.checks)
      longest = std::max(longest, 3 * c.interval + c.timeout);
    cfg_.freshness = std::max(core::Duration{2000}, longest);
  }

  static std::string known(const std::set<std::string>& names) {
    if (names.empty()) return " (none are defined)";
    std::string s = " (defined: ";
    bool first = true;
    for (const std::string& n : names) {
      s += (first ? "" : ", ") + n;
      first = false;
    }
    return s + ")";
  }

  ErrorSink errors_;
  std::string base_dir_;
  Config cfg_;
  std::optional<core::Duration> explicit_freshness_;
  std::optional<SectionReader> controller_reader_;
  std::map<std::string, YAML::Mark> check_marks_;
  std::vector<SectionReader> site_readers_;
  std::vector<SectionReader> record_readers_;
  std::vector<SectionReader> lab_readers_;
  std::vector<SectionReader> provider_readers_;
  std::vector<SectionReader> data_region_readers_;
  std::vector<SectionReader> table_group_readers_;
  std::vector<SectionReader> agent_readers_;
  std::vector<SectionReader> lab_region_readers_;
  std::map<std::string, std::vector<SectionReader>> provider_record_readers_;
  std::map<std::string, std::vector<SectionReader>> member_readers_;
};

}  // namespace

std::string ConfigError::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string LoadResult::error_text() const {
  std::string s;
  for (const ConfigError& e : errors) s += e.to_string() + "\n";
  return s;
}

namespace {

LoadResult too_large(const std::string& name, std::size_t bytes) {
  LoadResult r;
  r.errors.push_back({name, 0, 0,
                      "the file is " + std::to_string((bytes + (1 << 20) - 1) >> 20) +
                          " MiB; a configuration may be at most " +
                          std::to_string(kMaxFileBytes >> 20) +
                          " MiB (see Limits in docs/configuration.md)"});
  return r;
}

}  // namespace

LoadResult load_config_string(const std::string& text, const std::string& name,
                              const std::string& base_dir) {
  if (text.size() > kMaxFileBytes) return too_large(name, text.size());
  return Loader(name, base_dir).load(text);
}

LoadResult load_config_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    LoadResult r;
    r.errors.push_back({path, 0, 0, "is a directory, not a configuration file"});
    return r;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.errors.push_back(
        {path, 0, 0, "cannot read the configuration file: " + std::string(std::strerror(errno))});
    return r;
  }
  // Refused before it is read: the YAML tree takes many times the file.
  const auto size = fs::file_size(path, ec);
  if (!ec && size > kMaxFileBytes) return too_large(path, size);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string base = fs::path(path).parent_path().string();
  if (base.empty()) base = ".";
  return load_config_string(ss.str(), path, base);
}

std::vector<NamedSecret> Config::secrets() const {
  std::vector<NamedSecret> out;
  for (const ApiToken& t : api_tokens) out.push_back({"API token '" + t.name + "'", &t.secret});
  for (const ProviderConfig& p : providers) {
    out.push_back({"provider '" + p.name + "' token", &p.token});
  }
  for (const AgentConfig& a : agents) out.push_back({"agent '" + a.name + "' key", &a.key});
  if (!cluster.etcd.password.empty()) {
    out.push_back({"etcd user '" + cluster.etcd.user + "' password", &cluster.etcd.password});
  }
  return out;
}

const ClusterMember* ClusterConfig::find(const std::string& name) const {
  for (const ClusterMember& m : members) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const CheckConfig* Config::find_check(const std::string& name) const {
  for (const CheckConfig& c : checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const DataRegionConfig* Config::find_data_region(const std::string& name) const {
  for (const DataRegionConfig& d : data_regions) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const AgentConfig* Config::find_agent(const std::string& name) const {
  for (const AgentConfig& a : agents) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const SiteConfig* Config::find_site(const std::string& name) const {
  for (const SiteConfig& s : sites) {
    if (s.spec.name == name) return &s;
  }
  return nullptr;
}

std::vector<std::string> Config::addresses(const core::RecordSpec& rec,
                                           const std::vector<std::string>& answer) const {
  std::vector<std::string> out;
  for (const std::string& name : answer) {
    const SiteConfig* site = find_site(name);
    if (!site) continue;
    const auto& list = rec.type == core::RecordType::A ? site->spec.ipv4 : site->spec.ipv6;
    out.insert(out.end(), list.begin(), list.end());
  }
  return out;
}

std::vector<core::SiteSpec> Config::site_specs() const {
  std::vector<core::SiteSpec> out;
  out.reserve(sites.size());
  for (const SiteConfig& s : sites) out.push_back(s.spec);
  return out;
}

core::EngineSpec Config::engine_spec() const {
  core::EngineSpec spec;
  spec.self_vantage = vantage;
  spec.freshness = freshness;
  spec.sites = site_specs();
  spec.records = records;
  spec.policy = policy;
  std::size_t targets = 0;  // sized once: at ten thousand targets growth by doubling wastes much
  for (const SiteConfig& s : sites) targets += s.checks.size();
  for (const DataRegionConfig& d : data_regions) targets += d.checks.size();
  spec.targets.reserve(targets);
  for (const SiteConfig& s : sites) {
    for (const std::string& c : s.checks) {
      const CheckConfig* ck = find_check(c);
      if (!ck) continue;
      spec.targets.push_back(
          {core::target_name(s.spec.name, c), s.spec.name, c, ck->hysteresis, false});
    }
  }
  for (const DataRegionConfig& d : data_regions) {
    spec.data_regions.push_back(d.name);
    for (const std::string& c : d.checks) {
      const CheckConfig* ck = find_check(c);
      if (!ck) continue;
      spec.targets.push_back({core::target_name(d.name, c), d.name, c, ck->hysteresis, true});
    }
  }
  for (const AgentConfig& a : agents) spec.vantage_sites[a.name] = a.site;
  for (const TableGroupConfig& g : table_groups) {
    core::TableGroupSpec t;
    t.name = g.name;
    t.mode = g.write_mode == WriteMode::any ? core::WriteMode::any : core::WriteMode::single;
    t.primary_order = g.primary_order;
    t.rpo_budget = g.rpo_budget;
    t.primary_grace = g.primary_grace;
    t.canary = !g.canary_table.empty();
    t.lag_window = g.lag_window;
    spec.groups.push_back(std::move(t));
  }
  return spec;
}

}  // namespace drpilot::config
