#include "config/schema.h"

#include "config/limits.h"

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
  Section controller, journal, api, api_token, dns, zone, ns, soa, policy, check, site, record,
      provider, provider_record, lb_member, hooks, pre_change, post_change, aws, data_region,
      table_group, agent, cluster, cluster_member, etcd, lab, lab_site, lab_data_region, root;

  Schema() {
    controller = {"controller",
                  "This controller's identity and how long evidence stays valid.",
                  {
                      f("vantage", VT::identifier, "controller",
                        "Name of this controller's own vantage in observations and status. "
                        "Changing it needs a restart: it names all the evidence collected."),
                      note(range(f("freshness", VT::duration, "",
                                   "A vantage whose latest observation is older than this "
                                   "does not vote in the quorum; with no fresh vantage a "
                                   "target is unknown. Keep it well above the longest "
                                   "interval plus timeout."),
                                 100, 1 * kHour, "duration"),
                           "3 × the longest check interval + its timeout, at least 2s"),
                      range(f("check_threads", VT::integer, "0",
                              "Threads that run this controller's checks, each with its own "
                              "event loop, so planning, the journal and the API never delay a "
                              "check. 0: one per 15,000 checks a second (at their normal "
                              "interval), at most one per core and 4 in all. Changing it needs "
                              "a restart."),
                            0, 64, ""),
                  }};
    journal = {"journal",
               "The journal: an SQLite database (WAL, synchronous=FULL) holding verdict "
               "changes, plans, operator commands, every provider step, hook outcomes and "
               "lifecycle events (start, stop, reload). A restarted controller resumes from "
               "it: the plan, verdicts, overrides and each provider's progress.",
               {
                   f("path", VT::string, "drpilot-journal.db",
                     "Database file. A relative path is relative to the configuration "
                     "file's directory, not the working directory. The directory must exist; "
                     "the file is created when missing. An existing file that is not a "
                     "drpilot journal, or fails its integrity check, is refused, never "
                     "overwritten. Changing it needs a restart. One controller at a time: "
                     "it is locked (PATH.lock) while a controller runs."),
                   range(f("max_age", VT::duration, "90d",
                           "Events older than this are removed (a few thousand a minute at "
                           "most, so a backlog never stalls the controller); 0s keeps them for "
                           "ever. The state a restart resumes from is never removed."),
                         0, 100LL * 365 * 24 * kHour, "duration"),
                   range(f("max_size_mb", VT::integer, "1024",
                           "The oldest events are removed while the journal holds more than "
                           "this many MiB of data (0: no bound); the file then stops growing "
                           "at about this size (it is not shrunk)."),
                         0, 1'000'000, ""),
                   range(f("integrity_check_timeout", VT::duration, "10s",
                           "The integrity check at start-up (PRAGMA quick_check) stops after "
                           "this long (0s: no check), so a large journal never holds the start "
                           "back; the log and status say it was not finished."),
                         0, kHour, "duration"),
               }};
    api_token = {
        "api.tokens[]",
        "A named bearer token. Its name is who the journal says gave a command (the "
        "client's own description, if any, follows in parentheses); its role says "
        "what it may do. Exactly one of token, token_env and token_file.",
        {
            req("name", VT::string,
                "Who holds the token (letters, digits, '.', '_', '-', '@'), e.g. alice or "
                "grafana."),
            choice("role", {"read", "operator"}, "operator",
                   "read: status and history (when api.read_token_required); operator: "
                   "those and the operator commands."),
            note(f("token_env", VT::string, "",
                   "Name of the environment variable holding the token."),
                 "none"),
            note(f("token_file", VT::string, "",
                   "File holding the token (trailing newline ignored; keep it mode 0600: "
                   "drpilot warns when others can read it). Relative to the configuration "
                   "file's directory."),
                 "none"),
            note(f("token", VT::string, "", "The token itself. Only for demos and tests."), "none"),
        }};
    api = {"api",
           "The HTTP API: status, history and /healthz, and the operator commands (drain, "
           "pin, freeze, switchover, ...) for callers with an operator token. Keep it on "
           "loopback or a management network, or serve it over TLS. Tokens are at least 16 "
           "bytes (e.g. `openssl rand -hex 16`). token, token_env and token_file (at most "
           "one) set a single operator token named 'operator'; tokens[] names more, with "
           "roles. With no operator token, operator commands are refused.",
           {
               f("listen", VT::endpoint, "127.0.0.1:8080",
                 "Address and port to listen on; port 0 takes any free port, reported in "
                 "the log and by `drpilot run --port-file`. Changing it needs a restart."),
               note(f("token_env", VT::string, "",
                      "Name of the environment variable holding the operator token."),
                    "none"),
               note(f("token_file", VT::string, "",
                      "File holding the operator token (trailing newline ignored). A relative "
                      "path is relative to the configuration file's directory."),
                    "none"),
               note(f("token", VT::string, "",
                      "The operator token itself. Only for demos: anyone who can read the file "
                      "has it."),
                    "none"),
               sub("tokens", VT::section_list, api_token, false,
                   "Named tokens with roles. See api.tokens[]."),
               f("read_token_required", VT::boolean, "false",
                 "Status and history need a token too (any role); /healthz never does."),
               note(f("tls_certificate_file", VT::string, "",
                      "PEM certificate chain: the API is served over HTTPS (HTTP/1.1 over "
                      "TLS 1.2 or newer) instead of plain HTTP. Needs tls_key_file. Clients "
                      "given -c FILE trust this certificate. Changing it needs a restart."),
                    "plain HTTP"),
               note(f("tls_key_file", VT::string, "",
                      "PEM private key of tls_certificate_file (keep it mode 0600)."),
                    "none"),
               note(f("host_names", VT::string_list, "",
                      "Names the API answers to in the Host header, besides its listen address "
                      "(and localhost when that is loopback). Any other Host is answered 421, "
                      "so a web page cannot reach the API through DNS rebinding. /healthz and "
                      "agents' signed reports answer any Host. Listening on a wildcard address "
                      "(0.0.0.0, ::) "
                      "without host_names accepts any Host."),
                    "none"),
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
                "Its IPv4/IPv6 addresses, served as glue when the name is inside the zone "
                "(then at least one is required)."),
          }};
    zone = {"dns.zones[]",
            "A zone the embedded server is authoritative for. A record outside every zone "
            "must be published by a DNS provider (providers[]).",
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
                    "Addresses to serve on, UDP and TCP. Port 53 needs root or "
                    "CAP_NET_BIND_SERVICE. An IPv6 address serves IPv6 only: list "
                    "0.0.0.0:53 and [::]:53 for both. Port 0 takes any free port (reported "
                    "like api.listen's). Changing it needs a restart."),
                  1, 16),
            range(note(f("udp_threads", VT::integer, "0",
                         "UDP worker threads per listen address. Changing it needs a "
                         "restart."),
                       "0 = one per CPU core"),
                  0, 64),
            range(f("tcp_idle_timeout", VT::duration, "10s",
                    "An idle TCP connection is closed after this long. Changing it needs "
                    "a restart."),
                  100, 10 * kMinute, "duration"),
            range(f("tcp_max_lifetime", VT::duration, "2m",
                    "A TCP connection this old, busy or not, takes no more queries and is "
                    "closed once its answers are sent (its client opens another), so that "
                    "no client holds one of the 256 connections for ever. Changing it needs "
                    "a restart."),
                  kSecond, 1 * kHour, "duration"),
            range(sub("zones", VT::section_list, zone, true, "Zones to serve."), 1, std::nullopt),
        }};
    policy = {"policy",
              "How cautious automatic changes are. Moving traffic away from a down site is "
              "never delayed; these settings govern failback and a recovered site rejoining.",
              {
                  choice("failback", {"auto", "manual"}, "auto",
                         "auto: return to a better site (or let a recovered site rejoin a "
                         "multivalue answer) after the hold-down; manual: never do either "
                         "automatically, traffic stays until its site goes down or the "
                         "configuration changes."),
                  range(f("hold_down", VT::duration, "60s",
                          "How long a better site must have been up (counted from its verdict "
                          "turning up) before traffic fails back to it or it rejoins."),
                        0, 24 * kHour, "duration"),
                  range(f("min_interval", VT::duration, "30s",
                          "Minimum time between a record's previous automatic change and a "
                          "failback or rejoin. Moves away from a down site ignore it."),
                        0, 24 * kHour, "duration"),
                  range(f("flap_window", VT::duration, "10m",
                          "Window over which a record's automatic changes (moves away from down "
                          "sites and failbacks) are counted for flap detection."),
                        kSecond, 24 * kHour, "duration"),
                  range(f("flap_max_changes", VT::integer, "6",
                          "This many automatic changes of one record within the window freeze its "
                          "failback and rejoins until fewer remain in the window. Moves away "
                          "from a down site continue."),
                        2, 1000),
              }};
    check = {"checks[]",
             "A health check, attached to sites by name. Each site × check is one target.",
             {
                 req("name", VT::identifier, "Check name, referenced from sites[].checks."),
                 [] {
                   Field x = choice("type", {"http", "https", "tcp", "dynamodb"}, "",
                                    "Kind of check. dynamodb checks belong to data regions "
                                    "(data_regions[].checks), the others to sites.");
                   x.required = true;
                   return x;
                 }(),
                 range(note(f("port", VT::integer, "", "TCP port to connect to."),
                            "80 for http, 443 for https; required for tcp"),
                       1, 65535),
                 f("path", VT::string, "/", "http(s): request path."),
                 note(f("host", VT::string, "",
                        "http(s): Host header, TLS server name (SNI) and the name the "
                        "certificate is verified against."),
                      "the target address"),
                 range(f("expect_status", VT::int_list, "[200]",
                         "http(s): status codes (100-599) that count as success."),
                       1, 100),
                 note(f("expect_body", VT::string, "",
                        "http(s): a substring (1-1024 characters) that must appear within the "
                        "first 5 KiB of the body."),
                      "no body check"),
                 range(f("interval", VT::duration, "5s",
                         "Time between the starts of two checks of one target. A check that "
                         "takes longer is followed at once, never overlapped."),
                       50, 1 * kHour, "duration"),
                 note(range(f("edge_interval", VT::duration, "",
                              "Faster interval used while a state change is pending (a failure "
                              "while up, a success while down, no verdict yet). At most "
                              "interval."),
                            20, 1 * kHour, "duration"),
                      "interval / 3, at least 20ms"),
                 range(f("jitter", VT::percent, "10%",
                         "Every wait is spread randomly by up to plus or minus this share of "
                         "the interval, so checks never synchronise."),
                       0, 50, "percent"),
                 range(f("connect_timeout", VT::duration, "1s",
                         "Connect (and TLS handshake) timeout; at most timeout. The only "
                         "timeout a tcp check uses."),
                       10, kMinute, "duration"),
                 range(f("timeout", VT::duration, "2s",
                         "Total time allowed for one http(s) check: connect, TLS, request and "
                         "response."),
                       10, kMinute, "duration"),
                 range(f("rise", VT::integer, "2", "Consecutive successes to be considered up."), 1,
                       100),
                 range(f("fall", VT::integer, "3", "Consecutive failures to be considered down."),
                       1, 100),
                 f("tls_verify", VT::boolean, "true",
                   "https: verify the server certificate (against the system CA store) and "
                   "host name. Turn off only for a named, trusted endpoint."),
                 note(f("address", VT::address, "", "Address to check instead of the site's."),
                      "the site's check_address"),
                 choice("operation", {"describe", "sentinel"}, "describe",
                        "dynamodb: describe the table (it and every replica must be ACTIVE), or "
                        "read the sentinel item with a consistent GetItem (it must exist)."),
                 note(f("table", VT::string, "", "dynamodb: the table."), "required for dynamodb"),
                 note(f("key", VT::string, "",
                        "dynamodb sentinel: the item's key in DynamoDB JSON, e.g. "
                        "'{\"pk\": {\"S\": \"drpilot-sentinel\"}}'."),
                      "required for a sentinel"),
             }};
    site = {"sites[]",
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
                        "Lower is preferred; ties go to the order of the record's sites. "
                        "Failover answers with the best up site."),
                      0, 1000000),
                range(f("weight", VT::integer, "1",
                        "Not used yet: reserved for weighted routing, which is not "
                        "implemented."),
                      0, 1000000),
                range(f("checks", VT::identifier_list, "[]",
                        "Checks of this site. A site is down when any of its checks is down, "
                        "up when all are up. A site without checks stays unknown and is "
                        "never failed away from."),
                      0, kMaxChecksPerSite),
                f("data_regions", VT::identifier_list, "[]",
                  "Data regions this site may use, preferred (local) first. Its assignment "
                  "moves down the list when its data region is down."),
            }};
    record = {"records[]",
              "A DNS name drpilot steers.",
              {
                  req("name", VT::dns_name,
                      "Fully qualified name. With a dns section it must be inside one of "
                      "dns.zones or published by a DNS provider."),
                  choice("type", {"A", "AAAA"}, "A", "Record type."),
                  choice("mode", {"failover", "multivalue"}, "failover",
                         "failover: one site, the best up by priority; multivalue: every up "
                         "site, best first."),
                  range(f("ttl", VT::integer, "30", "TTL of the answer."), 0, 86400, "seconds"),
                  range(req("sites", VT::identifier_list,
                            "Sites that may answer, by name. Each needs an endpoint of the "
                            "record's type (IPv4 for A, IPv6 for AAAA)."),
                        1, kMaxSitesPerRecord),
                  choice("all_down", {"fail-static", "fail-open"}, "fail-static",
                         "When every site is down: keep the last good answer, or the preferred "
                         "site if there never was one (fail-static), or answer with all "
                         "sites (fail-open)."),
              }};
    provider_record = {
        "providers[].records[]",
        "A record a DNS provider publishes.",
        {
            req("name", VT::dns_name, "The name of one of records[]."),
            note(choice("type", {"A", "AAAA"}, "", "Only this type of that name."),
                 "every configured type of that name"),
            note(range(f("record_id", VT::integer, "",
                         "linode_dns: manage exactly this Linode record (failover records "
                         "only). The record must exist; find ids with GET "
                         "/v4/domains/{domainId}/records."),
                       1, std::nullopt),
                 "found by name and type"),
        }};
    lb_member = {"providers[].members[]",
                 "digitalocean_lb: the droplets that serve one site.",
                 {
                     req("site", VT::identifier, "One of sites[]."),
                     range(req("droplet_ids", VT::int_list, "Its droplets' ids."), 1, 1000),
                 }};
    provider = {
        "providers[]",
        "Something that makes the world match the plan besides the embedded DNS: a DNS "
        "provider's records, a load balancer's members, a webhook. Each one is read, "
        "changed and read back on its own; one failing never holds up the others. See "
        "docs/providers.md.",
        {
            req("name", VT::identifier, "Name in status and history, e.g. linode-dns."),
            [] {
              Field x =
                  choice("type", {"linode_dns", "digitalocean_dns", "digitalocean_lb", "webhook"},
                         "", "What it changes.");
              x.required = true;
              return x;
            }(),
            note(f("endpoint", VT::string, "",
                   "API base URL, to use a proxy or a test server; for a webhook, the URL "
                   "drpilot POSTs to (required)."),
                 "https://api.linode.com/v4, https://api.digitalocean.com/v2"),
            note(f("token_env", VT::string, "",
                   "Environment variable holding the API token (for a webhook: the HMAC "
                   "key). One of token_env, token_file and token is required."),
                 "none"),
            note(f("token_file", VT::string, "",
                   "File holding the API token or HMAC key; relative to the configuration "
                   "file."),
                 "none"),
            note(f("token", VT::string, "", "The token itself. Only for tests and demos."), "none"),
            range(f("timeout", VT::duration, "10s", "Limit for each request to the API."), 100,
                  2 * kMinute, "duration"),
            range(f("retry_max", VT::duration, "60s",
                    "Failed attempts are retried with full-jitter exponential backoff from 1s "
                    "up to this long, never sooner than the API asks (429 Retry-After, "
                    "rate-limit reset) up to retry_after_max. A newer plan is tried at once."),
                  kSecond, kHour, "duration"),
            range(f("retry_after_max", VT::duration, "5m",
                    "The longest wait an API may ask for (Retry-After, a rate limit's reset) "
                    "that is honoured: a broken or hostile API cannot hold a failover back "
                    "for longer."),
                  kSecond, 24 * kHour, "duration"),
            f("tls_verify", VT::boolean, "true", "Verify the API's TLS certificate."),
            note(f("domain", VT::dns_name, "",
                   "linode_dns, digitalocean_dns: the domain (zone) at the provider, e.g. "
                   "example.com."),
                 "required for digitalocean_dns; for linode_dns, domain or domain_id"),
            note(range(f("domain_id", VT::integer, "",
                         "linode_dns: the domain's id, instead of finding it by name."),
                       1, std::nullopt),
                 "found by domain"),
            note(sub("records", VT::section_list, provider_record, false,
                     "linode_dns, digitalocean_dns: the records to publish."),
                 "every record inside domain"),
            note(f("load_balancer_id", VT::string, "", "digitalocean_lb: the load balancer's id."),
                 "required for digitalocean_lb"),
            note(f("record", VT::dns_name, "",
                   "digitalocean_lb: the record whose answer decides which sites' droplets "
                   "are members."),
                 "required for digitalocean_lb"),
            sub("members", VT::section_list, lb_member, false,
                "digitalocean_lb: each site's droplets."),
        }};
    pre_change = {
        "hooks.pre_change[]",
        "A command asked before the world changes. Exit 0 allows the change; any "
        "other exit, a timeout or a failure to start vetoes it.",
        {
            range(req("command", VT::string_list, "The program and its arguments (no shell)."), 1,
                  64),
            range(f("timeout", VT::duration, "10s",
                    "Killed (with its process group) after this long."),
                  100, 10 * kMinute, "duration"),
        }};
    post_change = {
        "hooks.post_change[]",
        "A command run after every provider verified a change.",
        {
            range(req("command", VT::string_list, "The program and its arguments (no shell)."), 1,
                  64),
            range(f("timeout", VT::duration, "30s",
                    "Killed (with its process group) after this long."),
                  100, 10 * kMinute, "duration"),
        }};
    hooks = {"hooks",
             "Commands run around every change of the world, once per record that moves, "
             "with the change in DRPILOT_* environment variables (see docs/providers.md).",
             {
                 sub("pre_change", VT::section_list, pre_change, false,
                     "Asked before a change; any of them can veto it."),
                 sub("post_change", VT::section_list, post_change, false,
                     "Run after a change reached every provider."),
                 range(f("veto_retry", VT::duration, "30s",
                         "A vetoed change is put to the pre_change hooks again after this "
                         "long (a newer plan is put to them at once)."),
                       kSecond, 24 * kHour, "duration"),
                 note(f("environment", VT::string_list, "",
                        "Names of the controller's environment variables passed on to the "
                        "hooks. Hooks get only these, PATH, HOME, LANG and the DRPILOT_* "
                        "variables of the change; never a variable holding a secret."),
                      "none"),
             }};
    aws = {"aws",
           "Where the AWS credentials for DynamoDB come from: the environment "
           "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), else the shared "
           "credentials file and profile, else the container credentials endpoint (ECS, EKS: "
           "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI). They are refreshed 5 minutes "
           "before they expire, every minute when they do not, and at once when DynamoDB "
           "refuses them; a check refused for its credentials is unknown, never down (see "
           "docs/data.md).",
           {
               note(f("profile", VT::string, "", "Profile in the shared credentials file."),
                    "AWS_PROFILE, else default"),
               note(f("credentials_file", VT::string, "",
                      "The shared credentials file; relative to the configuration file."),
                    "AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials"),
           }};
    data_region = {"data_regions[]",
                   "A replica of the data: one AWS region's DynamoDB (or a compatible "
                   "endpoint). Its verdict comes from its dynamodb checks, like a site's.",
                   {
                       req("name", VT::identifier, "Name, e.g. eu-west-1."),
                       note(f("region", VT::string, "", "AWS region, for signing."), "name"),
                       note(f("endpoint", VT::string, "", "DynamoDB endpoint URL."),
                            "https://dynamodb.<region>.amazonaws.com"),
                       f("checks", VT::identifier_list, "[]",
                         "Its dynamodb checks. Down when any is down, up when all are up."),
                   }};
    table_group = {
        "table_groups[]",
        "Tables replicated together (a DynamoDB global table each), with one write mode.",
        {
            req("name", VT::identifier, "Name, e.g. shop."),
            range(req("tables", VT::string_list, "The tables."), 1, 100),
            choice("write_mode", {"single", "any"}, "single",
                   "single: one write-primary region, every site writes there (its role says "
                   "so); any: every site writes to its own data region."),
            note(f("primary_order", VT::identifier_list, "",
                   "single: the write-primary preference, best first."),
                 "data_regions order"),
            range(f("rpo_budget", VT::duration, "5s",
                    "The write-primary moves automatically only to a region whose replication "
                    "lag from the old primary is within this."),
                  0, 24 * kHour, "duration"),
            range(f("primary_grace", VT::duration, "2m",
                    "A primary down this long moves whatever the lag (the move says so)."),
                  0, 24 * kHour, "duration"),
            note(f("canary_table", VT::string, "",
                   "Table for the canary: drpilot writes a heartbeat item into each region "
                   "and reads every other region's, measuring replication lag."),
                 "no canary, no lag"),
            f("canary_key", VT::string, "pk", "The canary table's string hash key attribute."),
            range(f("canary_interval", VT::duration, "1s",
                    "How often each region's heartbeat "
                    "is written."),
                  100, kHour, "duration"),
            range(f("lag_window", VT::duration, "5m", "Lag p50 and max are over this window."),
                  kSecond, 24 * kHour, "duration"),
        }};
    agent = {
        "agents[]",
        "An agent beside the application in a site (drpilot agent -c FILE --name NAME): "
        "it runs the site's checks as another vantage, applies the site's data "
        "assignment by rendering a file and reloading, and serves /healthz. One of "
        "key, key_env and key_file is required.",
        {
            req("name", VT::identifier, "Its name: the vantage in status."),
            req("site", VT::identifier, "The site it runs in."),
            note(f("key_env", VT::string, "",
                   "Environment variable holding the HMAC key "
                   "shared with the controllers."),
                 "none"),
            note(f("key_file", VT::string, "", "File holding the HMAC key."), "none"),
            note(f("key", VT::string, "", "The key itself. Only for demos."), "none"),
            range(req("controllers", VT::string_list, "The controllers' API base URLs."), 1, 16),
            note(f("controller_ca_file", VT::string, "",
                   "PEM certificate(s) to trust for https controllers: a private CA, or the "
                   "controllers' own certificates (api.tls_certificate_file)."),
                 "the system's trust store"),
            range(f("report_interval", VT::duration, "1s",
                    "How often observations are pushed (and the assignment fetched)."),
                  100, kMinute, "duration"),
            f("listen", VT::endpoint, "127.0.0.1:8091",
              "Its /healthz: 200 only while the site is healthy and its assignment applied. "
              "Port 0 takes any free port, reported in the log and by `--port-file`."),
            note(f("template", VT::string, "",
                   "A file with {{data_region}}, {{write_region}}, {{role}}, "
                   "{{generation}} (and {{group.NAME.data_region}}, ...) to render."),
                 "nothing rendered"),
            note(f("output", VT::string, "", "Where the rendered file is written atomically."),
                 "required with template"),
            f("follow_symlink", VT::boolean, "false",
              "When output is a symbolic link, replace the file it points to. Without it such "
              "an output is refused: renaming over a link replaces the link, and a link "
              "someone planted would point the write elsewhere."),
            note(f("reload", VT::string_list, "",
                   "Command run after the file changed (no shell); on failure or timeout "
                   "the previous file is restored."),
                 "none"),
            range(f("reload_timeout", VT::duration, "10s", "Limit for the reload command."), 100,
                  10 * kMinute, "duration"),
            note(f("reload_environment", VT::string_list, "",
                   "Names of the agent's environment variables passed on to the reload, "
                   "besides PATH, HOME, LANG and the DRPILOT_* variables; never its key."),
                 "none"),
            note(f("cross_check", VT::string_list, "",
                   "The other sites whose checks it runs too, from outside them: each site "
                   "is judged by the vantages outside it (docs/vantages.md), so other "
                   "sites' agents tell a site that is down from a controller that is cut "
                   "off. [] checks only its own site."),
                 "every other site"),
        }};
    cluster_member = {
        "cluster.members[]",
        "One controller of the cluster. Every member runs with the same file and is told "
        "which member it is with `drpilot run --member NAME`.",
        {
            req("name", VT::identifier,
                "Its name: the leader key's value in etcd, its vantage in observations, the "
                "leader named in status and history."),
            req("api", VT::string,
                "Its API's base URL as the other members, agents and `drpilot` commands "
                "reach it (http:// or https://)."),
            note(f("api_listen", VT::endpoint, "",
                   "Where its API listens, when that differs from the URL's host and port "
                   "(a wildcard address behind a name)."),
                 "the api URL's host and port"),
            note(f("dns", VT::endpoint_list, "",
                   "Its embedded DNS server's listen addresses (instead of dns.listen): each "
                   "member answers from the leader's current plan."),
                 "dns.listen"),
            note(f("journal", VT::string, "",
                   "Its own journal's path (instead of journal.path), for members that "
                   "share a machine; each member keeps a journal of its own."),
                 "journal.path"),
        }};
    etcd = {
        "cluster.etcd",
        "The etcd cluster (v3, through its HTTP/JSON gateway) that elects the leader and "
        "holds the shared state. One of password, password_env and password_file goes "
        "with a user.",
        {
            range(req("endpoints", VT::string_list,
                      "Client URLs of the etcd members (http:// or https://); "
                      "requests go to one and move to the next when it fails."),
                  1, 16),
            f("prefix", VT::string, "/drpilot/",
              "Every key drpilot writes starts with this: the leader key, the shared "
              "state, each member's configuration digest."),
            range(f("lease_ttl", VT::duration, "2s",
                    "The leader's lease: a dead leader is replaced this long (plus a poll "
                    "interval) after its last keep-alive. Whole seconds; etcd may raise "
                    "it to its own minimum (1.5 x its election timeout)."),
                  2 * kSecond, kMinute, "duration"),
            range(f("apply_deadline", VT::duration, "500ms",
                    "The longest a provider write, hook or data move may take to land: "
                    "the leader starts one only while its lease stays valid this much "
                    "longer."),
                  50, 30 * kSecond, "duration"),
            range(f("clock_rate_bound", VT::percent, "1%",
                    "How much slower than etcd's this machine's clock may run; the "
                    "lease counts as valid for lease_ttl / (1 + bound) after a "
                    "confirmation."),
                  0, 50, "percent"),
            range(f("timeout", VT::duration, "1s", "Each request to etcd."), 100, 30 * kSecond,
                  "duration"),
            note(f("ca_file", VT::string, "", "PEM certificate(s) to trust for https endpoints."),
                 "the system's trust store"),
            note(f("certificate_file", VT::string, "",
                   "A client certificate (PEM) for etcd's client-certificate "
                   "authentication; with key_file."),
                 "none"),
            note(f("key_file", VT::string, "", "The client certificate's key (PEM)."), "none"),
            note(f("user", VT::string, "", "An etcd user (etcd's auth)."), "none"),
            note(f("password_env", VT::string, "",
                   "Environment variable holding the user's password."),
                 "none"),
            note(f("password_file", VT::string, "", "File holding the user's password."), "none"),
            note(f("password", VT::string, "", "The password itself. Only for demos."), "none"),
        }};
    cluster = {
        "cluster",
        "Several controllers acting as one (docs/ha.md): one leader elected on etcd "
        "makes plans, runs hooks and changes providers and data; the others check "
        "from where they are, serve DNS from the leader's plan and take over when "
        "it dies. Without this section drpilot runs alone, without etcd.",
        {
            range(sub("members", VT::section_list, cluster_member, true, "See cluster.members[]."),
                  1, 9),
            sub("etcd", VT::section, etcd, true, "See cluster.etcd."),
            range(f("max_clock_skew", VT::duration, "1s",
                    "Members' wall clocks further apart than this are warned about (status "
                    "alert, log, journal). Nothing depends on them agreeing: leases use "
                    "each member's monotonic clock, and the leader ages a member's "
                    "observations by its own clock of receipt; journal times across "
                    "members line up only as well as the clocks do."),
                  100, kMinute, "duration"),
        }};
    lab_data_region = {"lab.data_regions[]",
                       "A data region in the lab: a DynamoDB-compatible server (dynalite) behind "
                       "a proxy that replicates every write to the other lab regions.",
                       {
                           req("name", VT::identifier, "The data region it simulates."),
                           req("listen", VT::endpoint, "Address and port of its endpoint."),
                       }};
    lab_site = {"lab.sites[]",
                "A simulated site: an HTTP server on its own loopback address.",
                {
                    req("name", VT::identifier, "The site it simulates (one of sites[])."),
                    req("listen", VT::endpoint, "Address and port of its HTTP server."),
                }};
    lab = {"lab",
           "The local lab (drpilot lab / drpilot demo): simulated sites with a control API. "
           "drpilot run checks it but does not use it; read only at start.",
           {
               f("control", VT::endpoint, "127.0.0.1:8079",
                 "Address of the lab control API (port 0: any free port, reported by "
                 "`drpilot lab --port-file`)."),
               sub("sites", VT::section_list, lab_site, false,
                   "Simulated sites (a lab needs sites, data regions or both: a lab of data "
                   "regions alone stands for the data side on a host of its own)."),
               sub("data_regions", VT::section_list, lab_data_region, false,
                   "Simulated data regions."),
               range(f("replication_delay", VT::duration, "300ms",
                       "How late a write reaches the other lab regions."),
                     0, kHour, "duration"),
           }};
    root = {
        "",
        "The top level of the file. Only sites and records are required; every "
        "section left out takes its defaults. Without a dns section drpilot decides and "
        "reports but serves no answers.",
        {
            sub("controller", VT::section, controller, false, "See controller."),
            sub("journal", VT::section, journal, false, "See journal."),
            sub("api", VT::section, api, false, "See api."),
            sub("dns", VT::section, dns, false, "See dns."),
            sub("policy", VT::section, policy, false, "See policy."),
            range(sub("checks", VT::section_list, check, false, "See checks[]."), 0, kMaxChecks),
            range(sub("sites", VT::section_list, site, true, "See sites[]."), 1, kMaxSites),
            range(sub("records", VT::section_list, record, true, "See records[]."), 1, kMaxRecords),
            sub("providers", VT::section_list, provider, false, "See providers[]."),
            sub("hooks", VT::section, hooks, false, "See hooks."),
            sub("aws", VT::section, aws, false, "See aws."),
            sub("data_regions", VT::section_list, data_region, false, "See data_regions[]."),
            sub("table_groups", VT::section_list, table_group, false, "See table_groups[]."),
            sub("agents", VT::section_list, agent, false, "See agents[]."),
            sub("cluster", VT::section, cluster, false, "See cluster."),
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
    if (v == 0) return "0s";
    if (v % kHour == 0) return std::to_string(v / kHour) + "h";
    if (v % kMinute == 0) return std::to_string(v / kMinute) + "m";
    if (v % kSecond == 0) return std::to_string(v / kSecond) + "s";
    return std::to_string(v) + "ms";
  }
  if (f.type == VT::percent) return std::to_string(v) + "%";
  return std::to_string(v);
}

// The guide that opens docs/configuration.md: how the file is read, how values
// are written and how the settings work together. The per-section tables follow.
constexpr const char* kGuide =
    R"md(<!-- Generated by `drpilot config-reference` from src/config/schema.cpp: edit that file, then regenerate this one. -->

# Configuration reference

drpilot reads one YAML file, named with `-c FILE` by `drpilot run`, `drpilot demo`,
`drpilot lab` and `drpilot check-config`. This page explains how the file is read, how
values are written and how the settings work together. The [reference](#reference) at
the end lists every key with its type, default and allowed range.

## How the file is read

- The file holds exactly one YAML document. Text after a `---` separator is an error,
  never silently ignored.
- Every key is checked against the schema. An unknown key is an error, with a
  suggestion when it looks like a typo (`did you mean 'interval'?`), and so is a key
  written twice in one mapping. A key that is left out takes its documented default.
- Errors are reported as `file:line:col: message`, all of them at once. References
  between sections (a site naming a check, a record naming a site, a record inside a
  zone, a lab site naming a site) are checked only once every section reads cleanly, so
  fixing one batch of errors can reveal the next.
- A configuration with any error is never used: `drpilot run` refuses to start and a
  reload keeps the running configuration.

Validate a file before you use it. `drpilot check-config` exits 0 when the file is
valid and 1 when it is not:

```
$ drpilot check-config -c /etc/drpilot/drpilot.yaml
/etc/drpilot/drpilot.yaml: OK (2 sites, 2 checks, 3 records, 4 targets, 1 zone)

$ drpilot check-config -c broken.yaml
broken.yaml:4:5: unknown key 'intervall' in checks[0] (did you mean 'interval'?)
broken.yaml:5:14: 'timeout': expected a duration such as 250ms, 10s, 5m or 1h, got '2'
```

## How values are written

| type | written as | notes |
|---|---|---|
| duration | `250ms`, `10s`, `1.5s`, `5m`, `1h`, `1m30s` | Units `ms`, `s`, `m`, `h`. A number without a unit is refused. |
| integer | `30` | TTLs and SOA timers are plain integers in seconds, not durations: `ttl: 30`, not `ttl: 30s`. |
| percent | `10%` or `10` | |
| boolean | `true`, `false` (or `yes`, `no`) | |
| name | `ams`, `fra-2` | 1-63 lower-case letters, digits, `-` or `_`, starting with a letter or digit. Sites, checks and the vantage have names. |
| DNS name | `www.example.com` | Letters, digits, `-` and `_`; labels of up to 63 characters, at most 253 in all. Case does not matter (names are stored in lower case) and a trailing dot is optional. |
| IP address | `192.0.2.10`, `2001:db8::10` | A literal address; host names are not accepted. |
| address:port | `127.0.0.1:8080`, `"[::1]:53"` | IPv6 in brackets, port 1-65535. Quote the bracketed form, or YAML reads it as a list. |
| list | `[a, b]`, or one `- item` per line | |

## Limits

One controller takes on at most what the table says; a configuration beyond a limit
is refused when it is read, with the limit named, rather than run slowly. At 10,000
targets checked every second the check threads use about half a core
([BENCHMARKS.md](../BENCHMARKS.md)); the limits leave room beyond that.

| what | at most |
|---|---|
| the configuration file | 8 MiB (its YAML tree takes about fifty times that in memory) |
| sites | 20,000 |
| records | 20,000 |
| checks (definitions in `checks`) | 1,000 |
| checks of one site | 100 |
| sites of one record | 1,000 |
| check targets (each site × its checks, each data region × its checks) | 20,000 |
| sites named by all records together | 100,000 |

A larger estate is split between controllers, each with its own configuration (its
own sites, records and zone).

## An example

Two sites, checked over HTTPS and TCP, steering `www` (A and AAAA) by failover and
`api` by multivalue, with the answers served by drpilot's own DNS server for the
delegated zone `app.example.com`. `ns1` is the controller using this file; `ns2` is a
second controller whose file differs only in `controller.vantage` and `dns.listen`.

```yaml
controller:
  vantage: ctl-fra                    # this controller's name in status output

journal:
  path: /var/lib/drpilot/journal.db   # the directory must exist

api:
  listen: 127.0.0.1:8080              # read-only, no authentication: keep it local

dns:
  listen: [203.0.113.53:53, "[2001:db8::53]:53"]
  zones:
    - name: app.example.com
      ns:
        - name: ns1.app.example.com
          addresses: [203.0.113.53, 2001:db8::53]   # glue: the name is inside the zone
        - name: ns2.app.example.com
          addresses: [198.51.100.53]
      soa:
        rname: hostmaster.example.com   # hostmaster@example.com

policy:
  failback: auto
  hold_down: 2m        # a recovered site must stay up 2 minutes before it gets traffic back
  min_interval: 1m
  flap_window: 30m
  flap_max_changes: 6

checks:
  - name: web
    type: https
    path: /healthz
    host: www.app.example.com   # Host header, SNI and certificate name
    expect_status: [200]
    expect_body: ok
    interval: 5s
    edge_interval: 1s
    timeout: 2s
    rise: 3
    fall: 3
  - name: port
    type: tcp
    port: 443
    interval: 10s

sites:
  - name: ams
    endpoints: [192.0.2.10, 2001:db8:a::10]   # checks connect to the first one
    priority: 1
    checks: [web, port]
  - name: nyc
    endpoints: [198.51.100.20, 2001:db8:b::20]
    priority: 2
    checks: [web, port]

records:
  - name: www.app.example.com
    type: A
    sites: [ams, nyc]
  - name: www.app.example.com
    type: AAAA
    sites: [ams, nyc]
  - name: api.app.example.com
    mode: multivalue
    sites: [ams, nyc]
    all_down: fail-open
```

`examples/lab.yaml` is a complete configuration that runs on loopback addresses with
`drpilot demo`.

## How the settings work together

### From checks to verdicts

Every site × check pair is a *target*, named `site/check` (`ams/web`). Each target is
checked on its own timer:

- Its first check runs at a random moment within the first `interval`, so targets do
  not start in step.
- Intervals run from the start of one check to the start of the next. A check that
  takes longer than the interval is followed at once, never overlapped.
- Every wait is spread randomly by up to plus or minus `jitter` of the interval.
- While a change is pending (a failure while the target is up, a success while it is
  down, or no verdict yet) the target is checked every `edge_interval` instead.

A target turns `down` after `fall` consecutive failures and `up` after `rise`
consecutive successes; one result the other way resets the streak. Until its first
streak completes it is `unknown`.

An http(s) check fails when it cannot connect and finish the TLS handshake within
`connect_timeout`, when the whole exchange takes longer than `timeout`, when the status
is not in `expect_status`, or when `expect_body` is not within the first 5 KiB of the
body. A tcp check only opens a connection (within `connect_timeout`) and closes it.

The time to notice an outage is up to one `interval` (plus jitter) until the first
failing check starts, then `fall` − 1 more checks `edge_interval` apart, or back to
back when each failing check runs into its `timeout`. With the defaults (`interval`
5s, `edge_interval` 1.67s, `jitter` 10%, `fall` 3, `timeout` 2s):

| the site | marked down within about |
|---|---|
| refuses connections or answers 503 (each check fails at once) | 5.5s + 2 × 1.8s ≈ 9s |
| accepts connections and never answers (each check takes the 2s timeout) | 5.5s + 3 × 2s ≈ 11.5s |

Recovery is noticed within one `interval` plus (`rise` − 1) × `edge_interval`, about 7s
with the defaults. The lab example (`interval: 250ms`, `edge_interval: 100ms`) notices a
broken site in about half a second.

A site is `down` when any of its checks is down, `up` when all of them are up, and
`unknown` otherwise. drpilot never treats `unknown` as `down`, so a site without checks
is never failed away from: give every site at least one check.

### Freshness

A verdict is a vote of a *vantage*, the place a check ran from. Today the controller is
the only vantage (named by `controller.vantage`), so a target's verdict is the
controller's own. A vantage whose latest result is older than `controller.freshness`
stops voting, and a target with no fresh vantage becomes `unknown`. The default, 3 × the
longest check interval plus its timeout (at least 2s), leaves room for a couple of
missed results. If you set it yourself, keep it well above your longest `interval` plus
`timeout`: otherwise verdicts turn `unknown` between checks and hold-down timers start
again.

### From verdicts to answers

Each record lists the sites that may answer it.

- `failover` answers with one site: the best `up` site by `priority` (lower wins; ties
  go to the order of the record's `sites`). The active site keeps the traffic while it
  is up; only a site with a strictly better priority takes it back, as a failback (see
  below).
- `multivalue` answers with every `up` site, best first. A site that goes down leaves
  the answer at once; a recovered site rejoins under the same rules as a failback.

Moving traffic away from a `down` site is never delayed by any policy setting. On the
very first start, before any check has finished, `failover` answers with the preferred
site and `multivalue` with every site, until the checks say otherwise. After that the
journal carries the answer across restarts.

### When every site is down

`all_down` decides what a record answers when every one of its sites is `down` (not
merely `unknown`):

- `fail-static` (the default) keeps the last answer. If the fault is in drpilot's view
  rather than in the sites (say the controller lost its own network path to all of
  them), nothing changes. If there has never been an answer, the preferred site is
  served.
- `fail-open` answers with every site of the record and lets clients try them all.
  Choose it when a site may well be serving although its checks fail, for example when
  the checks are stricter than the service.

### Failback and flap protection

Moves away from down sites happen at once. Every other automatic change of an answer,
a failback to a better site in `failover` or a recovered site rejoining a `multivalue`
answer, waits until all of these hold:

1. `policy.failback` is `auto`. With `manual`, traffic stays where the last failover
   put it until that site goes down or the configuration changes.
2. The site has been `up` for `hold_down`, counted from the moment its verdict turned
   up.
3. `min_interval` has passed since the record's previous automatic change.
4. The record is not flap-frozen.

Every automatic change of a record (moves away from down sites and failbacks alike) is
counted. When `flap_max_changes` of them fall within `flap_window`, the record is
flap-frozen: failbacks and rejoins stop, moves away from down sites go on, and
`drpilot status` shows `automation partly frozen`. The freeze lifts by itself once fewer
than `flap_max_changes` changes remain within the window; a failback made then counts
too. The counts, the timers and the freeze are kept in the journal and survive a
restart.

In the lab example (`hold_down: 10s`) a healed site gets its traffic back about ten
seconds after it recovers.

### The journal path

A relative `journal.path` is resolved against the directory of the configuration file,
not the working directory: with `-c /etc/drpilot/drpilot.yaml`, `path: journal.db`
means `/etc/drpilot/journal.db`. Use an absolute path in production, such as
`/var/lib/drpilot/journal.db`. The directory must exist; the file is created on the
first start, with SQLite's `-wal` and `-shm` files beside it. An existing file that is
not a drpilot journal, or that fails SQLite's integrity check, is refused and left
untouched.

### Reloading

`kill -HUP <pid>` makes a running controller read its configuration file again (the
path it was started with).

- The file is validated in full first. If it has any error, the running configuration
  stays in force: the errors are logged (`event=reload_refused`) and a `lifecycle`
  event is written to the journal.
- A reload that changes `journal.path`, `api.listen`, `controller.vantage`,
  `dns.listen`, `dns.udp_threads`, `dns.tcp_idle_timeout` or `dns.tcp_max_lifetime`, or
  adds or removes the `dns` section, is refused as a whole, logged and journaled; these
  need a restart.
- Otherwise checks, sites, records, zones, policy and `controller.freshness` take effect
  at once. Targets that remain keep their verdicts; new targets start `unknown`. A site
  removed from a record leaves its answer at once. If an answer changes, a new plan
  generation is made and published.
- The `lab` section is read only at start.

## Reference

One table per section. A section written `name[]` is a list of mappings. A `—` in the
default column means the key is optional and has no default value of its own.

)md";

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
  return {&s.root,
          &s.controller,
          &s.journal,
          &s.api,
          &s.api_token,
          &s.dns,
          &s.zone,
          &s.ns,
          &s.soa,
          &s.policy,
          &s.check,
          &s.site,
          &s.record,
          &s.provider,
          &s.provider_record,
          &s.lb_member,
          &s.hooks,
          &s.pre_change,
          &s.post_change,
          &s.aws,
          &s.data_region,
          &s.table_group,
          &s.agent,
          &s.cluster,
          &s.cluster_member,
          &s.etcd,
          &s.lab,
          &s.lab_site,
          &s.lab_data_region};
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
    case VT::string_list:
      return "list of strings";
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
  std::string out = kGuide;
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
                     f.type == VT::string_list || f.type == VT::section_list;
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
