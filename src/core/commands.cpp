#include "core/commands.h"

#include <algorithm>

namespace drpilot::core {
namespace {

CommandCheck refuse(int status, std::string message) {
  CommandCheck c;
  c.status = status;
  c.message = std::move(message);
  return c;
}

bool has_site(const EngineSpec& spec, const std::string& site) {
  return std::any_of(spec.sites.begin(), spec.sites.end(),
                     [&](const SiteSpec& s) { return s.name == site; });
}

std::vector<const RecordSpec*> records_named(const EngineSpec& spec, const std::string& name) {
  std::vector<const RecordSpec*> out;
  for (const RecordSpec& r : spec.records) {
    if (r.name == name) out.push_back(&r);
  }
  return out;
}

Health state(const std::map<std::string, Verdict>& verdicts, const std::string& site) {
  auto it = verdicts.find(site);
  return it == verdicts.end() ? Health::unknown : it->second.state;
}

// Records of `site` that draining it (with `drained`, which includes it) would
// leave with no site at all, or with only sites known down: the operator
// should say --force for those. Records without `site` are not its business.
std::string drain_problem(const EngineSpec& spec, const std::map<std::string, Verdict>& verdicts,
                          const std::set<std::string>& drained, const std::string& site) {
  for (const RecordSpec& r : spec.records) {
    if (std::find(r.sites.begin(), r.sites.end(), site) == r.sites.end()) continue;
    int left = 0, not_down = 0;
    for (const std::string& s : r.sites) {
      if (drained.count(s)) continue;
      ++left;
      not_down += state(verdicts, s) != Health::down;
    }
    if (left == 0) return "it would leave " + r.key() + " with no site to answer";
    if (not_down == 0) return "every other site of " + r.key() + " is down";
  }
  return "";
}

}  // namespace

std::string command_note(const Command& cmd) {
  std::string note = cmd.who.empty() ? "unknown operator" : cmd.who;
  if (!cmd.why.empty()) note += ": " + cmd.why;
  return note;
}

CommandCheck check_command(const Command& cmd, const EngineSpec& spec,
                           const std::map<std::string, Verdict>& verdicts,
                           const Overrides& overrides) {
  CommandCheck c;
  c.next = overrides;
  const bool needs_site =
      cmd.name == "drain" || cmd.name == "undrain" || cmd.name == "pin" || cmd.name == "switchover";
  const bool needs_record = cmd.name == "pin" || cmd.name == "unpin" || cmd.name == "switchover";
  if (!needs_site && !needs_record && cmd.name != "freeze" && cmd.name != "resume") {
    return refuse(400, "unknown command '" + cmd.name + "'");
  }
  if (needs_site && cmd.site.empty()) return refuse(400, cmd.name + " needs a site");
  if (needs_record && cmd.record.empty()) return refuse(400, cmd.name + " needs a record");
  if (needs_site && !has_site(spec, cmd.site)) {
    return refuse(404, "there is no site '" + cmd.site + "'");
  }
  std::vector<const RecordSpec*> records;
  if (needs_record) {
    records = records_named(spec, cmd.record);
    if (records.empty()) return refuse(404, "there is no record '" + cmd.record + "'");
    if (cmd.name != "unpin") {
      for (const RecordSpec* r : records) {
        if (std::find(r->sites.begin(), r->sites.end(), cmd.site) == r->sites.end()) {
          return refuse(409, "site " + cmd.site + " is not one of " + r->key() + "'s sites");
        }
      }
    }
  }

  if (cmd.name == "drain") {
    if (overrides.drained.count(cmd.site)) return refuse(409, cmd.site + " is already drained");
    // A pin wins over a drain in the planner: draining a pinned site would
    // leave it answering while status says it is out.
    for (const auto& [record, site] : overrides.pinned) {
      if (site == cmd.site) {
        return refuse(409, record + " is pinned to " + cmd.site + "; unpin it first");
      }
    }
    std::set<std::string> next = overrides.drained;
    next.insert(cmd.site);
    const std::string problem = drain_problem(spec, verdicts, next, cmd.site);
    if (!problem.empty() && !cmd.force) {
      return refuse(
          409, "refusing to drain " + cmd.site + ": " + problem + " (use --force to drain anyway)");
    }
    c.next.drained = std::move(next);
    c.message = cmd.site + " is drained: it leaves every answer" +
                (problem.empty() ? "" : " although " + problem);
  } else if (cmd.name == "undrain") {
    if (!overrides.drained.count(cmd.site)) return refuse(409, cmd.site + " is not drained");
    c.next.drained.erase(cmd.site);
    c.message = cmd.site + " is no longer drained; it rejoins answers by the normal policy";
  } else if (cmd.name == "pin") {
    if (overrides.drained.count(cmd.site)) {
      return refuse(409, cmd.site + " is drained; undrain it first");
    }
    c.next.pinned[cmd.record] = cmd.site;
    c.message = cmd.record + " is pinned to " + cmd.site;
    if (state(verdicts, cmd.site) == Health::down) c.message += " although it is down";
  } else if (cmd.name == "unpin") {
    if (!overrides.pinned.count(cmd.record)) return refuse(409, cmd.record + " is not pinned");
    c.next.pinned.erase(cmd.record);
    c.message = cmd.record + " is no longer pinned; automation decides its answer again";
  } else if (cmd.name == "freeze") {
    if (overrides.frozen) return refuse(409, "automation is already frozen");
    c.next.frozen = true;
    c.next.frozen_note = command_note(cmd);
    c.message = "automation is frozen: answers stay as they are (checks continue) until resume";
  } else if (cmd.name == "resume") {
    c.next.frozen = false;
    c.next.frozen_note.clear();
    c.message = "automation resumes, and flap freezes are lifted";
  } else {  // switchover
    for (const RecordSpec* r : records) {
      if (r->mode != RoutingMode::failover) {
        return refuse(409, r->key() + " is a multivalue record; drain sites to change it");
      }
    }
    if (overrides.pinned.count(cmd.record)) {
      return refuse(409, cmd.record + " is pinned to " + overrides.pinned.at(cmd.record) +
                             "; unpin it first");
    }
    if (overrides.drained.count(cmd.site)) {
      return refuse(409, cmd.site + " is drained; undrain it first");
    }
    if (state(verdicts, cmd.site) == Health::down) {
      // The safety rule would move it straight back while another site is up.
      return refuse(409, "refusing to switch " + cmd.record + " over to " + cmd.site +
                             ", which is down; pin the record to hold traffic there anyway");
    }
    c.message = cmd.record + " switches over to " + cmd.site +
                " now; afterwards the normal failback policy applies again";
  }
  c.ok = true;
  return c;
}

}  // namespace drpilot::core
