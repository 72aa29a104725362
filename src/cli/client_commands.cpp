// drpilot status / history / lab ACTION: clients of the running processes.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <vector>

#include "aws/bootstrap_config.h"
#include "aws/credential_provider.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cluster/cluster_options.h"
#include "config/config.h"
#include "config/schema.h"
#include "config/secrets.h"
#include "core/time.h"
#include "net/http.h"
#include "net/url_codec.h"
#include "store/journal.h"

namespace drpilot::cli {
namespace {

using nlohmann::json;

// A value as text: strings without quotes, null as "-".
std::string text(const json& v) {
  if (v.is_null()) return "-";
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() ? "-" : text(*it);
}

std::string list(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->empty()) return "-";
  std::string s;
  for (const json& x : *it)
    s += (s.empty() ? "" : ",") + (x.is_string() ? x.get<std::string>() : x.dump());
  return s;
}

// How a vantage's view counts: " (inside)" for the site's own agent (heard,
// not deciding), " (stale)" when too old to vote, " (could not look)" when
// its check was inconclusive.
std::string vantage_notes(const json& v) {
  std::string notes;
  if (v.value("side", "") == "internal") notes += " (inside)";
  if (!v.value("fresh", true)) notes += " (stale)";
  if (v.value("inconclusive", false)) notes += " (could not look)";
  return notes;
}

void print_history(const json& events) {
  // Oldest first reads like a story.
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    const json& e = *it;
    std::printf("%s  %-9s %s\n", str(e, "at").c_str(), str(e, "kind").c_str(),
                str(e, "message").c_str());
    // A verdict's vantage matrix: who saw the target how at that moment.
    const json data = e.value("data", json::object());
    if (!data.is_object()) continue;
    for (const json& v : data.value("vantages", json::array())) {
      std::printf("%26s from %-14s %-8s %s%s\n", "", str(v, "vantage").c_str(),
                  str(v, "state").c_str(), str(v, "detail").c_str(), vantage_notes(v).c_str());
    }
  }
}

}  // namespace

// GET `path` from the controller `where` finds (no token needed); on failure
// the error is printed. `api` is set to the base URL used.
Fetched read_from_controller(const ConnectionOptions& where, const std::string& path,
                             const std::string& hint, std::string& api) {
  std::string error;
  auto c = connect_to_controller(where, TokenNeed::read, error);
  if (!c) {
    std::cerr << "drpilot: " << error << "\n";
    return {};
  }
  api = c->api;
  Fetched f = fetch(*c, "GET", path, hint);
  if (!f.ok) std::cerr << "drpilot: " << f.error << "\n";
  return f;
}

// Data regions, table groups (write-primary, assignments, lag) and agents,
// when the configuration has them.
void print_data_side(const json& s) {
  const json regions = s.value("data_regions", json::array());
  if (!regions.empty()) std::printf("\nDATA REGIONS\n");
  const json creds = s.value("aws", json::object()).value("credentials", json::object());
  if (!creds.empty()) {
    const bool expires = creds.value("expires_at", json()).is_string();
    std::printf("  AWS credentials from %s; %s %s; next refresh %s\n", str(creds, "source").c_str(),
                expires ? "they expire" : "they do not expire",
                expires ? str(creds, "expires_at").c_str() : "",
                str(creds, "next_refresh_at").c_str());
  }
  for (const json& r : regions) {
    std::printf("  %-10s %-8s since %s  %s\n", str(r, "name").c_str(), str(r, "verdict").c_str(),
                str(r, "since").c_str(), str(r, "endpoint").c_str());
    std::printf("    why: %s\n", str(r, "reason").c_str());
    for (const json& c : r.value("checks", json::array())) {
      for (const json& v : c.value("vantages", json::array())) {
        std::printf("    check %-16s from %-12s %-8s %s in %sms%s\n", str(c, "name").c_str(),
                    str(v, "vantage").c_str(), str(v, "state").c_str(), str(v, "detail").c_str(),
                    str(v, "latency_ms").c_str(), vantage_notes(v).c_str());
      }
    }
    for (const json& v : r.value("seen_from_sites", json::array())) {
      std::printf("    from inside %-10s %-8s since %s  %s\n", str(v, "site").c_str(),
                  str(v, "verdict").c_str(), str(v, "since").c_str(), str(v, "reason").c_str());
    }
  }
  for (const json& g : s.value("table_groups", json::array())) {
    std::printf("\nTABLE GROUP %s (write mode %s)\n", str(g, "name").c_str(),
                str(g, "write_mode").c_str());
    if (str(g, "write_mode") == "single") {
      std::printf("  writes -> %s (since %s)\n    why: %s\n", str(g, "primary").c_str(),
                  str(g, "primary_since").c_str(), str(g, "primary_change_reason").c_str());
      if (str(g, "primary_reason") != str(g, "primary_change_reason"))
        std::printf("    now: %s\n", str(g, "primary_reason").c_str());
    }
    const json move = g.value("move", json::object());
    if (str(move, "phase") != "none" && !str(move, "phase").empty()) {
      std::printf("  move %s -> %s: %s since %s (%s)\n", str(move, "from").c_str(),
                  str(move, "to").c_str(), str(move, "phase").c_str(),
                  str(move, "paused_at").c_str(), str(move, "note").c_str());
    }
    for (const json& a : g.value("assignments", json::array())) {
      std::printf("  %-10s reads %-10s writes %-10s %s\n    why: %s\n", str(a, "site").c_str(),
                  str(a, "data_region").c_str(), str(a, "write_region").c_str(),
                  str(a, "role").c_str(), str(a, "reason").c_str());
    }
    const json lag = g.value("lag", json::array());
    if (!lag.empty()) std::printf("  replication lag (now / p50 / max over the window, samples)\n");
    for (const json& l : lag) {
      std::printf("    %-10s -> %-10s %6sms / %6sms / %6sms  %s\n", str(l, "from").c_str(),
                  str(l, "to").c_str(), str(l, "current_ms").c_str(), str(l, "p50_ms").c_str(),
                  str(l, "max_ms").c_str(), str(l, "samples").c_str());
    }
    if (lag.empty() && g.value("canary", false))
      std::printf("  replication lag: no canary sample yet\n");
  }
  const json agents = s.value("agents", json::array());
  if (!agents.empty()) std::printf("\nAGENTS\n");
  for (const json& a : agents) {
    std::printf("  %-14s site %-8s %-9s generation %s applied  %s\n", str(a, "name").c_str(),
                str(a, "site").c_str(), str(a, "state").c_str(),
                str(a, "applied_generation").c_str(), str(a, "reason").c_str());
    if (a.contains("last_refusal")) {
      std::printf("    %s report(s) refused, the last: %s\n", str(a, "refused").c_str(),
                  str(a, "last_refusal").c_str());
    }
  }
}

int show_status(const ConnectionOptions& where, bool as_json, const std::string& site,
                const std::string& record) {
  std::string api;
  std::string path = "/api/v1/status";
  if (!site.empty()) path += "?site=" + net::url_encode(site);
  if (!record.empty()) path += "?record=" + net::url_encode(record);
  Fetched f = read_from_controller(where, path, "is the controller running? use --api URL", api);
  if (!f.ok) return 1;
  if (as_json) {
    std::cout << f.body.dump(2) << "\n";
    return 0;
  }
  const json& s = f.body;
  try {
    const json& plan = s.at("plan");
    const json& automation = s.at("automation");
    std::printf("drpilot %s at %s: plan generation %s (made %s); automation %s\n",
                str(s.at("controller"), "version").c_str(), api.c_str(),
                str(plan, "generation").c_str(), str(plan, "made_at").c_str(),
                str(automation, "state").c_str());
    if (str(automation, "state") != "active")
      std::printf("  %s\n", str(automation, "reason").c_str());
    if (s.contains("cluster")) {
      // Who acts for the cluster, and what this member is.
      const json& c = s["cluster"];
      const std::string leader = str(c, "leader");
      std::printf("cluster: %s\n",
                  leader.empty() ? ("no leader known (" + str(c, "reason") + ")").c_str()
                                 : (leader + " leads in term " + str(c, "term") + " at " +
                                    str(c, "leader_api") + "; " + str(c, "member") + " is " +
                                    (c.value("acting", false) ? std::string("the acting leader")
                                                              : "a " + str(c, "role")) +
                                    " since " + str(c, "since") + "; plan term " +
                                    str(plan, "term") + " by " + str(plan, "made_by"))
                                       .c_str());
    }
    for (const json& a : s.at("alerts")) std::printf("ALERT: %s\n", a.get<std::string>().c_str());
    if (s.contains("summary")) {
      const json& sites = s["summary"]["sites"];
      std::printf("%s sites: %s up, %s down, %s unknown\n", str(sites, "total").c_str(),
                  str(sites, "up").c_str(), str(sites, "down").c_str(),
                  str(sites, "unknown").c_str());
    }
    std::printf("\nRECORDS\n");
    for (const json& r : s.at("records")) {
      std::printf("  %s %s (%s, ttl %s): %s -> %s\n", str(r, "name").c_str(),
                  str(r, "type").c_str(), str(r, "mode").c_str(), str(r, "ttl").c_str(),
                  list(r, "answer").c_str(), list(r, "addresses").c_str());
      // Why the answer is what it is; then, if it reads differently, how the
      // situation looks now.
      const std::string why = r.value("change_reason", str(r, "reason"));
      std::printf("    why: %s (since %s)\n", why.c_str(), str(r, "changed_at").c_str());
      if (str(r, "reason") != why) std::printf("    now: %s\n", str(r, "reason").c_str());
    }
    // Named copies: iterating over a temporary's items() would dangle.
    const json o = s.value("overrides", json::object());
    const json drained = o.value("drained", json::array());
    const json pinned = o.value("pinned", json::object());
    std::vector<std::string> notes;
    for (const json& d : drained) notes.push_back("drained " + text(d));
    for (const auto& [record, site] : pinned.items()) {
      notes.push_back(record + " pinned to " + text(site));
    }
    if (o.value("frozen", false)) notes.push_back("frozen by " + o.value("frozen_note", ""));
    if (!notes.empty()) {
      std::printf("\nOPERATOR\n");
      for (const std::string& n : notes) std::printf("  %s\n", n.c_str());
    }
    const json providers = s.value("providers", json::array());
    if (!providers.empty()) {
      std::printf("\nPROVIDERS (plan generation %s let through)\n",
                  str(plan, "released_generation").c_str());
      for (const json& p : providers) {
        std::printf("  %-16s %-16s %-11s generation %s verified, %s applied  %s\n",
                    str(p, "name").c_str(), str(p, "type").c_str(), str(p, "state").c_str(),
                    str(p, "verified_generation").c_str(), str(p, "applied_generation").c_str(),
                    str(p, "where").c_str());
        if (str(p, "state") == "failing") {
          const std::string n = str(p, "failures");
          std::printf("    last error (%s %s, next try %s): %s\n", n.c_str(),
                      n == "1" ? "failure" : "failures", str(p, "next_attempt_at").c_str(),
                      str(p, "last_error").c_str());
        }
      }
    }
    std::printf("\nSITES\n");
    for (const json& site : s.at("sites")) {
      std::printf("  %-10s priority %-4s %-8s since %s%s\n", str(site, "name").c_str(),
                  str(site, "priority").c_str(), str(site, "verdict").c_str(),
                  str(site, "since").c_str(), site.value("drained", false) ? "  (drained)" : "");
      std::printf("    why: %s\n", str(site, "reason").c_str());
      for (const json& c : site.at("checks")) {
        for (const json& v : c.at("vantages")) {
          std::printf("    check %-8s from %-12s %-8s %s in %sms%s\n", str(c, "name").c_str(),
                      str(v, "vantage").c_str(), str(v, "state").c_str(), str(v, "detail").c_str(),
                      str(v, "latency_ms").c_str(), vantage_notes(v).c_str());
        }
      }
    }
    print_data_side(s);
  } catch (const json::exception& e) {
    std::cerr << "drpilot: unexpected status document from " << api << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}

int show_history(const ConnectionOptions& where, int limit, bool as_json,
                 const std::string& journal_path) {
  json events;
  if (!journal_path.empty()) {
    try {
      store::Journal j = store::Journal::open_read_only(journal_path);
      events = json::array();
      for (const auto& e : j.history(static_cast<std::size_t>(limit))) {
        events.push_back(store::to_json(e));
      }
    } catch (const std::exception& e) {
      std::cerr << "drpilot: " << e.what() << "\n";
      return 1;
    }
  } else {
    std::string api;
    Fetched f = read_from_controller(
        where, "/api/v1/history?limit=" + std::to_string(limit),
        "is the controller running? use --api URL, or --journal FILE to read a journal directly",
        api);
    if (!f.ok) return 1;
    if (!f.body.is_object() || !f.body.contains("events") || !f.body["events"].is_array()) {
      std::cerr << "drpilot: unexpected history document from " << api << "\n";
      return 1;
    }
    events = f.body["events"];
  }
  if (as_json) {
    std::cout << json{{"events", events}}.dump(2) << "\n";
  } else {
    print_history(events);
  }
  return 0;
}

int lab_action(const std::string& action, const std::string& site, int slow_ms,
               const std::string& control, const std::string& config_path) {
  std::string address = control.empty() ? kDefaultLabControl : control;
  if (control.empty() && !config_path.empty()) {
    config::LoadResult r = config::load_config_file(config_path);
    if (!r.ok()) {
      std::cerr << r.error_text();
      return 1;
    }
    if (r.config->lab.control.port == 0) {
      std::cerr << "drpilot: " << config_path << " has lab.control "
                << r.config->lab.control.to_string()
                << ": the lab listens on a port the system picked. Pass --control with the "
                   "address it reported (its log's event=lab line, or its --port-file).\n";
      return 1;
    }
    address = r.config->lab.control.to_string();
  }
  const Connection base{"http://" + address, "", ""};
  std::string hint = "is `drpilot lab` or `drpilot demo` running? use --control ADDRESS or -c FILE";
  Fetched f;
  const bool replication = action == "pause-replication" || action == "resume-replication";
  if (action == "status") {
    f = fetch(base, "GET", "/sites", hint);
  } else {
    std::string path = (replication ? "/data-regions/" : "/sites/") + site + "/" + action;
    if (action == "slow") path += "?ms=" + std::to_string(slow_ms);
    f = fetch(base, "POST", path, hint);
  }
  if (!f.ok) {
    std::cerr << "drpilot: " << f.error << "\n";
    return 1;
  }
  if (action == "status") {
    for (const json& s : f.body.value("sites", json::array())) {
      std::printf("%-10s %-24s %s\n", str(s, "name").c_str(), str(s, "listen").c_str(),
                  str(s, "fault").c_str());
    }
    const json regions = f.body.value("data_regions", json::array());
    if (!regions.empty()) std::printf("\nDATA REGIONS\n");
    for (const json& r : regions) {
      std::printf("%-10s %-24s %-10s replication %-7s %s queued\n", str(r, "name").c_str(),
                  str(r, "listen").c_str(), str(r, "fault").c_str(), str(r, "replication").c_str(),
                  str(r, "queued").c_str());
    }
    return 0;
  }
  const bool region = str(f.body, "kind") == "data_region";
  if (replication) {
    std::printf("lab data region %s: replication %s (%s writes queued)\n", site.c_str(),
                str(f.body, "replication").c_str(), str(f.body, "queued").c_str());
    return 0;
  }
  static const std::map<std::string, std::string> what = {
      {"break", "answers 503 to every request"},
      {"refuse", "refuses connections"},
      {"blackhole", "accepts connections and never answers"},
      {"slow", "answers " + std::to_string(slow_ms) + " ms late"},
      {"heal", "is healthy again"}};
  std::string does = what.at(action);
  if (region && action == "break") does = "answers 500 (InternalServerError) to every request";
  std::printf("lab %s %s %s\n", region ? "data region" : "site", site.c_str(), does.c_str());
  return 0;
}

int check_config(const std::string& config_path, bool check_secrets, bool online) {
  config::LoadResult r = config::load_config_file(config_path);
  if (!r.ok()) {
    std::cerr << r.error_text();
    return 1;
  }
  const config::Config& c = *r.config;
  if (check_secrets) {
    // What `drpilot run` would stop on, said before a restart rather than during it.
    std::vector<std::string> problems;
    std::string err;
    for (const config::NamedSecret& s : c.secrets()) {
      if (!config::resolve_secret(*s.source, err)) problems.push_back(s.what + ": " + err);
    }
    if (!c.api_tls_certificate_file.empty()) {
      if (std::string why =
              net::tls_server_files_error(c.api_tls_certificate_file, c.api_tls_key_file);
          !why.empty()) {
        problems.push_back("api: " + why);
      }
    }
    for (const std::string& w : config::secret_warnings(c)) {
      std::cerr << config_path << ": warning: " << w << "\n";
    }
    // Lab data regions accept any credentials, and the demo brings its own.
    bool dynamodb = false, all_lab = true;
    for (const config::DataRegionConfig& d : c.data_regions) {
      dynamodb |= !d.checks.empty();
      all_lab &= std::any_of(c.lab.data_regions.begin(), c.lab.data_regions.end(),
                             [&](const config::LabDataRegion& l) { return l.name == d.name; });
    }
    for (const config::TableGroupConfig& g : c.table_groups) dynamodb |= !g.canary_table.empty();
    const core::SystemClock clock;
    if (dynamodb && !all_lab &&
        !aws::load_blocking(clock, aws::credential_options_from_config(c), err)) {
      problems.push_back("AWS credentials for the data regions: " + err);
    }
    for (const std::string& p : problems) std::cerr << config_path << ": " << p << "\n";
    if (!problems.empty()) {
      std::cerr << "(use --skip-secrets to check the file on a machine without them)\n";
      return 1;
    }
  }
  if (online && c.cluster.enabled()) {
    std::string err;
    auto options = cluster::etcd_options(c.cluster.etcd, err);
    if (!options) {
      std::cerr << config_path << ": " << err << "\n";
      return 1;
    }
    const cluster::EtcdReachability reach = cluster::reach_etcd(*options, c.cluster.etcd.prefix);
    for (const std::string& line : reach.lines) std::cout << line << "\n";
    if (!reach.all_reached) {
      std::cerr << config_path << ": not every etcd endpoint answered\n";
      return 1;
    }
  }
  auto count = [](std::size_t n, const char* what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
  };
  std::string summary = count(c.sites.size(), "site") + ", " + count(c.checks.size(), "check") +
                        ", " + count(c.records.size(), "record") + ", " +
                        count(c.engine_spec().targets.size(), "target");
  if (c.dns.enabled) summary += ", " + count(c.dns.zones.size(), "zone");
  if (!c.providers.empty()) summary += ", " + count(c.providers.size(), "provider");
  if (!c.data_regions.empty()) summary += ", " + count(c.data_regions.size(), "data region");
  if (!c.table_groups.empty()) summary += ", " + count(c.table_groups.size(), "table group");
  if (!c.agents.empty()) summary += ", " + count(c.agents.size(), "agent");
  if (c.cluster.enabled()) summary += ", " + count(c.cluster.members.size(), "cluster member");
  std::printf("%s: OK (%s)\n", config_path.c_str(), summary.c_str());
  return 0;
}

int print_config_reference() {
  std::fputs(config::render_reference_markdown().c_str(), stdout);
  return 0;
}

}  // namespace drpilot::cli
