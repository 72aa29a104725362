#include "store/codec.h"

#include <stdexcept>

namespace drpilot::store {
namespace {

using nlohmann::json;

const json& field(const json& j, const char* key, json::value_t type) {
  auto it = j.find(key);
  if (it == j.end()) throw std::runtime_error(std::string("missing field '") + key + "'");
  bool ok = it->type() == type ||
            (type == json::value_t::number_integer && it->type() == json::value_t::number_unsigned);
  if (!ok) throw std::runtime_error(std::string("field '") + key + "' has the wrong type");
  return *it;
}

std::int64_t int_field(const json& j, const char* key) {
  return field(j, key, json::value_t::number_integer).get<std::int64_t>();
}

std::string string_field(const json& j, const char* key) {
  return field(j, key, json::value_t::string).get<std::string>();
}

core::ChangeKind change_kind(const std::string& s) {
  for (core::ChangeKind k :
       {core::ChangeKind::none, core::ChangeKind::bootstrap, core::ChangeKind::safety,
        core::ChangeKind::discretionary, core::ChangeKind::operator_}) {
    if (core::to_string(k) == s) return k;
  }
  throw std::runtime_error("unknown change kind '" + s + "'");
}

std::string optional_string(const json& j, const char* key) {
  return j.contains(key) ? string_field(j, key) : std::string();
}

core::DataRole data_role(const std::string& s) {
  for (core::DataRole r : {core::DataRole::read_write, core::DataRole::read_only}) {
    if (core::to_string(r) == s) return r;
  }
  throw std::runtime_error("unknown data role '" + s + "'");
}

core::DataMovePhase move_phase(const std::string& s) {
  for (core::DataMovePhase p :
       {core::DataMovePhase::none, core::DataMovePhase::paused, core::DataMovePhase::switched}) {
    if (core::to_string(p) == s) return p;
  }
  throw std::runtime_error("unknown data move phase '" + s + "'");
}

json to_json(const core::GroupAssignment& a) {
  return {{"data_region", a.data_region},     {"write_region", a.write_region},
          {"role", core::to_string(a.role)},  {"reason", a.reason},
          {"change_reason", a.change_reason}, {"changed_at_ms", core::to_ms(a.changed_at)}};
}

json to_json(const core::GroupPlan& g) {
  json sites = json::object();
  for (const auto& [name, a] : g.sites) sites[name] = to_json(a);
  return {{"primary", g.primary},
          {"primary_reason", g.primary_reason},
          {"primary_change_reason", g.primary_change_reason},
          {"primary_since_ms", core::to_ms(g.primary_since)},
          {"move", core::to_string(g.move)},
          {"move_to", g.move_to},
          {"move_from", g.move_from},
          {"move_note", g.move_note},
          {"paused_at_ms", core::to_ms(g.paused_at)},
          {"sites", sites}};
}

core::GroupPlan group_from_json(const std::string& name, const json& j) {
  if (!j.is_object()) throw std::runtime_error("table group '" + name + "' must be an object");
  core::GroupPlan g;
  g.primary = string_field(j, "primary");
  g.primary_reason = string_field(j, "primary_reason");
  g.primary_change_reason = optional_string(j, "primary_change_reason");
  g.primary_since = core::from_ms(int_field(j, "primary_since_ms"));
  g.move = move_phase(string_field(j, "move"));
  g.move_to = string_field(j, "move_to");
  g.move_from = string_field(j, "move_from");
  g.move_note = string_field(j, "move_note");
  g.paused_at = core::from_ms(int_field(j, "paused_at_ms"));
  for (const auto& [site, a] : field(j, "sites", json::value_t::object).items()) {
    if (!a.is_object()) {
      throw std::runtime_error("the assignment of " + site + " in '" + name +
                               "' must be an object");
    }
    core::GroupAssignment ga;
    ga.data_region = string_field(a, "data_region");
    ga.write_region = string_field(a, "write_region");
    ga.role = data_role(string_field(a, "role"));
    ga.reason = string_field(a, "reason");
    ga.change_reason = optional_string(a, "change_reason");
    ga.changed_at = core::from_ms(int_field(a, "changed_at_ms"));
    g.sites[site] = std::move(ga);
  }
  return g;
}

}  // namespace

json to_json(const core::Verdict& v) {
  return {{"state", core::to_string(v.state)},
          {"since_ms", core::to_ms(v.since)},
          {"reason", v.reason},
          {"latency_ms", v.latency.count()}};
}

json to_json(const core::RecordPlan& r) {
  json changes = json::array();
  for (core::TimePoint t : r.automatic_changes) changes.push_back(core::to_ms(t));
  return {{"sites", r.sites},
          {"reason", r.reason},
          {"change_reason", r.change_reason},
          {"changed_at_ms", core::to_ms(r.changed_at)},
          {"last_change", core::to_string(r.last_change)},
          {"last_automatic_change_ms", core::to_ms(r.last_automatic_change)},
          {"automatic_changes_ms", changes},
          {"flap_frozen", r.flap_frozen}};
}

json to_json(const core::Plan& p) {
  json records = json::object();
  for (const auto& [key, r] : p.records) records[key] = to_json(r);
  json out = {{"generation", p.generation},
              {"made_at_ms", core::to_ms(p.made_at)},
              {"summary", p.summary},
              {"records", records}};
  // A cluster's plans name their term and leader; a single controller's do
  // not (absent: 0 and "").
  if (p.term != 0) {
    out["term"] = p.term;
    out["leader"] = p.leader;
  }
  // Journals written before data groups existed have no "groups": absent
  // means none, so both read back the same.
  if (!p.groups.empty()) {
    json groups = json::object();
    for (const auto& [name, g] : p.groups) groups[name] = to_json(g);
    out["groups"] = groups;
  }
  return out;
}

core::Verdict verdict_from_json(const json& j) {
  if (!j.is_object()) throw std::runtime_error("a verdict must be an object");
  core::Verdict v;
  auto state = core::parse_health(string_field(j, "state"));
  if (!state) throw std::runtime_error("unknown verdict state '" + string_field(j, "state") + "'");
  v.state = *state;
  v.since = core::from_ms(int_field(j, "since_ms"));
  v.reason = string_field(j, "reason");
  v.latency = core::Duration{int_field(j, "latency_ms")};
  return v;
}

core::RecordPlan record_from_json(const std::string& key, const json& r) {
  if (!r.is_object()) throw std::runtime_error("record '" + key + "' must be an object");
  core::RecordPlan rp;
  for (const json& s : field(r, "sites", json::value_t::array)) {
    if (!s.is_string()) throw std::runtime_error("record '" + key + "' has a non-string site");
    rp.sites.push_back(s.get<std::string>());
  }
  rp.reason = string_field(r, "reason");
  rp.change_reason = r.contains("change_reason") ? string_field(r, "change_reason") : rp.reason;
  rp.changed_at = core::from_ms(int_field(r, "changed_at_ms"));
  rp.last_change = change_kind(string_field(r, "last_change"));
  rp.last_automatic_change = core::from_ms(int_field(r, "last_automatic_change_ms"));
  for (const json& t : field(r, "automatic_changes_ms", json::value_t::array)) {
    if (!t.is_number_integer())
      throw std::runtime_error("record '" + key + "' has a bad change time");
    rp.automatic_changes.push_back(core::from_ms(t.get<std::int64_t>()));
  }
  rp.flap_frozen = field(r, "flap_frozen", json::value_t::boolean).get<bool>();
  return rp;
}

bool same_stored(const core::RecordPlan& a, const core::RecordPlan& b) {
  return a.sites == b.sites && a.reason == b.reason && a.change_reason == b.change_reason &&
         a.changed_at == b.changed_at && a.last_change == b.last_change &&
         a.last_automatic_change == b.last_automatic_change &&
         a.automatic_changes == b.automatic_changes && a.flap_frozen == b.flap_frozen;
}

core::Plan plan_from_json(const json& j) {
  if (!j.is_object()) throw std::runtime_error("a plan must be an object");
  core::Plan p;
  std::int64_t gen = int_field(j, "generation");
  if (gen < 0) throw std::runtime_error("negative plan generation");
  p.generation = static_cast<std::uint64_t>(gen);
  p.made_at = core::from_ms(int_field(j, "made_at_ms"));
  p.summary = string_field(j, "summary");
  if (j.contains("term")) {
    p.term = int_field(j, "term");
    if (p.term < 0) throw std::runtime_error("negative plan term");
    p.leader = string_field(j, "leader");
  }
  const json& records = field(j, "records", json::value_t::object);
  for (const auto& [key, r] : records.items()) p.records[key] = record_from_json(key, r);
  if (j.contains("groups")) {
    for (const auto& [name, g] : field(j, "groups", json::value_t::object).items()) {
      p.groups[name] = group_from_json(name, g);
    }
  }
  return p;
}

json to_json(const core::Overrides& o) {
  return {{"drained", o.drained},
          {"pinned", o.pinned},
          {"frozen", o.frozen},
          {"frozen_note", o.frozen_note}};
}

core::Overrides overrides_from_json(const json& j) {
  if (!j.is_object()) throw std::runtime_error("overrides are not an object");
  core::Overrides o;
  for (const json& s : field(j, "drained", json::value_t::array)) {
    if (!s.is_string()) throw std::runtime_error("a drained site is not a string");
    o.drained.insert(s.get<std::string>());
  }
  for (const auto& [record, site] : field(j, "pinned", json::value_t::object).items()) {
    if (!site.is_string()) throw std::runtime_error("the pin of '" + record + "' is not a string");
    o.pinned[record] = site.get<std::string>();
  }
  o.frozen = field(j, "frozen", json::value_t::boolean).get<bool>();
  o.frozen_note = string_field(j, "frozen_note");
  return o;
}

}  // namespace drpilot::store
