#include "cli/controller.h"

#include "api/agent_protocol.h"
#include "api/status_view.h"
#include "aws/credential_provider.h"
#include "aws/credential_report.h"
#include "cli/log.h"
#include "cli/random_seed.h"
#include "cluster/cluster_node.h"
#include "cluster/vantage_report.h"
#include "config/secrets.h"
#include "dns/server.h"
#include "probe/canary.h"
#include "probe/dynamo_check.h"
#include "probe/scheduler.h"
#include "probe/targets.h"
#include "providers/change_gate.h"
#include "providers/embedded_dns.h"
#include "providers/factory.h"
#include "providers/reconciler.h"
#include "store/codec.h"
#include "store/journal.h"
#include "store/journal_keeper.h"

namespace drpilot::cli {

namespace {
constexpr std::chrono::milliseconds kTick{100};
constexpr auto kLiveWithin = std::chrono::seconds(2);

// The API as configured, its tokens read from where they are kept.
api::ApiOptions api_options(const config::Config& cfg) {
  api::ApiOptions o;
  o.address = cfg.api_listen.host;
  o.port = cfg.api_listen.port;
  for (const config::ApiToken& t : cfg.api_tokens) {
    std::string err;
    auto secret = config::resolve_secret(t.secret, err);
    if (!secret) throw std::runtime_error("API token '" + t.name + "': " + err);
    o.access.tokens.push_back({t.name, t.role == config::ApiRole::operator_role, *secret});
  }
  o.access.read_token_required = cfg.api_read_token_required;
  o.hosts = api::host_policy(cfg.api_listen.host, cfg.api_host_names);
  o.tls_certificate_file = cfg.api_tls_certificate_file;
  o.tls_key_file = cfg.api_tls_key_file;
  return o;
}

std::string endpoints_text(const std::vector<config::Endpoint>& eps) {
  std::string s;
  for (const auto& e : eps) s += (s.empty() ? "" : ",") + e.to_string();
  return s;
}
}  // namespace

Controller::Controller(net::Loop& loop, std::shared_ptr<const config::Config> cfg,
                       const core::Clock& clock, std::string member)
    : loop_(loop),
      cfg_(std::move(cfg)),
      clock_(clock),
      tick_timer_(loop),
      member_(std::move(member)) {}

Controller::~Controller() {
  stop();
}

void Controller::start() {
  started_at_ = clock_.now();
  // What can fail on the configuration (a secret that cannot be read, a
  // certificate that does not load) fails first, before the journal records
  // a start that never happened.
  for (const std::string& w : config::secret_warnings(*cfg_)) log_event("warning", {{"secret", w}});
  api_ = std::make_unique<api::ApiServer>(loop_, *this, api_options(*cfg_));

  // The journal's lock before anything else: a second controller on the
  // same journal refuses before it checks, binds or writes anything.
  store::KeeperSettings journal;
  journal.path = cfg_->journal_path;
  journal.options.integrity_check_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(cfg_->journal_integrity_check_timeout);
  journal.max_age = cfg_->journal_max_age;
  journal.max_bytes = static_cast<std::uint64_t>(cfg_->journal_max_size_mb) << 20;
  journal_ = std::make_unique<store::JournalKeeper>(journal);

  // Credentials are read before anything starts, like secrets: a controller
  // that cannot check its data regions says so at once.
  start_data();
  configure_agents();

  std::vector<std::unique_ptr<providers::Provider>> configured;
  for (const config::ProviderConfig& pc : cfg_->providers) {
    configured.push_back(providers::make_provider(pc, clock_));
  }

  engine_ = std::make_unique<core::Engine>(cfg_->engine_spec(), clock_);

  store::JournalState state = journal_->load_state();
  // Plans after this one are numbered above anything a previous run may
  // have handed out, journaled or not.
  engine_->set_generation_floor(store::JournalKeeper::generation_floor(state));
  if (state.plan) {
    engine_->restore(*state.plan, state.targets, state.sites);
    if (state.overrides) apply(engine_->set_overrides(*state.overrides));
    log_event("resume", {{"journal", cfg_->journal_path},
                         {"generation", std::to_string(state.plan->generation)},
                         {"verdicts", std::to_string(state.targets.size() + state.sites.size())}});
  } else {
    log_event("journal",
              {{"path", cfg_->journal_path}, {"state", journal_->created() ? "created" : "empty"}});
  }
  if (!journal_->integrity_note().empty()) {
    log_event("journal", {{"path", cfg_->journal_path}, {"integrity", journal_->integrity_note()}});
  }
  if (!journal_->writable()) {
    // Serve from the last plan rather than not at all: DNS answers, the API
    // tells why nothing is recorded, and the journal is reopened once it can be.
    log_event("journal_read_only",
              {{"path", cfg_->journal_path}, {"reason", journal_->read_only_reason()}});
    alert("the journal is read-only (" + journal_->read_only_reason() +
          "): decisions are not recorded and operator commands are refused; retrying every 10s");
    set_degraded("the journal is read-only: " + journal_->read_only_reason());
  }
  // The first plan (or the resumed one, re-evaluated) exists before anything
  // is served: DNS never answers from nothing. A cluster member makes it
  // only when its journal has none, and then follows the cluster.
  if (!cfg_->cluster.enabled() || engine_->plan().empty()) apply(engine_->tick());
  if (cfg_->cluster.enabled()) start_cluster();

  if (cfg_->dns.enabled) {
    dns::ServerOptions opts;
    for (const config::Endpoint& e : cfg_->dns.listen) opts.listen.emplace_back(e.host, e.port);
    opts.udp_threads = cfg_->dns.udp_threads;
    opts.tcp_idle_timeout = cfg_->dns.tcp_idle_timeout;
    opts.tcp_max_lifetime = cfg_->dns.tcp_max_lifetime;
    dns_ = std::make_unique<dns::Server>(opts);
  }
  std::map<std::string, std::uint64_t> applied, verified;
  for (const auto& [name, p] : state.providers) {
    applied[name] = p.applied;
    verified[name] = p.verified;
  }
  // Publishes the first DNS answers before the server starts: it never
  // answers from nothing.
  start_world(state.released, applied, verified, std::move(configured));
  if (dns_) {
    dns_->start();
    log_event("dns", {{"listen", endpoints_text(dns_bound())}});
  }
  history_reader_ = store::Journal::reader(cfg_->journal_path);  // before the API thread starts
  api_->start();
  log_event("api", {{"listen", api_bound().to_string()},
                    {"scheme", cfg_->api_tls_certificate_file.empty() ? "http" : "https"}});

  std::vector<probe::ProbeTarget> targets = probe::targets_from_config(*cfg_);
  checks_ = std::make_unique<probe::CheckPool>(
      loop_, clock_, cfg_->vantage,
      [this](std::vector<core::Observation> batch) { on_observations(batch); }, random_seed(),
      cfg_->check_threads > 0 ? cfg_->check_threads : probe::CheckPool::threads_for(targets),
      check_runner());
  checks_->set_targets(targets);
  log_event("checks", {{"targets", std::to_string(checks_->load().targets)},
                       {"threads", std::to_string(checks_->threads())}});

  journal_event("controller", "controller started with " + cfg_->path,
                {{"generation", engine_->plan().generation}});
  if (cluster_) {
    cluster_->start();
    log_event("cluster", {{"member", member_},
                          {"etcd", cfg_->cluster.etcd.endpoints.empty()
                                       ? std::string()
                                       : cfg_->cluster.etcd.endpoints.front()}});
  }
  running_ = true;
  note_tick();
  schedule_tick();
}

void Controller::stop() {
  if (!running_) return;
  running_ = false;
  tick_timer_.cancel();
  // Resigns first, so that another controller leads at once.
  if (cluster_) cluster_->stop();
  acting_ = false;
  // The check threads stop before the data probe they call into goes.
  if (checks_) checks_->stop();
  stop_data();
  if (api_) api_->stop();
  gate_.reset();
  if (reconciler_) reconciler_->stop();
  pre_hooks_.reset();
  post_hooks_.reset();
  if (dns_) dns_->stop();
  journal_event("controller", "controller stopped");
  if (journal_ && engine_ && !plan_unjournaled_) {
    journal_->release_unused(engine_->plan().generation);
  }
}

std::vector<config::Endpoint> Controller::dns_bound() const {
  std::vector<config::Endpoint> out;
  if (!dns_) return out;
  for (std::size_t i = 0; i < cfg_->dns.listen.size(); ++i) {
    out.push_back({cfg_->dns.listen[i].host, dns_->bound_port(i)});
  }
  return out;
}

config::Endpoint Controller::api_bound() const {
  return {cfg_->api_listen.host, api_ ? api_->port() : std::uint16_t{0}};
}

void Controller::schedule_tick() {
  control_gauge_.expect_heartbeat(std::chrono::steady_clock::now() + kTick);
  tick_timer_.start(kTick, [this] {
    control_gauge_.heartbeat(std::chrono::steady_clock::now());
    note_tick();
    apply(engine_->tick());
    note_lag();
    watch_load();
    watch_credentials();
    keep_journal();
    if (cluster_) {
      if (acting_) {
        watch_agreement();
        watch_clocks();
      }
      store_state();  // after an etcd error or a disagreement
      send_report();
    }
    schedule_tick();
  });
}

// Overload is reported (and journaled when it starts and ends), never taken
// for an outage: the check loops set aside the results it may have spoiled.
void Controller::watch_load() {
  const std::string text = probe::overload_alert(
      checks_->load().merged, control_gauge_.report(std::chrono::steady_clock::now()).loop);
  clear_alert("controller overloaded");
  if (!text.empty()) alert(text);
  if (text.empty() == !overloaded_) return;
  overloaded_ = !text.empty();
  log_event("overload",
            {{"state", overloaded_ ? "overloaded" : "keeping its schedule"}, {"detail", text}});
  journal_event("controller", overloaded_ ? text : "the controller keeps its schedule again");
}

nlohmann::json Controller::load_status() const {
  const probe::PoolLoad p = checks_->load();
  const probe::LoadReport c = control_gauge_.report(std::chrono::steady_clock::now());
  auto lateness = [](const probe::Lateness& l) {
    return nlohmann::json{{"max_ms", l.max.count()}, {"p99_ms", l.p99.count()}};
  };
  return {{"window_s", p.merged.window.count() / 1000},
          {"check_threads", p.threads},
          {"targets", p.targets},
          {"checks_due_per_second", p.due_per_second},
          {"checks_done_per_second", p.merged.completed_per_second},
          {"check_start_lag", lateness(p.merged.start)},
          {"check_loop_lag", lateness(p.merged.loop)},
          {"set_aside_total", p.merged.set_aside},
          {"set_aside_recent", p.merged.set_aside_recent},
          {"control_loop_lag", lateness(c.loop)},
          {"overloaded", overloaded_}};
}

void Controller::on_observations(const std::vector<core::Observation>& batch) {
  if (cluster_ && !acting_) {
    for (const core::Observation& o : batch) outbox_->add(o);
  }
  apply(engine_->observe(batch));
}

// Journal first, then publish: a plan that was served must survive a crash,
// or a restart would flip back to an older answer.
void Controller::apply(const core::EngineStep& step) {
  const core::TimePoint now = clock_.now();
  for (const auto& c : step.target_changes) {
    log_event("verdict", {{"target", c.subject},
                          {"from", std::string(core::to_string(c.before.state))},
                          {"to", std::string(core::to_string(c.after.state))},
                          {"reason", c.after.reason}});
  }
  for (const auto& c : step.site_changes) {
    log_event("site", {{"site", c.subject},
                       {"from", std::string(core::to_string(c.before.state))},
                       {"to", std::string(core::to_string(c.after.state))},
                       {"reason", c.after.reason}});
  }
  // Keep steering traffic when the write fails: a lost record is bad, a
  // stale answer is worse. The plan is written again every tick until it is.
  const bool written = journal_write([&](store::Journal& j) {
    j.record_step(step.target_changes, step.site_changes, now,
                  step.plan_changed ? &engine_->plan() : nullptr);
  });
  if (step.plan_changed) {
    plan_unjournaled_ = !written;
    cover_generation(engine_->plan().generation);  // before anyone outside sees it
  }
  if (step.plan_changed) {
    const core::Plan& plan = engine_->plan();
    log_event("plan", {{"generation", std::to_string(plan.generation)}, {"summary", plan.summary}});
    if (cluster_) {
      // Stored in etcd under this leader's term first, released after.
      ++state_version_;
      store_state();
    } else {
      offer_plan();
    }
  }
}

void Controller::alert(const std::string& text) {
  for (const std::string& a : alerts_) {
    if (a == text) return;
  }
  alerts_.push_back(text);
}

void Controller::clear_alert(const std::string& prefix) {
  std::erase_if(alerts_, [&](const std::string& a) { return a.rfind(prefix, 0) == 0; });
}

// A journal entry that is not part of a decision: a failed write is logged
// and alerted, never allowed to stop the controller.
void Controller::journal_event(const std::string& subject, const std::string& message,
                               const nlohmann::json& data) {
  journal_write([&](store::Journal& j) {
    j.record_event("lifecycle", subject, message, clock_.now(), data);
  });
}

bool Controller::journal_write(const std::function<void(store::Journal&)>& write) {
  if (!journal_) return false;
  const std::string error = journal_->write(write);
  if (error.empty()) {
    clear_alert("journal write failed");
    return true;
  }
  // Read-only is alerted once, when it starts; a failed write each time it changes.
  if (journal_->writable()) {
    log_event("journal_error", {{"error", error}});
    clear_alert("journal write failed");
    alert("journal write failed: " + error);
  }
  return false;
}

void Controller::keep_journal() {
  const store::JournalKeeper::Maintenance m = journal_->maintain(clock_.now());
  if (m.reopened) {
    log_event("journal_writable", {{"path", cfg_->journal_path}});
    clear_alert("the journal is read-only");
    set_degraded("");
    journal_event("controller", "the journal can be written again");
    try {
      std::shared_ptr<store::Journal> reader = store::Journal::reader(cfg_->journal_path);
      std::lock_guard lock(history_mutex_);
      history_reader_ = std::move(reader);
    } catch (const std::exception& e) {
      log_event("journal_error", {{"error", e.what()}});
    }
    plan_unjournaled_ = true;  // what was decided meanwhile is written now
  }
  if (!m.error.empty()) log_event("journal_error", {{"error", m.error}});
  if (m.pruned.by_age + m.pruned.by_size > 0) {
    log_event("journal_pruned", {{"by_age", std::to_string(m.pruned.by_age)},
                                 {"by_size", std::to_string(m.pruned.by_size)}});
  }
  if (plan_unjournaled_ && journal_->writable()) {
    const core::Plan& plan = engine_->plan();
    if (journal_write([&](store::Journal& j) { j.record_plan(plan); })) {
      plan_unjournaled_ = false;
      cover_generation(plan.generation);
    }
  }
}

// Reserves `generation`'s number in the journal; alerts while it cannot.
void Controller::cover_generation(std::uint64_t generation) {
  const std::string uncovered = journal_->cover(generation);
  clear_alert("plan generation");
  if (!uncovered.empty()) alert(uncovered);
}

void Controller::set_degraded(std::string why) {
  std::lock_guard lock(degraded_mutex_);
  degraded_ = std::move(why);
}

std::string Controller::degraded() {
  std::lock_guard lock(degraded_mutex_);
  return degraded_;
}

std::string Controller::refuse_reload(const std::string& errors) {
  log_event("reload_refused", {{"config", cfg_->path}, {"errors", errors}});
  journal_event("config", "configuration reload refused; the running one stays",
                {{"errors", errors}});
  return errors;
}

std::string Controller::reload() {
  config::LoadResult r = config::load_config_file(cfg_->path);
  if (!r.ok()) return refuse_reload(r.error_text());
  config::Config next = std::move(*r.config);
  if (const std::string error = next.run_as_member(member_); !error.empty()) {
    return refuse_reload(error + "\n");
  }
  if (!(next.cluster == cfg_->cluster)) {
    return refuse_reload(
        "configuration reload refused: changing the cluster section needs a restart of every "
        "member, one at a time; the running configuration stays\n");
  }
  // What is bound, opened or named at start-up cannot change under a running
  // controller; the vantage names every piece of evidence already collected.
  std::vector<std::string> needs_restart;
  if (next.journal_path != cfg_->journal_path) needs_restart.push_back("journal.path");
  if (!(next.api_listen == cfg_->api_listen)) needs_restart.push_back("api.listen");
  if (next.vantage != cfg_->vantage) needs_restart.push_back("controller.vantage");
  if (next.check_threads != cfg_->check_threads)
    needs_restart.push_back("controller.check_threads");
  if (next.dns.enabled != cfg_->dns.enabled || next.dns.listen != cfg_->dns.listen ||
      next.dns.udp_threads != cfg_->dns.udp_threads ||
      next.dns.tcp_idle_timeout != cfg_->dns.tcp_idle_timeout ||
      next.dns.tcp_max_lifetime != cfg_->dns.tcp_max_lifetime) {
    needs_restart.push_back("dns.listen/udp_threads/tcp_idle_timeout/tcp_max_lifetime");
  }
  if (next.providers != cfg_->providers) needs_restart.push_back("providers");
  if (!(next.api_tokens == cfg_->api_tokens)) needs_restart.push_back("api.tokens");
  if (next.api_read_token_required != cfg_->api_read_token_required) {
    needs_restart.push_back("api.read_token_required");
  }
  if (next.api_tls_certificate_file != cfg_->api_tls_certificate_file ||
      next.api_tls_key_file != cfg_->api_tls_key_file) {
    needs_restart.push_back("api.tls");
  }
  if (next.api_host_names != cfg_->api_host_names) needs_restart.push_back("api.host_names");
  if (next.journal_max_age != cfg_->journal_max_age ||
      next.journal_max_size_mb != cfg_->journal_max_size_mb ||
      next.journal_integrity_check_timeout != cfg_->journal_integrity_check_timeout) {
    needs_restart.push_back("journal.max_age/max_size_mb/integrity_check_timeout");
  }
  if (!(next.aws == cfg_->aws)) needs_restart.push_back("aws");
  if (!credentials_ && next.data_regions != cfg_->data_regions) {
    // Credentials are read at start only when something needs them.
    for (const config::DataRegionConfig& d : next.data_regions) {
      if (!d.checks.empty()) {
        needs_restart.push_back("data_regions (the first dynamodb checks)");
        break;
      }
    }
  }
  if (!needs_restart.empty()) {
    std::string keys;
    for (const auto& k : needs_restart) keys += (keys.empty() ? "" : ", ") + k;
    return refuse_reload("configuration reload refused: changing " + keys +
                         " needs a restart; the running configuration stays\n");
  }
  const bool canary_changed =
      next.table_groups != cfg_->table_groups || next.data_regions != cfg_->data_regions;
  cfg_ = std::make_shared<const config::Config>(std::move(next));
  if (cluster_) config_digest_ = file_digest(cfg_->path);
  configure_agents();
  if (canary_changed) start_canary();
  if (embedded_) embedded_->configure(cfg_->dns.zones, cfg_->site_specs(), cfg_->records);
  if (gate_) gate_->reconfigure(cfg_->hooks);
  const core::EngineStep step = engine_->reconfigure(cfg_->engine_spec());
  apply(step);
  // The same generation may need publishing anew (a TTL, a zone changed).
  if (!step.plan_changed) offer_plan();
  checks_->set_targets(probe::targets_from_config(*cfg_));
  log_event("reloaded", {{"config", cfg_->path}});
  journal_event("config", "configuration reloaded from " + cfg_->path);
  return "";
}

std::function<net::ServerResponse()> Controller::status(const api::StatusQuery& q) {
  api::ControllerInfo info;
  info.version = DRPILOT_VERSION;
  info.config_path = cfg_->path;
  info.journal_path = cfg_->journal_path;
  info.started_at = started_at_;
  info.alerts = alerts_;
  info.providers = providers_status();
  info.agents = agents_status();
  info.load = load_status();
  info.cluster = cluster_status();
  if (credentials_)
    info.aws = {{"credentials", aws::credential_status_json(credentials_->status())}};
  if (gate_) {
    info.released_generation = gate_->released_generation();
    info.held_back = gate_->held_back();
  }
  auto snap = std::make_shared<const api::StatusSnapshot>(
      api::snapshot_status(*engine_, cfg_, std::move(info), clock_.now(), q));
  return [snap] {
    if (!snap->not_found.empty()) return api::json_response(404, {{"error", snap->not_found}});
    net::ServerResponse r;
    r.body = api::render_status(*snap);
    return r;
  };
}

nlohmann::json Controller::history(std::size_t limit, std::optional<std::int64_t> before_id) {
  nlohmann::json events = nlohmann::json::array();
  std::shared_ptr<store::Journal> reader;
  {
    std::lock_guard lock(history_mutex_);
    reader = history_reader_;
  }
  for (const store::JournalEvent& e : reader->history(limit, before_id)) {
    events.push_back(store::to_json(e));
  }
  return {{"events", events}};
}

void Controller::note_tick() {
  last_tick_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
                   .count();
}

bool Controller::live() {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
  return running_ && now - std::chrono::milliseconds(last_tick_.load()) < kLiveWithin;
}

}  // namespace drpilot::cli
