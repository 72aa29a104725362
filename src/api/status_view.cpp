#include "api/status_view.h"

#include <unordered_set>

namespace drpilot::api {

using nlohmann::json;
using Snap = StatusSnapshot;

namespace {

// ---- the snapshot: copies made on the control loop ------------------------

Snap::Owner owner_view(const core::Engine& engine, std::size_t config_index,
                       const std::string& name, bool data_region, core::TimePoint now) {
  Snap::Owner o;
  o.config = config_index;
  const auto& verdicts = data_region ? engine.data_verdicts() : engine.site_verdicts();
  auto v = verdicts.find(name);
  if (v != verdicts.end()) o.verdict = v->second;
  const core::HealthBook& book = engine.health();
  for (const core::CheckTarget* t : engine.targets_of(name, data_region)) {
    Snap::Check c;
    c.name = t->check;
    c.target = t->target;
    c.verdict = book.verdict(t->target);
    auto it = book.targets().find(t->target);
    if (it != book.targets().end()) {
      for (const auto& [vname, vs] : it->second.vantages) {
        c.vantages.push_back({vname, vs.counter.state(), vs.last_ok, vs.last_detail,
                              vs.last_latency, vs.last_seen, now - vs.last_seen <= book.freshness(),
                              vs.counter.ok_streak(), vs.counter.fail_streak()});
      }
    }
    o.checks.push_back(std::move(c));
  }
  return o;
}

bool names(const core::RecordSpec& r, const std::string& site) {
  return std::find(r.sites.begin(), r.sites.end(), site) != r.sites.end();
}

// ---- rendering: JSON from the snapshot, off the control loop --------------

json ms_or_null(core::TimePoint t) {
  return t == core::TimePoint{} ? json(nullptr) : json(core::format_time(t));
}

json verdict_json(const core::Verdict& v) {
  json j = {{"verdict", core::to_string(v.state)},
            {"reason", v.reason},
            {"latency_ms", v.latency.count()}};
  j["since"] = ms_or_null(v.since);
  return j;
}

json check_json(const Snap::Check& c) {
  json j = verdict_json(c.verdict);
  j["name"] = c.name;
  j["target"] = c.target;
  json vantages = json::array();
  for (const Snap::Vantage& v : c.vantages) {
    vantages.push_back({{"vantage", v.name},
                        {"state", core::to_string(v.state)},
                        {"last_ok", v.last_ok},
                        {"detail", v.detail},
                        {"latency_ms", v.latency.count()},
                        {"last_seen", core::format_time(v.last_seen)},
                        {"fresh", v.fresh},
                        {"ok_streak", v.ok_streak},
                        {"fail_streak", v.fail_streak}});
  }
  j["vantages"] = vantages;
  return j;
}

json checks_json(const Snap::Owner& o) {
  json checks = json::array();
  for (const Snap::Check& c : o.checks) checks.push_back(check_json(c));
  return checks;
}

json data_regions_json(const Snap& s) {
  json out = json::array();
  for (const Snap::Owner& o : s.data_regions) {
    const config::DataRegionConfig& d = s.cfg->data_regions[o.config];
    json j = {{"name", d.name},
              {"region", d.region},
              {"endpoint", d.endpoint.empty() ? "https://dynamodb." + d.region + ".amazonaws.com"
                                              : d.endpoint}};
    j.update(verdict_json(o.verdict));
    j["checks"] = checks_json(o);
    out.push_back(j);
  }
  return out;
}

json lag_json(const core::LagStat& s) {
  return {{"last_ms", s.last.count()},
          {"current_ms", s.current.count()},
          {"p50_ms", s.p50.count()},
          {"max_ms", s.max.count()},
          {"samples", s.samples},
          {"last_seen", ms_or_null(s.last_seen)},
          {"newest_heartbeat", ms_or_null(s.newest_written)}};
}

json groups_json(const Snap& s) {
  json out = json::array();
  for (const config::TableGroupConfig& g : s.cfg->table_groups) {
    json j = {{"name", g.name},
              {"tables", g.tables},
              {"write_mode", g.write_mode == config::WriteMode::single ? "single" : "any"},
              {"rpo_budget_ms", g.rpo_budget.count()},
              {"canary", !g.canary_table.empty()}};
    auto it = s.groups.find(g.name);
    json sites = json::array();
    if (it != s.groups.end()) {
      const core::GroupPlan& gp = it->second;
      j["primary"] = gp.primary.empty() ? json(nullptr) : json(gp.primary);
      j["primary_reason"] = gp.primary_reason;
      j["primary_change_reason"] = gp.primary_change_reason;
      j["primary_since"] = ms_or_null(gp.primary_since);
      j["move"] = {{"phase", core::to_string(gp.move)},
                   {"from", gp.move_from},
                   {"to", gp.move_to},
                   {"note", gp.move_note},
                   {"paused_at", gp.move == core::DataMovePhase::none ? json(nullptr)
                                                                      : ms_or_null(gp.paused_at)}};
      for (const auto& [site, a] : gp.sites) {
        sites.push_back({{"site", site},
                         {"data_region", a.data_region},
                         {"write_region", a.write_region},
                         {"role", core::to_string(a.role)},
                         {"reason", a.reason},
                         {"change_reason", a.change_reason},
                         {"changed_at", ms_or_null(a.changed_at)}});
      }
    }
    j["assignments"] = sites;
    json pairs = json::array();
    for (const auto& [key, stat] : s.lag) {
      if (std::get<0>(key) != g.name) continue;
      json p = lag_json(stat);
      p["from"] = std::get<1>(key);
      p["to"] = std::get<2>(key);
      pairs.push_back(p);
    }
    j["lag"] = pairs;
    out.push_back(j);
  }
  return out;
}

// Alerts about the data side and the vantages: a controller that is the one
// cut off, replication lag over a group's RPO budget.
std::vector<std::string> data_alerts(const Snap& s) {
  std::vector<std::string> alerts;
  if (s.cut_off) {
    alerts.push_back("this controller (vantage " + s.cfg->vantage +
                     ") sees every site down while other vantages see some up: it is probably "
                     "the one cut off, so it changes nothing on its own view");
  }
  for (const config::TableGroupConfig& g : s.cfg->table_groups) {
    for (const auto& [key, stat] : s.lag) {
      if (std::get<0>(key) != g.name || stat.current <= g.rpo_budget) continue;
      alerts.push_back("replication lag of " + g.name + " from " + std::get<1>(key) + " to " +
                       std::get<2>(key) + " is " + core::format_duration(stat.current) +
                       ", over the " + core::format_duration(g.rpo_budget) + " RPO budget");
    }
  }
  return alerts;
}

}  // namespace

StatusSnapshot snapshot_status(const core::Engine& engine,
                               std::shared_ptr<const config::Config> cfg, ControllerInfo info,
                               core::TimePoint now, const StatusQuery& query) {
  Snap s;
  const config::Config& c = *cfg;
  s.cfg = std::move(cfg);
  s.info = std::move(info);
  s.now = now;
  s.query = query;
  const core::Plan& plan = engine.plan();
  s.generation = plan.generation;
  s.made_at = plan.made_at;
  s.summary = plan.summary;
  s.overrides = engine.overrides();
  s.total_records = c.records.size();
  s.total_sites = c.sites.size();
  for (const auto& [key, rp] : plan.records) {
    if (rp.flap_frozen) s.flap_frozen.emplace_back(key, rp.automatic_changes.size());
  }
  s.cut_off = engine.controller_cut_off();
  for (const auto& [name, v] : engine.site_verdicts()) {
    s.sites_up += v.state == core::Health::up;
    s.sites_down += v.state == core::Health::down;
  }

  // Which records and sites, by their configured positions.
  std::vector<std::size_t> records, sites;
  bool data_side = true;
  if (!query.site.empty()) {
    data_side = false;
    for (std::size_t i = 0; i < c.sites.size(); ++i) {
      if (c.sites[i].spec.name == query.site) sites.push_back(i);
    }
    if (sites.empty()) s.not_found = "there is no site named '" + query.site + "'";
    for (std::size_t i = 0; i < c.records.size(); ++i) {
      if (names(c.records[i], query.site)) records.push_back(i);
    }
  } else if (!query.record.empty()) {
    data_side = false;
    std::unordered_set<std::string> wanted;
    for (std::size_t i = 0; i < c.records.size(); ++i) {
      if (c.records[i].name != query.record) continue;
      records.push_back(i);
      wanted.insert(c.records[i].sites.begin(), c.records[i].sites.end());
    }
    if (records.empty()) s.not_found = "there is no record named '" + query.record + "'";
    for (std::size_t i = 0; i < c.sites.size(); ++i) {
      if (wanted.count(c.sites[i].spec.name)) sites.push_back(i);
    }
  } else {
    std::size_t r0 = 0, s0 = 0;
    if (auto cur = parse_cursor(query.cursor)) std::tie(r0, s0) = *cur;
    data_side = query.cursor.empty();
    const std::size_t n = query.limit ? query.limit : std::max(c.records.size(), c.sites.size());
    for (std::size_t i = r0; i < c.records.size() && i < r0 + n; ++i) records.push_back(i);
    for (std::size_t i = s0; i < c.sites.size() && i < s0 + n; ++i) sites.push_back(i);
    const std::size_t r1 = std::min(c.records.size(), r0 + n);
    const std::size_t s1 = std::min(c.sites.size(), s0 + n);
    if (r1 < c.records.size() || s1 < c.sites.size()) {
      s.next_cursor = std::to_string(r1) + "." + std::to_string(s1);
    }
  }

  for (std::size_t i : records) {
    Snap::Record r;
    r.config = i;
    auto it = plan.records.find(c.records[i].key());
    if (it != plan.records.end()) r.plan = it->second;
    s.records.push_back(std::move(r));
  }
  for (std::size_t i : sites) {
    s.sites.push_back(owner_view(engine, i, c.sites[i].spec.name, false, now));
  }
  if (data_side) {
    for (std::size_t i = 0; i < c.data_regions.size(); ++i) {
      s.data_regions.push_back(owner_view(engine, i, c.data_regions[i].name, true, now));
    }
    s.groups = plan.groups;
    s.lag = engine.lag();
  } else if (!c.table_groups.empty()) {
    s.lag = engine.lag();  // the alerts still speak of it
  }
  return s;
}

json render_status(const StatusSnapshot& s) {
  const config::Config& cfg = *s.cfg;
  const ControllerInfo& info = s.info;
  json out;
  out["controller"] = {{"version", info.version},
                       {"vantage", cfg.vantage},
                       {"config", info.config_path},
                       {"journal", info.journal_path},
                       {"started_at", core::format_time(info.started_at)},
                       {"now", core::format_time(s.now)}};
  if (!info.load.is_null()) out["load"] = info.load;

  json frozen_records = json::array();
  for (const auto& [key, n] : s.flap_frozen) frozen_records.push_back(key);
  std::string automation = "active";
  std::string automation_reason = "automatic changes are allowed";
  if (s.overrides.frozen) {
    automation = "frozen";
    automation_reason = "frozen by the operator";
    if (!s.overrides.frozen_note.empty()) automation_reason += ": " + s.overrides.frozen_note;
  } else if (!frozen_records.empty()) {
    automation = "partly frozen";
    automation_reason = "failback is frozen after repeated automatic changes for " +
                        std::to_string(frozen_records.size()) + " record(s)";
  }
  out["automation"] = {
      {"state", automation}, {"reason", automation_reason}, {"frozen_records", frozen_records}};

  // The whole at a glance, whatever part of it this document holds.
  out["summary"] = {
      {"sites",
       {{"total", s.total_sites},
        {"up", s.sites_up},
        {"down", s.sites_down},
        {"unknown", s.total_sites - std::min(s.total_sites, s.sites_up + s.sites_down)}}},
      {"records", s.total_records}};
  out["plan"] = {
      {"generation", s.generation},
      {"made_at", s.generation == 0 ? json(nullptr) : json(core::format_time(s.made_at))},
      {"summary", s.summary},
      {"released_generation", info.released_generation},
      {"held_back", info.held_back}};
  out["providers"] = info.providers;
  out["overrides"] = {{"drained", s.overrides.drained},
                      {"pinned", s.overrides.pinned},
                      {"frozen", s.overrides.frozen},
                      {"frozen_note", s.overrides.frozen_note}};

  json records = json::array();
  for (const Snap::Record& sr : s.records) {
    const core::RecordSpec& rec = cfg.records[sr.config];
    json r = {{"name", rec.name},
              {"type", core::to_string(rec.type)},
              {"mode", core::to_string(rec.mode)},
              {"ttl", rec.ttl},
              {"all_down", core::to_string(rec.all_down)}};
    if (sr.plan) {
      const core::RecordPlan& p = *sr.plan;
      r["answer"] = p.sites;
      r["addresses"] = cfg.addresses(rec, p.sites);
      r["reason"] = p.reason;
      r["change_reason"] = p.change_reason;
      r["changed_at"] = core::format_time(p.changed_at);
      r["last_change"] = core::to_string(p.last_change);
      r["flap_frozen"] = p.flap_frozen;
    } else {
      r["answer"] = json::array();
      r["addresses"] = json::array();
      r["reason"] = "no plan yet";
    }
    records.push_back(r);
  }
  out["records"] = records;

  json sites = json::array();
  for (const Snap::Owner& o : s.sites) {
    const config::SiteConfig& site = cfg.sites[o.config];
    json j = {
        {"name", site.spec.name},     {"priority", site.spec.priority},
        {"weight", site.spec.weight}, {"ipv4", site.spec.ipv4},
        {"ipv6", site.spec.ipv6},     {"drained", s.overrides.drained.count(site.spec.name) != 0}};
    j.update(verdict_json(o.verdict));
    j["checks"] = checks_json(o);
    sites.push_back(j);
  }
  out["sites"] = sites;
  // What this document holds of the whole, when it does not hold all of it.
  if (!s.query.site.empty() || !s.query.record.empty() || s.query.limit) {
    json page = {{"records", s.records.size()},
                 {"sites", s.sites.size()},
                 {"total_records", s.total_records},
                 {"total_sites", s.total_sites}};
    page["next_cursor"] = s.next_cursor.empty() ? json(nullptr) : json(s.next_cursor);
    out["page"] = page;
  }
  if (!cfg.data_regions.empty() && s.query.site.empty() && s.query.record.empty() &&
      s.query.cursor.empty()) {
    out["data_regions"] = data_regions_json(s);
    out["table_groups"] = groups_json(s);
  }
  if (!cfg.agents.empty()) out["agents"] = info.agents;
  // A flap freeze needs a human: it is an alert, not only an automation state.
  json alerts = info.alerts;
  if (!info.held_back.empty()) alerts.push_back(info.held_back);
  // A provider that does not converge means part of the world still follows
  // an older plan: monitoring should hear of it from the alerts alone.
  for (const json& p : info.providers) {
    if (p.value("state", "") == "failing") {
      alerts.push_back("provider " + p.value("name", "?") +
                       " is failing: " + p.value("last_error", ""));
    }
  }
  for (const auto& [key, n] : s.flap_frozen) {
    alerts.push_back("failback for " + key + " is frozen after " + std::to_string(n) +
                     " automatic changes within " + core::format_duration(cfg.policy.flap_window) +
                     "; it stays where it is until fewer than " +
                     std::to_string(cfg.policy.flap_max_changes) + " remain within the window");
  }
  for (const std::string& a : data_alerts(s)) alerts.push_back(a);
  out["alerts"] = alerts;
  return out;
}

}  // namespace drpilot::api
