// The controller's data side: dynamodb checks and the replication canary
// (both on worker threads, results back on the loop), agents' signed reports
// (their observations are vantages in the health book; the reply is the
// site's signed assignment), and the planned move of a write-primary.

#include "agent/targets.h"
#include "api/agent_protocol.h"
#include "aws/bootstrap_config.h"
#include "aws/credential_provider.h"
#include "aws/credential_report.h"
#include "cli/controller.h"
#include "cli/log.h"
#include "cli/random_seed.h"
#include "config/secrets.h"
#include "probe/canary.h"
#include "probe/dynamo_check.h"
#include "store/journal.h"
#include "store/journal_keeper.h"

namespace drpilot::cli {

using nlohmann::json;

namespace {

std::string header(const net::ServerRequest& req, const std::string& lower_name) {
  auto it = req.headers.find(lower_name);
  return it == req.headers.end() ? "" : it->second;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

bool Controller::needs_aws() const {
  for (const config::DataRegionConfig& d : cfg_->data_regions) {
    if (!d.checks.empty()) return true;
  }
  for (const config::TableGroupConfig& g : cfg_->table_groups) {
    if (!g.canary_table.empty()) return true;
  }
  return false;
}

void Controller::start_data() {
  if (!needs_aws()) return;
  // Loaded before the loop serves anything; later refreshes run on the loop.
  std::string error;
  credentials_ = aws::load_then_refresh(clock_, aws::credential_options_from_config(*cfg_),
                                        aws::CredentialProvider::loop_fetch(loop_), error);
  if (!credentials_) throw std::runtime_error("AWS credentials for the data regions: " + error);
  const aws::CredentialStatus s = credentials_->status();
  credential_watch_ = std::make_unique<aws::CredentialWatch>();
  credential_watch_->update(s, clock_.now());
  data_probe_ = std::make_unique<probe::DataProbe>(credentials_, random_seed());
  log_event("aws", {{"credentials", s.source}, {"expires", aws::expiry_time(s.expiration)}});
  start_canary();
}

void Controller::watch_credentials() {
  if (!credentials_) return;
  credentials_->poll();
  const aws::CredentialStatus s = credentials_->status();
  const aws::CredentialNews news = credential_watch_->update(s, clock_.now());
  clear_alert("AWS credentials");
  for (const std::string& text : credential_watch_->alerts()) alert(text);
  if (news.changed) {
    log_event("aws_credentials",
              {{"source", s.source}, {"expires", aws::expiry_time(s.expiration)}});
  }
  // Journaled when each starts and ends, like the other alerts.
  for (const std::string& text : news.started) {
    log_event("aws_credentials_alert", {{"state", "started"}, {"alert", text}});
    journal_event("aws credentials", text);
  }
  for (const std::string& text : news.ended) {
    log_event("aws_credentials_alert", {{"state", "ended"}, {"detail", text}});
    journal_event("aws credentials", text);
  }
}

void Controller::start_canary() {
  if (canary_) canary_->stop();
  canary_.reset();
  if (!credentials_) return;
  probe::CanaryOptions o;
  o.vantage = cfg_->vantage;
  o.credentials = credentials_;
  for (const config::TableGroupConfig& g : cfg_->table_groups) {
    if (g.canary_table.empty()) continue;
    probe::CanaryGroup cg;
    cg.group = g.name;
    cg.table = g.canary_table;
    cg.key = g.canary_key;
    cg.interval = g.canary_interval;
    for (const config::DataRegionConfig& d : cfg_->data_regions)
      cg.regions.push_back({d.name, d.region, d.endpoint});
    o.groups.push_back(std::move(cg));
  }
  if (o.groups.empty()) return;
  canary_ = std::make_unique<probe::Canary>(
      loop_, clock_, std::move(o), [this](const core::LagSample& s) { on_lag(s); },
      [this](const std::string& group, const std::string& from, core::TimePoint at) {
        engine_->observe_canary_write(group, from, at);
      });
  canary_->start();
}

void Controller::stop_data() {
  if (canary_) canary_->stop();
  canary_.reset();
  data_probe_.reset();
}

probe::Scheduler::Runner Controller::check_runner() {
  if (data_probe_) return data_probe_->runner();
  return probe::run_check;
}

void Controller::on_lag(const core::LagSample& s) {
  apply(engine_->observe_lag(s));
}

// Lag over a group's RPO budget (and back within it) is journaled once per
// crossing: the history shows when replication fell behind and for how long.
void Controller::note_lag() {
  const auto lag = engine_->lag();
  for (const config::TableGroupConfig& g : cfg_->table_groups) {
    for (const auto& [key, stat] : lag) {
      if (std::get<0>(key) != g.name) continue;
      const std::string pair = g.name + "/" + std::get<1>(key) + "/" + std::get<2>(key);
      const bool over = stat.current > g.rpo_budget;
      const bool was = lag_over_.count(pair) != 0;
      if (over == was) continue;
      const std::string text =
          "replication lag of " + g.name + " from " + std::get<1>(key) + " to " + std::get<2>(key) +
          (over ? " is over" : " is back within") + " the " + core::format_duration(g.rpo_budget) +
          " RPO budget (" + core::format_duration(stat.current) + " now, p50 " +
          core::format_duration(stat.p50) + ", max " + core::format_duration(stat.max) + ")";
      if (over) {
        lag_over_.insert(pair);
      } else {
        lag_over_.erase(pair);
      }
      log_event("lag", {{"group", g.name},
                        {"from", std::get<1>(key)},
                        {"to", std::get<2>(key)},
                        {"current", core::format_duration(stat.current)},
                        {"over_budget", over ? "yes" : "no"}});
      journal_event("lag", text,
                    {{"group", g.name},
                     {"from", std::get<1>(key)},
                     {"to", std::get<2>(key)},
                     {"current_ms", stat.current.count()},
                     {"p50_ms", stat.p50.count()},
                     {"max_ms", stat.max.count()}});
    }
  }
  // Other vantages cut off, journaled as they come and go (looked at once a
  // second: it walks every site target's votes).
  if (clock_.now() - cut_off_checked_ >= core::Duration{1'000}) {
    cut_off_checked_ = clock_.now();
    const std::vector<std::string> now_cut = engine_->cut_off_vantages();
    for (const std::string& v : now_cut) {
      if (std::find(cut_off_vantages_.begin(), cut_off_vantages_.end(), v) ==
          cut_off_vantages_.end()) {
        journal_event("vantage", v + " sees every site it checks from outside down while the "
                                     "other vantages see them up: it is probably cut off");
      }
    }
    for (const std::string& v : cut_off_vantages_) {
      if (std::find(now_cut.begin(), now_cut.end(), v) == now_cut.end()) {
        journal_event("vantage", v + " sees the sites again");
      }
    }
    cut_off_vantages_ = now_cut;
  }
  if (engine_->controller_cut_off() != cut_off_) {
    cut_off_ = !cut_off_;
    journal_event("vantage", cut_off_ ? "this controller sees every site down while other "
                                        "vantages see some up; it changes nothing on its own view"
                                      : "this controller sees the sites again");
  }
}

// Keys and the targets each agent may vouch for: at start and on reload. An
// agent whose key cannot be read is refused (and alerted), the rest work.
void Controller::configure_agents() {
  agent_keys_.clear();
  agent_targets_.clear();
  clear_alert("agent ");
  for (const config::AgentConfig& a : cfg_->agents) {
    std::string error;
    auto key = config::resolve_secret(a.key, error);
    if (!key) {
      alert("agent " + a.name + "'s key cannot be read: " + error);
      continue;
    }
    agent_keys_[a.name] = *key;
    std::set<std::string>& allowed = agent_targets_[a.name];
    for (const probe::ProbeTarget& t : agent::agent_targets(*cfg_, a, error))
      allowed.insert(t.target);
    for (const probe::ProbeTarget& t : agent::cross_check_targets(*cfg_, a))
      allowed.insert(t.target);
  }
  if (!replay_) replay_ = std::make_unique<api::ReplayGuard>(2 * api::kMaxClockSkew);
}

net::ServerResponse Controller::agent_report(const net::ServerRequest& req) {
  const core::TimePoint now = clock_.now();
  const std::string name = header(req, lower(api::kAgentHeader));
  // Before the signature is verified, anyone could have sent the request:
  // it is logged (with its source) and answered, but changes nothing in
  // the named agent's status. After it, a refusal is the agent's own
  // doing and is shown with it.
  bool authenticated = false;
  auto refuse = [&](int status, const std::string& why) {
    log_event("agent_report_refused", {{"agent", name},
                                       {"from", req.remote},
                                       {"authenticated", authenticated ? "yes" : "no"},
                                       {"reason", why}});
    if (authenticated) {
      AgentState& st = agents_[name];
      st.refused++;
      st.last_refusal = why;
    }
    return api::json_response(status, {{"error", why}});
  };
  if (name.empty()) return refuse(401, "the report has no X-Drpilot-Agent header");
  const config::AgentConfig* agent = cfg_->find_agent(name);
  if (!agent)
    return refuse(401, "there is no agent named '" + name + "' in this controller's configuration");
  auto key = agent_keys_.find(name);
  if (key == agent_keys_.end())
    return refuse(503, "this controller cannot read agent " + name + "'s key");
  const std::string timestamp = header(req, lower(api::kTimestampHeader));
  const std::string why =
      api::verify_body(key->second, timestamp, header(req, lower(api::kSignatureHeader)), req.body,
                       now, api::kMaxClockSkew);
  if (!why.empty()) return refuse(401, why);
  authenticated = true;
  std::string error;
  auto report = api::parse_report(req.body, error);
  if (!report) return refuse(400, "malformed report: " + error);
  if (report->agent != name)
    return refuse(400, "the report names agent '" + report->agent + "' but was signed as " + name);
  if (report->site != agent->site)
    return refuse(400,
                  "agent " + name + " belongs to site " + agent->site + ", not " + report->site);
  if (std::to_string(report->sent_at_ms) != timestamp)
    return refuse(400, "the report's sent_at_ms does not match its signed timestamp");
  std::string replay_why;
  if (!replay_->accept(name, report->nonce, core::from_ms(report->sent_at_ms), now, &replay_why))
    return refuse(409, "refused as a replay: " + replay_why);

  AgentState& st = agents_[name];
  st.last_report = now;
  st.reports++;
  const std::set<std::string>& allowed = agent_targets_[name];
  // The agent's clock may be off: an observation is placed as long before
  // now as it was before the report was sent.
  const core::Duration offset = now - core::from_ms(report->sent_at_ms);
  std::vector<core::Observation> accepted;
  for (core::Observation o : report->observations) {
    if (!allowed.count(o.target)) {
      st.ignored++;
      continue;
    }
    o.vantage = name;
    o.at = std::min(now, o.at + offset);
    accepted.push_back(std::move(o));
  }
  if (!accepted.empty()) apply(engine_->observe(accepted));
  if (report->applied_generation != st.applied_generation || report->applied_ok != st.applied_ok ||
      report->applied_error != st.applied_error) {
    if (!report->applied_ok) {
      journal_event("agent " + name,
                    "agent " + name + " failed to apply its assignment: " + report->applied_error,
                    {{"generation", report->applied_generation}});
    } else if (!st.applied_ok) {
      journal_event("agent " + name, "agent " + name + " applied its assignment again",
                    {{"generation", report->applied_generation}});
    }
  }
  st.applied_generation = report->applied_generation;
  st.applied_ok = report->applied_ok;
  st.applied_error = report->applied_error;
  st.healthy = report->healthy;

  api::SiteAssignmentMessage m;
  m.generation = engine_->plan().generation;
  m.term = engine_->plan().term;
  m.site = agent->site;
  for (const auto& [group, gp] : engine_->plan().groups) {
    auto it = gp.sites.find(agent->site);
    if (it != gp.sites.end()) m.groups[group] = it->second;
  }
  st.sent_generation = m.generation;
  net::ServerResponse r;
  r.status = 200;
  r.body = api::encode_assignment(m);
  const std::string ts = api::timestamp_header(now);
  r.headers.push_back({api::kTimestampHeader, ts});
  r.headers.push_back({api::kSignatureHeader, api::sign_body(key->second, ts, r.body)});
  return r;
}

json Controller::agents_status() const {
  json out = json::array();
  const core::TimePoint now = clock_.now();
  for (const config::AgentConfig& a : cfg_->agents) {
    json j = {{"name", a.name}, {"site", a.site}};
    auto it = agents_.find(a.name);
    if (it == agents_.end() || it->second.reports == 0) {
      j["state"] = "silent";
      j["reason"] = "no report received since the controller started";
    } else {
      const AgentState& s = it->second;
      const bool fresh = now - s.last_report <= cfg_->freshness;
      j["state"] = !fresh ? "silent" : s.applied_ok && s.healthy ? "ok" : "degraded";
      j["reason"] = !fresh ? "last report " + core::format_duration(now - s.last_report) + " ago"
                    : !s.applied_ok ? "its last apply failed: " + s.applied_error
                    : !s.healthy    ? "its /healthz says the site should get no traffic"
                                    : "reporting; assignment applied";
      j["last_report"] = core::format_time(s.last_report);
      j["applied_generation"] = s.applied_generation;
      j["sent_generation"] = s.sent_generation;
      j["healthy"] = s.healthy;
      j["reports"] = s.reports;
      j["ignored_observations"] = s.ignored;
    }
    if (it != agents_.end()) {
      j["refused"] = it->second.refused;
      if (!it->second.last_refusal.empty()) j["last_refusal"] = it->second.last_refusal;
    }
    if (!agent_keys_.count(a.name)) {
      j["state"] = "refused";
      j["reason"] = "this controller cannot read its key";
    }
    out.push_back(j);
  }
  return out;
}

// drpilot switchover --data REGION [--group G].
std::pair<int, json> Controller::data_switchover(const core::Command& cmd) {
  std::vector<std::string> groups;
  if (!cmd.group.empty()) {
    groups.push_back(cmd.group);
  } else {
    for (const config::TableGroupConfig& g : cfg_->table_groups) {
      if (g.write_mode != config::WriteMode::single) continue;
      auto it = engine_->plan().groups.find(g.name);
      if (it != engine_->plan().groups.end() && it->second.primary == cmd.data_region) continue;
      groups.push_back(g.name);
    }
    if (groups.empty()) {
      return {
          409,
          {{"error", cfg_->table_groups.empty()
                         ? "there are no table groups"
                         : "every single-mode table group already writes to " + cmd.data_region}}};
    }
  }
  for (const std::string& g : groups) {
    const std::string problem = engine_->data_move_problem(g, cmd.data_region);
    if (!problem.empty()) {
      log_event("command_refused",
                {{"command", "switchover"}, {"who", cmd.who}, {"reason", problem}});
      const int status = cfg_->find_data_region(cmd.data_region) ? 409 : 404;
      return {status, {{"error", problem}}};
    }
  }
  const std::string note = core::command_note(cmd);
  std::string names;
  for (const std::string& g : groups) names += (names.empty() ? "" : ", ") + g;
  const std::string message = "writes of " + names + " move to " + cmd.data_region +
                              ": paused now, switched once " + cmd.data_region +
                              " has caught up, then resumed (" + note + ")";
  const json detail = {
      {"data_region", cmd.data_region}, {"groups", groups}, {"who", cmd.who}, {"why", cmd.why}};
  if (const std::string error = journal_->write([&](store::Journal& j) {
        j.record_command(cmd.name, message, clock_.now(), detail, engine_->overrides());
      });
      !error.empty()) {
    log_event("journal_error", {{"error", error}});
    return {500, {{"error", "the command was not carried out: " + error}}};
  }
  log_event("command", {{"command", "switchover --data"}, {"who", cmd.who}, {"message", message}});
  bool changed = false;
  for (const std::string& g : groups) {
    const core::EngineStep step = engine_->move_primary(g, cmd.data_region, note);
    changed |= step.plan_changed;
    apply(step);
  }
  return {200,
          {{"message", message},
           {"generation", engine_->plan().generation},
           {"plan_changed", changed}}};
}

}  // namespace drpilot::cli
