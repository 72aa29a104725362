#include "config/schema.h"

#include <string>

namespace drpilot::config {
namespace {

using VT = ValueType;

constexpr long long kSecond = 1000;
constexpr long long kMinute = 60 * kSecond;
constexpr long long kHour = 60 * kMinute;

Field f(std::string key, VT type, std::string def, std::string doc) {
  Field x;
  x.key = std::move(key);
  x.type = type;
  x.default_value = std::move(def);
  x.doc = std::move(doc);
  return x;
}
Field req(std::string key, VT type, std::string doc) {
  Field x = f(std::move(key), type, "", std::move(doc));
  x.required = true;
  return x;
}
Field range(Field x, std::optional<long long> min, std::optional<long long> max,
            std::string unit = "") {
  x.min = min;
  x.max = max;
  x.unit = std::move(unit);
  return x;
}
Field choice(std::string key, std::vector<std::string> choices, std::string def, std::string doc) {
  Field x = f(std::move(key), VT::choice, std::move(def), std::move(doc));
  x.choices = std::move(choices);
  return x;
}
Field sub(std::string key, VT type, const Section& s, bool required, std::string doc) {
  Field x = f(std::move(key), type, "", std::move(doc));
  x.section = &s;
  x.required = required;
  return x;
}
Field note(Field x, std::string n) {
  x.default_note = std::move(n);
  return x;
}

struct Schema {
  Section controller, journal, api, dns, zone, ns, soa, policy, check, site, record, lab, lab_site,
      root;

  Schema() {
    controller = {"controller",
                  "This controller's identity and how long evidence stays valid.",
                  {
                      f("vantage", VT::identifier, "controller",
                        "Name of this controller's own vantage in observations and status."),
                      note(range(f("freshness", VT::duration, "",
                                   "A vantage whose latest observation is older than this "
                                   "does not vote in the quorum."),
                                 100, 1 * kHour, "duration"),
                           "3 × the longest check interval + its timeout, at least 2s"),
                  }};
    journal = {"journal",
               "The journal: an SQLite database (WAL, synchronous=FULL) holding verdict "
               "changes, plans and operator commands. A restarted controller resumes from it.",
               {
                   f("path", VT::string, "drpilot-journal.db",
                     "Database file. A relative path is relative to the configuration "
                     "file's directory. Created when missing; an existing file that is not a "
                     "drpilot journal is refused, never overwritten."),
               }};
    api = {"api",
           "The HTTP API: status, history and /healthz.",
           {
               f("listen", VT::endpoint, "127.0.0.1:8080", "Address and port to listen on."),
           }};
    soa = {"dns.zones[].soa",
           "The zone's SOA record. The serial is the plan generation and is not configurable.",
           {
               note(f("mname", VT::dns_name, "", "Primary name server named in the SOA."),
                    "the first name server of the zone"),
               note(f("rname", VT::dns_name, "",
                      "Mailbox of the person responsible, with the '@' written as a dot."),
                    "hostmaster.<zone>"),
               range(f("refresh", VT::integer, "3600", "SOA refresh."), 1, 2147483647, "seconds"),
               range(f("retry", VT::integer, "600", "SOA retry."), 1, 2147483647, "seconds"),
               range(f("expire", VT::integer, "86400", "SOA expire."), 1, 2147483647, "seconds"),
               range(f("minimum", VT::integer, "30",
                       "Negative-caching TTL: how long resolvers may cache NXDOMAIN/NODATA."),
                     0, 86400, "seconds"),
           }};
    ns = {"dns.zones[].ns[]",
          "A name server of the zone (an NS record at the apex).",
          {
              req("name", VT::dns_name, "Name server host name."),
              f("addresses", VT::address_list, "[]",
                "Its IPv4/IPv6 addresses, served as glue when the name is inside the zone."),
          }};
    zone = {"dns.zones[]",
            "A zone the embedded server is authoritative for. Every record must be inside one.",
            {
                req("name", VT::dns_name, "Zone apex, e.g. example.com."),
                range(f("ttl", VT::integer, "3600", "TTL of the zone's SOA and NS records."), 0,
                      604800, "seconds"),
                range(sub("ns", VT::section_list, ns, true, "Name servers of the zone."), 1,
                      std::nullopt),
                sub("soa", VT::section, soa, false, "SOA parameters."),
            }};
    dns = {
        "dns",
        "The embedded authoritative DNS server. Omit the section to run without it.",
        {
            range(f("listen", VT::endpoint_list, "[127.0.0.1:53]",
                    "Addresses to serve on, UDP and TCP."),
                  1, 16),
            range(note(f("udp_threads", VT::integer, "0", "UDP worker threads."),
                       "0 = one per CPU core"),
                  0, 64),
            range(f("tcp_idle_timeout", VT::duration, "10s",
                    "An idle TCP connection is closed after this long."),
                  100, 10 * kMinute, "duration"),
            range(sub("zones", VT::section_list, zone, true, "Zones to serve."), 1, std::nullopt),
        }};
    policy = {"policy",
              "How cautious automatic changes are. Moving traffic away from a down site is "
              "never delayed; these settings govern failback and a recovered site rejoining.",
              {
                  choice("failback", {"auto", "manual"}, "auto",
                         "auto: return to a better site after the hold-down; manual: stay until "
                         "an operator moves traffic."),
                  range(f("hold_down", VT::duration, "60s",
                          "How long a better site must stay up before traffic fails back to it."),
                        0, 24 * kHour, "duration"),
                  range(f("min_interval", VT::duration, "30s",
                          "Minimum time between an automatic change and a following failback."),
                        0, 24 * kHour, "duration"),
                  range(f("flap_window", VT::duration, "10m",
                          "Window over which automatic changes are counted for flap detection."),
                        kSecond, 24 * kHour, "duration"),
                  range(f("flap_max_changes", VT::integer, "6",
                          "This many automatic changes of one record within the window freeze its "
                          "failback until the window has calmed down."),
                        2, 1000),
              }};
    check = {
        "checks[]",
        "A health check, attached to sites by name. Each site × check is one target.",
        {
            req("name", VT::identifier, "Check name, referenced from sites[].checks."),
            [] {
              Field x = choice("type", {"http", "https", "tcp"}, "", "Kind of check.");
              x.required = true;
              return x;
            }(),
            range(note(f("port", VT::integer, "", "TCP port to connect to."),
                       "80 for http, 443 for https; required for tcp"),
                  1, 65535),
            f("path", VT::string, "/", "http(s): request path."),
            note(f("host", VT::string, "", "http(s): Host header and TLS server name."),
                 "the target address"),
            range(f("expect_status", VT::int_list, "[200]",
                    "http(s): status codes that count as success."),
                  1, 100),
            note(f("expect_body", VT::string, "",
                   "http(s): a substring that must appear within the first 5 KiB of the "
                   "body."),
                 "no body check"),
            range(f("interval", VT::duration, "5s", "Time between checks of one target."), 50,
                  1 * kHour, "duration"),
            note(range(f("edge_interval", VT::duration, "",
                         "Faster interval used while a state change is pending (a failure "
                         "while up, a success while down)."),
                       20, 1 * kHour, "duration"),
                 "interval / 3, at least 20ms"),
            range(f("jitter", VT::percent, "10%",
                    "Random spread applied to every interval so checks never synchronise."),
                  0, 50, "percent"),
            range(f("connect_timeout", VT::duration, "1s", "Connect (and TLS handshake) timeout."),
                  10, kMinute, "duration"),
            range(f("timeout", VT::duration, "2s", "Total timeout of one check."), 10, kMinute,
                  "duration"),
            range(f("rise", VT::integer, "2", "Consecutive successes to be considered up."), 1,
                  100),
            range(f("fall", VT::integer, "3", "Consecutive failures to be considered down."), 1,
                  100),
            f("tls_verify", VT::boolean, "true",
              "https: verify the server certificate and host name. Turn off only for a "
              "named, trusted endpoint."),
            note(f("address", VT::address, "", "Address to check instead of the site's."),
                 "the site's check_address"),
        }};
    site = {
        "sites[]",
        "One deployment of the application in one place.",
        {
            req("name", VT::identifier, "Site name, e.g. ams."),
            range(req("endpoints", VT::address_list,
                      "Addresses to publish for this site (IPv4 for A records, IPv6 for "
                      "AAAA)."),
                  1, 64),
            note(f("check_address", VT::address, "", "Address the checks connect to."),
                 "the first endpoint"),
            range(f("priority", VT::integer, "1",
                    "Lower is preferred. Failover answers with the best up site."),
                  0, 1000000),
            range(f("weight", VT::integer, "1", "Relative weight (reserved for weighted routing)."),
                  0, 1000000),
            f("checks", VT::identifier_list, "[]",
              "Checks of this site. A site is down when any of its checks is down."),
        }};
    record = {"records[]",
              "A DNS name drpilot steers.",
              {
                  req("name", VT::dns_name, "Fully qualified name, inside one of dns.zones."),
                  choice("type", {"A", "AAAA"}, "A", "Record type."),
                  choice("mode", {"failover", "multivalue"}, "failover",
                         "failover: one site, the best up by priority; multivalue: every up "
                         "site."),
                  range(f("ttl", VT::integer, "30", "TTL of the answer."), 0, 86400, "seconds"),
                  range(req("sites", VT::identifier_list, "Sites that may answer, by name."), 1,
                        std::nullopt),
                  choice("all_down", {"fail-static", "fail-open"}, "fail-static",
                         "When every site is down: keep the last good answer (fail-static) or "
                         "answer with all sites (fail-open)."),
              }};
    lab_site = {"lab.sites[]",
                "A simulated site: an HTTP server on its own loopback address.",
                {
                    req("name", VT::identifier, "The site it simulates (one of sites[])."),
                    req("listen", VT::endpoint, "Address and port of its HTTP server."),
                }};
    lab = {"lab",
           "The local lab (drpilot lab / drpilot demo): simulated sites with a control API.",
           {
               f("control", VT::endpoint, "127.0.0.1:8079", "Address of the lab control API."),
               range(sub("sites", VT::section_list, lab_site, true, "Simulated sites."), 1,
                     std::nullopt),
           }};
    root = {"",
            "Top level.",
            {
                sub("controller", VT::section, controller, false, "See controller."),
                sub("journal", VT::section, journal, false, "See journal."),
                sub("api", VT::section, api, false, "See api."),
                sub("dns", VT::section, dns, false, "See dns."),
                sub("policy", VT::section, policy, false, "See policy."),
                sub("checks", VT::section_list, check, false, "See checks[]."),
                range(sub("sites", VT::section_list, site, true, "See sites[]."), 1, std::nullopt),
                range(sub("records", VT::section_list, record, true, "See records[]."), 1,
                      std::nullopt),
                sub("lab", VT::section, lab, false, "See lab."),
            }};
  }
};

const Schema& schema() {
  static const Schema s;
  return s;
}

std::string format_limit(const Field& f, long long v) {
  if (f.type == VT::duration) {
    if (v % kHour == 0) return std::to_string(v / kHour) + "h";
    if (v % kMinute == 0) return std::to_string(v / kMinute) + "m";
    if (v % kSecond == 0) return std::to_string(v / kSecond) + "s";
    return std::to_string(v) + "ms";
  }
  if (f.type == VT::percent) return std::to_string(v) + "%";
  return std::to_string(v);
}

std::string escape_cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

const Field* Section::find(const std::string& key) const {
  for (const Field& f : fields) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

const Section& root_schema() {
  return schema().root;
}

std::vector<const Section*> all_sections() {
  const Schema& s = schema();
  return {&s.root, &s.controller, &s.journal, &s.api,  &s.dns,    &s.zone, &s.ns,
          &s.soa,  &s.policy,     &s.check,   &s.site, &s.record, &s.lab,  &s.lab_site};
}

std::string type_name(const Field& f) {
  switch (f.type) {
    case VT::string:
      return "string";
    case VT::identifier:
      return "name";
    case VT::dns_name:
      return "DNS name";
    case VT::integer:
      return "integer";
    case VT::boolean:
      return "boolean";
    case VT::duration:
      return "duration";
    case VT::percent:
      return "percent";
    case VT::address:
      return "IP address";
    case VT::endpoint:
      return "address:port";
    case VT::address_list:
      return "list of IP addresses";
    case VT::endpoint_list:
      return "list of address:port";
    case VT::identifier_list:
      return "list of names";
    case VT::int_list:
      return "list of integers";
    case VT::choice: {
      std::string s = "one of ";
      for (size_t i = 0; i < f.choices.size(); ++i) {
        if (i) s += ", ";
        s += "`" + f.choices[i] + "`";
      }
      return s;
    }
    case VT::section:
      return "mapping";
    case VT::section_list:
      return "list of mappings";
  }
  return "value";
}

std::string render_reference_markdown() {
  std::string out;
  for (const Section* s : all_sections()) {
    out += "### `" + (s->path.empty() ? std::string("(top level)") : s->path) + "`\n\n";
    out += s->doc + "\n\n";
    out += "| key | type | default | range | meaning |\n|---|---|---|---|---|\n";
    for (const Field& f : s->fields) {
      std::string def;
      if (f.required) {
        def = "**required**";
      } else if (!f.default_note.empty()) {
        def = f.default_note;
      } else if (!f.default_value.empty()) {
        def = "`" + f.default_value + "`";
      } else {
        def = "—";
      }
      std::string rng;
      bool is_list = f.type == VT::address_list || f.type == VT::endpoint_list ||
                     f.type == VT::identifier_list || f.type == VT::int_list ||
                     f.type == VT::section_list;
      if (f.min || f.max) {
        if (is_list) {
          rng = f.min ? std::to_string(*f.min) : "0";
          rng += f.max ? "–" + std::to_string(*f.max) : " or more";
          rng += " items";
        } else {
          rng = (f.min ? format_limit(f, *f.min) : "") + " – " +
                (f.max ? format_limit(f, *f.max) : "");
        }
      }
      if (!f.unit.empty() && f.unit != "duration" && f.unit != "percent") rng += " " + f.unit;
      std::string key = "`" + f.key + "`";
      std::string doc = f.doc;
      if (f.section) doc = "see `" + f.section->path + "`";
      out += "| " + key + " | " + escape_cell(type_name(f)) + " | " + escape_cell(def) + " | " +
             escape_cell(rng) + " | " + escape_cell(doc) + " |\n";
    }
    out += "\n";
  }
  return out;
}

}  // namespace drpilot::config
