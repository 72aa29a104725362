#include "api/status_view.h"

namespace drpilot::api {

using nlohmann::json;

namespace {

json verdict_json(const core::Verdict& v) {
  json j = {{"verdict", core::to_string(v.state)},
            {"reason", v.reason},
            {"latency_ms", v.latency.count()}};
  j["since"] = v.since == core::TimePoint{} ? json(nullptr) : json(core::format_time(v.since));
  return j;
}

json check_json(const core::Engine& engine, const core::CheckTarget& t, core::TimePoint now) {
  json j = verdict_json(engine.health().verdict(t.target));
  j["name"] = t.check;
  j["target"] = t.target;
  json vantages = json::array();
  auto it = engine.health().targets().find(t.target);
  if (it != engine.health().targets().end()) {
    for (const auto& [name, v] : it->second.vantages) {
      vantages.push_back({{"vantage", name},
                          {"state", core::to_string(v.counter.state())},
                          {"last_ok", v.last_ok},
                          {"detail", v.last_detail},
                          {"latency_ms", v.last_latency.count()},
                          {"last_seen", core::format_time(v.last_seen)},
                          {"fresh", now - v.last_seen <= engine.health().freshness()},
                          {"ok_streak", v.counter.ok_streak()},
                          {"fail_streak", v.counter.fail_streak()}});
    }
  }
  j["vantages"] = vantages;
  return j;
}

json ms_or_null(core::TimePoint t) {
  return t == core::TimePoint{} ? json(nullptr) : json(core::format_time(t));
}

json data_regions_json(const core::Engine& engine, const config::Config& cfg, core::TimePoint now) {
  json out = json::array();
  for (const config::DataRegionConfig& d : cfg.data_regions) {
    json j = {{"name", d.name},
              {"region", d.region},
              {"endpoint", d.endpoint.empty() ? "https://dynamodb." + d.region + ".amazonaws.com"
                                              : d.endpoint}};
    auto v = engine.data_verdicts().find(d.name);
    j.update(verdict_json(v == engine.data_verdicts().end() ? core::Verdict{} : v->second));
    json checks = json::array();
    for (const core::CheckTarget& t : engine.spec().targets) {
      if (t.data_region && t.site == d.name) checks.push_back(check_json(engine, t, now));
    }
    j["checks"] = checks;
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

json groups_json(const core::Engine& engine, const config::Config& cfg,
                 const std::map<core::LagKey, core::LagStat>& lag) {
  json out = json::array();
  const core::Plan& plan = engine.plan();
  for (const config::TableGroupConfig& g : cfg.table_groups) {
    json j = {{"name", g.name},
              {"tables", g.tables},
              {"write_mode", g.write_mode == config::WriteMode::single ? "single" : "any"},
              {"rpo_budget_ms", g.rpo_budget.count()},
              {"canary", !g.canary_table.empty()}};
    auto it = plan.groups.find(g.name);
    json sites = json::array();
    if (it != plan.groups.end()) {
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
    for (const auto& [key, stat] : lag) {
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

}  // namespace

std::vector<std::string> data_alerts(const core::Engine& engine, const config::Config& cfg,
                                     const std::map<core::LagKey, core::LagStat>& lag) {
  std::vector<std::string> alerts;
  if (engine.controller_cut_off()) {
    alerts.push_back("this controller (vantage " + cfg.vantage +
                     ") sees every site down while other vantages see some up: it is probably "
                     "the one cut off, so it changes nothing on its own view");
  }
  for (const config::TableGroupConfig& g : cfg.table_groups) {
    for (const auto& [key, stat] : lag) {
      if (std::get<0>(key) != g.name || stat.current <= g.rpo_budget) continue;
      alerts.push_back("replication lag of " + g.name + " from " + std::get<1>(key) + " to " +
                       std::get<2>(key) + " is " + core::format_duration(stat.current) +
                       ", over the " + core::format_duration(g.rpo_budget) + " RPO budget");
    }
  }
  return alerts;
}

json render_status(const core::Engine& engine, const config::Config& cfg,
                   const ControllerInfo& info, core::TimePoint now) {
  const core::Plan& plan = engine.plan();
  json out;
  out["controller"] = {{"version", info.version},
                       {"vantage", cfg.vantage},
                       {"config", info.config_path},
                       {"journal", info.journal_path},
                       {"started_at", core::format_time(info.started_at)},
                       {"now", core::format_time(now)}};

  json frozen_records = json::array();
  for (const auto& [key, rp] : plan.records) {
    if (rp.flap_frozen) frozen_records.push_back(key);
  }
  std::string automation = "active";
  std::string automation_reason = "automatic changes are allowed";
  if (engine.overrides().frozen) {
    automation = "frozen";
    automation_reason = "frozen by the operator";
    if (!engine.overrides().frozen_note.empty())
      automation_reason += ": " + engine.overrides().frozen_note;
  } else if (!frozen_records.empty()) {
    automation = "partly frozen";
    automation_reason = "failback is frozen after repeated automatic changes for " +
                        std::to_string(frozen_records.size()) + " record(s)";
  }
  out["automation"] = {
      {"state", automation}, {"reason", automation_reason}, {"frozen_records", frozen_records}};

  out["plan"] = {{"generation", plan.generation},
                 {"made_at", plan.empty() ? json(nullptr) : json(core::format_time(plan.made_at))},
                 {"summary", plan.summary},
                 {"released_generation", info.released_generation},
                 {"held_back", info.held_back}};
  out["providers"] = info.providers;
  const core::Overrides& o = engine.overrides();
  out["overrides"] = {{"drained", o.drained},
                      {"pinned", o.pinned},
                      {"frozen", o.frozen},
                      {"frozen_note", o.frozen_note}};

  json records = json::array();
  for (const core::RecordSpec& rec : cfg.records) {
    json r = {{"name", rec.name},
              {"type", core::to_string(rec.type)},
              {"mode", core::to_string(rec.mode)},
              {"ttl", rec.ttl},
              {"all_down", core::to_string(rec.all_down)}};
    auto it = plan.records.find(rec.key());
    if (it != plan.records.end()) {
      r["answer"] = it->second.sites;
      r["addresses"] = cfg.addresses(rec, it->second.sites);
      r["reason"] = it->second.reason;
      r["change_reason"] = it->second.change_reason;
      r["changed_at"] = core::format_time(it->second.changed_at);
      r["last_change"] = core::to_string(it->second.last_change);
      r["flap_frozen"] = it->second.flap_frozen;
    } else {
      r["answer"] = json::array();
      r["addresses"] = json::array();
      r["reason"] = "no plan yet";
    }
    records.push_back(r);
  }
  out["records"] = records;

  json sites = json::array();
  for (const config::SiteConfig& s : cfg.sites) {
    json j = {
        {"name", s.spec.name},     {"priority", s.spec.priority},
        {"weight", s.spec.weight}, {"ipv4", s.spec.ipv4},
        {"ipv6", s.spec.ipv6},     {"drained", engine.overrides().drained.count(s.spec.name) != 0}};
    auto v = engine.site_verdicts().find(s.spec.name);
    json vj = verdict_json(v == engine.site_verdicts().end() ? core::Verdict{} : v->second);
    j.update(vj);
    json checks = json::array();
    for (const core::CheckTarget& t : engine.spec().targets) {
      if (!t.data_region && t.site == s.spec.name) checks.push_back(check_json(engine, t, now));
    }
    j["checks"] = checks;
    sites.push_back(j);
  }
  out["sites"] = sites;
  const std::map<core::LagKey, core::LagStat> lag = engine.lag();
  if (!cfg.data_regions.empty()) {
    out["data_regions"] = data_regions_json(engine, cfg, now);
    out["table_groups"] = groups_json(engine, cfg, lag);
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
  for (const auto& [key, rp] : plan.records) {
    if (!rp.flap_frozen) continue;
    alerts.push_back("failback for " + key + " is frozen after " +
                     std::to_string(rp.automatic_changes.size()) + " automatic changes within " +
                     core::format_duration(cfg.policy.flap_window) +
                     "; it stays where it is until fewer than " +
                     std::to_string(cfg.policy.flap_max_changes) + " remain within the window");
  }
  for (const std::string& a : data_alerts(engine, cfg, lag)) alerts.push_back(a);
  out["alerts"] = alerts;
  return out;
}

}  // namespace drpilot::api
