#include "api/status_view.h"

#include "api/json_text.h"

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
        c.vantages.push_back({vname, vs.counter.state(), vs.last_ok, vs.last_inconclusive,
                              vs.last_detail, vs.last_latency, vs.last_seen,
                              now - vs.last_seen <= book.freshness(), vs.counter.ok_streak(),
                              vs.counter.fail_streak(),
                              book.side_of(it->second, vname) == core::Side::internal});
      }
    }
    o.checks.push_back(std::move(c));
  }
  return o;
}

bool names(const core::RecordSpec& r, const std::string& site) {
  return std::find(r.sites.begin(), r.sites.end(), site) != r.sites.end();
}

// ---- rendering: JSON text from the snapshot, off the control loop ---------

using core::format_time;

void time_or_null(JsonText& w, core::TimePoint t) {
  if (t == core::TimePoint{}) {
    w.null();
  } else {
    w.value(format_time(t));
  }
}

// The fields of a verdict, inside an object being written.
void verdict_fields(JsonText& w, const core::Verdict& v) {
  w.key("verdict").value(core::to_string(v.state));
  w.key("reason").value(v.reason);
  w.key("latency_ms").value(static_cast<std::int64_t>(v.latency.count()));
  w.key("since");
  time_or_null(w, v.since);
}

void checks(JsonText& w, const Snap::Owner& o) {
  w.key("checks").begin_array();
  for (const Snap::Check& c : o.checks) {
    w.begin_object();
    verdict_fields(w, c.verdict);
    w.key("name").value(c.name);
    w.key("target").value(c.target);
    w.key("vantages").begin_array();
    for (const Snap::Vantage& v : c.vantages) {
      w.begin_object()
          .key("vantage")
          .value(v.name)
          .key("state")
          .value(core::to_string(v.state))
          .key("last_ok")
          .value(v.last_ok)
          .key("inconclusive")
          .value(v.inconclusive)
          .key("detail")
          .value(v.detail)
          .key("latency_ms")
          .value(static_cast<std::int64_t>(v.latency.count()))
          .key("last_seen")
          .value(format_time(v.last_seen))
          .key("fresh")
          .value(v.fresh)
          .key("ok_streak")
          .value(v.ok_streak)
          .key("fail_streak")
          .value(v.fail_streak)
          .key("side")
          .value(v.internal ? "internal" : "external")
          .end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
}

void strings(JsonText& w, const std::vector<std::string>& list) {
  w.begin_array();
  for (const std::string& x : list) w.value(x);
  w.end_array();
}

void data_regions(JsonText& w, const Snap& s) {
  w.begin_array();
  for (const Snap::Owner& o : s.data_regions) {
    const config::DataRegionConfig& d = s.cfg->data_regions[o.config];
    w.begin_object();
    w.key("name").value(d.name);
    w.key("region").value(d.region);
    w.key("endpoint")
        .value(d.endpoint.empty() ? "https://dynamodb." + d.region + ".amazonaws.com" : d.endpoint);
    verdict_fields(w, o.verdict);
    checks(w, o);
    // How the sites that use it see it from inside (their own agents): a
    // site that cannot reach it reads elsewhere, whatever its verdict.
    w.key("seen_from_sites").begin_array();
    for (const auto& [site, views] : s.site_region_views) {
      auto v = views.find(d.name);
      if (v == views.end()) continue;
      w.begin_object().key("site").value(site);
      verdict_fields(w, v->second);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
}

void lag(JsonText& w, const core::LagStat& s) {
  w.key("last_ms").value(static_cast<std::int64_t>(s.last.count()));
  w.key("current_ms").value(static_cast<std::int64_t>(s.current.count()));
  w.key("p50_ms").value(static_cast<std::int64_t>(s.p50.count()));
  w.key("max_ms").value(static_cast<std::int64_t>(s.max.count()));
  w.key("samples").value(static_cast<std::int64_t>(s.samples));
  w.key("last_seen");
  time_or_null(w, s.last_seen);
  w.key("newest_heartbeat");
  time_or_null(w, s.newest_written);
}

void groups(JsonText& w, const Snap& s) {
  w.begin_array();
  for (const config::TableGroupConfig& g : s.cfg->table_groups) {
    w.begin_object();
    w.key("name").value(g.name);
    w.key("tables");
    strings(w, g.tables);
    w.key("write_mode").value(g.write_mode == config::WriteMode::single ? "single" : "any");
    w.key("rpo_budget_ms").value(static_cast<std::int64_t>(g.rpo_budget.count()));
    w.key("canary").value(!g.canary_table.empty());
    auto it = s.groups.find(g.name);
    w.key("assignments").begin_array();
    if (it != s.groups.end()) {
      for (const auto& [site, a] : it->second.sites) {
        w.begin_object();
        w.key("site").value(site);
        w.key("data_region").value(a.data_region);
        w.key("write_region").value(a.write_region);
        w.key("role").value(core::to_string(a.role));
        w.key("reason").value(a.reason);
        w.key("change_reason").value(a.change_reason);
        w.key("changed_at");
        time_or_null(w, a.changed_at);
        w.end_object();
      }
    }
    w.end_array();
    if (it != s.groups.end()) {
      const core::GroupPlan& gp = it->second;
      w.key("primary");
      if (gp.primary.empty()) {
        w.null();
      } else {
        w.value(gp.primary);
      }
      w.key("primary_reason").value(gp.primary_reason);
      w.key("primary_change_reason").value(gp.primary_change_reason);
      w.key("primary_since");
      time_or_null(w, gp.primary_since);
      w.key("move").begin_object();
      w.key("phase").value(core::to_string(gp.move));
      w.key("from").value(gp.move_from);
      w.key("to").value(gp.move_to);
      w.key("note").value(gp.move_note);
      w.key("paused_at");
      time_or_null(w, gp.move == core::DataMovePhase::none ? core::TimePoint{} : gp.paused_at);
      w.end_object();
    }
    w.key("lag").begin_array();
    for (const auto& [key, stat] : s.lag) {
      if (std::get<0>(key) != g.name) continue;
      w.begin_object();
      lag(w, stat);
      w.key("from").value(std::get<1>(key));
      w.key("to").value(std::get<2>(key));
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
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
  for (const std::string& v : s.cut_off_vantages) {
    alerts.push_back("vantage " + v +
                     " sees every site it checks from outside down while the other vantages see "
                     "them up: it is probably cut off, and its view moves nothing");
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
  s.term = plan.term;
  s.plan_leader = plan.leader;
  s.made_at = plan.made_at;
  s.summary = plan.summary;
  s.overrides = engine.overrides();
  s.total_records = c.records.size();
  s.total_sites = c.sites.size();
  for (const auto& [key, rp] : plan.records) {
    if (rp.flap_frozen) s.flap_frozen.emplace_back(key, rp.automatic_changes.size());
  }
  s.cut_off = engine.controller_cut_off();
  s.cut_off_vantages = engine.cut_off_vantages();
  s.site_region_views = engine.site_region_views();
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

std::string render_status(const StatusSnapshot& s) {
  const config::Config& cfg = *s.cfg;
  const ControllerInfo& info = s.info;
  JsonText w;
  w.begin_object();
  w.key("controller").begin_object();
  w.key("version").value(info.version);
  w.key("vantage").value(cfg.vantage);
  w.key("cut_off_vantages");
  strings(w, s.cut_off_vantages);
  w.key("config").value(info.config_path);
  w.key("journal").value(info.journal_path);
  w.key("started_at").value(format_time(info.started_at));
  w.key("now").value(format_time(s.now));
  w.end_object();
  if (!info.load.is_null()) w.key("load").raw(dump(info.load));
  if (!info.aws.is_null()) w.key("aws").raw(dump(info.aws));
  if (!info.cluster.is_null()) w.key("cluster").raw(dump(info.cluster));

  // The whole at a glance, whatever part of it this document holds.
  w.key("summary").begin_object();
  w.key("sites").begin_object();
  w.key("total").value(static_cast<std::uint64_t>(s.total_sites));
  w.key("up").value(static_cast<std::uint64_t>(s.sites_up));
  w.key("down").value(static_cast<std::uint64_t>(s.sites_down));
  w.key("unknown").value(static_cast<std::uint64_t>(
      s.total_sites - std::min(s.total_sites, s.sites_up + s.sites_down)));
  w.end_object();
  w.key("records").value(static_cast<std::uint64_t>(s.total_records));
  w.end_object();

  std::string automation = "active";
  std::string automation_reason = "automatic changes are allowed";
  if (s.overrides.frozen) {
    automation = "frozen";
    automation_reason = "frozen by the operator";
    if (!s.overrides.frozen_note.empty()) automation_reason += ": " + s.overrides.frozen_note;
  } else if (!s.flap_frozen.empty()) {
    automation = "partly frozen";
    automation_reason = "failback is frozen after repeated automatic changes for " +
                        std::to_string(s.flap_frozen.size()) + " record(s)";
  }
  w.key("automation").begin_object();
  w.key("state").value(automation);
  w.key("reason").value(automation_reason);
  w.key("frozen_records").begin_array();
  for (const auto& [key, n] : s.flap_frozen) w.value(key);
  w.end_array();
  w.end_object();

  w.key("plan").begin_object();
  w.key("generation").value(s.generation);
  if (!info.cluster.is_null()) {
    w.key("term").value(s.term);
    w.key("made_by").value(s.plan_leader);
  }
  w.key("made_at");
  time_or_null(w, s.generation == 0 ? core::TimePoint{} : s.made_at);
  w.key("summary").value(s.summary);
  w.key("released_generation").value(info.released_generation);
  w.key("held_back").value(info.held_back);
  w.end_object();
  w.key("providers").raw(dump(info.providers));
  w.key("overrides")
      .raw(dump(json{{"drained", s.overrides.drained},
                     {"pinned", s.overrides.pinned},
                     {"frozen", s.overrides.frozen},
                     {"frozen_note", s.overrides.frozen_note}}));

  w.key("records").begin_array();
  for (const Snap::Record& sr : s.records) {
    const core::RecordSpec& rec = cfg.records[sr.config];
    w.begin_object();
    w.key("name").value(rec.name);
    w.key("type").value(core::to_string(rec.type));
    w.key("mode").value(core::to_string(rec.mode));
    w.key("ttl").value(rec.ttl);
    w.key("all_down").value(core::to_string(rec.all_down));
    if (sr.plan) {
      const core::RecordPlan& p = *sr.plan;
      w.key("answer");
      strings(w, p.sites);
      w.key("addresses");
      strings(w, cfg.addresses(rec, p.sites));
      w.key("reason").value(p.reason);
      w.key("change_reason").value(p.change_reason);
      w.key("changed_at").value(format_time(p.changed_at));
      w.key("last_change").value(core::to_string(p.last_change));
      w.key("flap_frozen").value(p.flap_frozen);
    } else {
      w.key("answer").begin_array().end_array();
      w.key("addresses").begin_array().end_array();
      w.key("reason").value("no plan yet");
    }
    w.end_object();
  }
  w.end_array();

  w.key("sites").begin_array();
  for (const Snap::Owner& o : s.sites) {
    const config::SiteConfig& site = cfg.sites[o.config];
    w.begin_object();
    w.key("name").value(site.spec.name);
    w.key("priority").value(site.spec.priority);
    w.key("weight").value(site.spec.weight);
    w.key("ipv4");
    strings(w, site.spec.ipv4);
    w.key("ipv6");
    strings(w, site.spec.ipv6);
    w.key("drained").value(s.overrides.drained.count(site.spec.name) != 0);
    verdict_fields(w, o.verdict);
    checks(w, o);
    w.end_object();
  }
  w.end_array();
  // What this document holds of the whole, when it does not hold all of it.
  if (!s.query.site.empty() || !s.query.record.empty() || s.query.limit) {
    w.key("page").begin_object();
    w.key("records").value(static_cast<std::uint64_t>(s.records.size()));
    w.key("sites").value(static_cast<std::uint64_t>(s.sites.size()));
    w.key("total_records").value(static_cast<std::uint64_t>(s.total_records));
    w.key("total_sites").value(static_cast<std::uint64_t>(s.total_sites));
    w.key("next_cursor");
    if (s.next_cursor.empty()) {
      w.null();
    } else {
      w.value(s.next_cursor);
    }
    w.end_object();
  }
  if (!cfg.data_regions.empty() && s.query.site.empty() && s.query.record.empty() &&
      s.query.cursor.empty()) {
    w.key("data_regions");
    data_regions(w, s);
    w.key("table_groups");
    groups(w, s);
  }
  if (!cfg.agents.empty()) w.key("agents").raw(dump(info.agents));
  // A flap freeze needs a human: it is an alert, not only an automation state.
  std::vector<std::string> alerts = info.alerts;
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
  w.key("alerts");
  strings(w, alerts);
  w.end_object();
  std::string out = w.take();
  out += '\n';
  return out;
}

}  // namespace drpilot::api
