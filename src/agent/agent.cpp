#include "agent/agent.h"

#include <algorithm>

#include "agent/healthz.h"

namespace drpilot::agent {
namespace {

ReporterOptions reporter_options(const AgentOptions& o) {
  ReporterOptions r;
  r.agent = o.name;
  r.site = o.site;
  r.key = o.key;
  r.controllers = o.controllers;
  r.timeout = o.report_timeout;
  r.tls_verify = o.tls_verify;
  r.ca_file = o.controller_ca_file;
  return r;
}

// "shop=eu-west-1/read-write sessions=eu-west-1/read-only": the assignment on one line.
std::string describe(const api::SiteAssignmentMessage& a) {
  std::string s;
  for (const auto& [name, g] : a.groups) {
    s += (s.empty() ? "" : " ") + name + "=" + g.data_region + "/" +
         (g.role == core::DataRole::read_only ? "read-only" : "read-write");
  }
  return s.empty() ? "no table groups" : s;
}

}  // namespace

Agent::Agent(net::Loop& loop, const core::Clock& clock, AgentOptions options)
    : loop_(loop),
      clock_(clock),
      options_(std::move(options)),
      applier_(options_.apply),
      reporter_(loop, clock, reporter_options(options_), options_.seed),
      scheduler_(
          loop, clock, options_.name, [this](core::Observation o) { on_observation(o); },
          options_.seed, options_.runner),
      server_(
          loop, options_.listen.host, options_.listen.port,
          [this](const net::ServerRequest& req, net::Responder respond) {
            respond(healthz_response(req, unhealthy_reason()));
          },
          healthz_server_options()),
      report_timer_(loop) {
  health_.set_targets(options_.targets);
  cross_health_.set_targets(options_.cross_targets);
}

Agent::~Agent() {
  stop();
  *alive_ = false;
}

void Agent::start() {
  // What the last run applied, when the output still matches it: a restart
  // while no controller answers must not take a healthy site out of its
  // load balancer.
  std::string why;
  if (auto kept = applier_.load_applied(options_.site, why)) {
    applied_order_ = api::order_of(*kept);
    applied_ = *kept;
    log("resumed", {{"generation", applied_order_.to_string()},
                    {"assignment", describe(*kept)},
                    {"from", applier_.state_path()}});
  } else if (!why.empty()) {
    log("not_resumed", {{"reason", why}});
  }
  server_.start();
  started_ = true;
  std::vector<probe::ProbeTarget> all = options_.targets;
  all.insert(all.end(), options_.cross_targets.begin(), options_.cross_targets.end());
  scheduler_.set_targets(all);
  // The first report at once: it fetches the assignment.
  report_timer_.start(core::Duration{0}, [this] { tick(); });
}

void Agent::stop() {
  if (stopped_) return;
  stopped_ = true;
  report_timer_.cancel();
  scheduler_.stop();
  if (started_) server_.stop();
  if (worker_.joinable()) worker_.join();
}

std::uint16_t Agent::healthz_port() const {
  return server_.port();
}

std::string Agent::unhealthy_reason() const {
  HealthInputs in;
  in.checks_why = health_.why_not_healthy();
  in.applied_generation = applied_order_.generation;
  in.last_apply_ok = last_apply_ok_;
  in.last_apply_error = last_apply_error_;
  in.controller_answered = controller_answered_;
  return agent::unhealthy_reason(in);
}

void Agent::log(const std::string& event, std::vector<EventField> fields) const {
  if (options_.log) options_.log(event, fields);
}

void Agent::tick() {
  if (stopped_) return;
  // A round still waiting for a slow controller is not doubled up; its
  // timeout ends it.
  if (!round_in_flight_) send_round();
  report_timer_.start(options_.report_interval, [this] { tick(); });
}

void Agent::send_round() {
  api::AgentReport r;
  r.observations.assign(unsent_.begin(), unsent_.end());
  unsent_.clear();
  r.applied_generation = applied_order_.generation;
  r.applied_ok = last_apply_ok_;
  r.applied_error = last_apply_error_;
  r.healthy = unhealthy_reason().empty();
  round_in_flight_ = true;
  std::vector<core::Observation> sent = r.observations;
  reporter_.send(std::move(r), [this, sent = std::move(sent)](RoundResult result) mutable {
    on_round(std::move(result), std::move(sent));
  });
}

void Agent::on_round(RoundResult result, std::vector<core::Observation> sent) {
  round_in_flight_ = false;
  ++rounds_;
  if (stopped_) return;
  // News that came while this round was out goes now, once a controller
  // has answered (against none, it waits for the next round like the rest).
  const bool news = news_waiting_;
  news_waiting_ = false;
  // Changes only: a controller that stays down is not logged every round.
  for (const ControllerReply& reply : result.replies) {
    auto [it, fresh] = controller_errors_.try_emplace(reply.controller, "");
    if (reply.answered && (fresh || !it->second.empty())) {
      log("controller_answered", {{"controller", reply.controller}});
    } else if (!reply.answered && (fresh || it->second.empty())) {
      log("controller_failed", {{"controller", reply.controller}, {"error", reply.error}});
    }
    it->second = reply.answered ? "" : reply.error;
  }

  if (result.answered() == 0) {
    // Nobody got them: they go again with the next report (newest kept).
    unsent_.insert(unsent_.begin(), sent.begin(), sent.end());
    while (unsent_.size() > api::kMaxObservations) unsent_.pop_front();
    if (!all_unreachable_) {
      all_unreachable_ = true;
      log("controllers_unreachable", {{"controllers", std::to_string(result.replies.size())},
                                      {"kept_generation", applied_order_.to_string()},
                                      {"note", applied_ ? "keeping the last applied assignment"
                                                        : "no assignment applied yet"}});
    }
    return;
  }
  controller_answered_ = true;
  if (all_unreachable_) {
    all_unreachable_ = false;
    log("controllers_reachable", {{"answered", std::to_string(result.answered())}});
  }
  // Every controller answered the same assignment, older than the one
  // applied, several rounds running: the numbering started again (a lone
  // controller's journal was deleted, a cluster's etcd data was lost). Not
  // one controller alone: a member cut off from its cluster answers an old
  // plan while the leader answers the new one.
  std::optional<api::SiteAssignmentMessage> agreed = unanimous(result);
  if (agreed && applied_ && api::order_of(*agreed) < applied_order_ && !applying_) {
    if (++renumbered_rounds_ >= kRenumberedRounds) {
      log("renumbered", {{"generation", api::order_of(*agreed).to_string()},
                         {"applied", applied_order_.to_string()},
                         {"note",
                          "every controller answers an older generation than the one "
                          "applied; taking theirs"}});
      applied_order_ = {};
      failed_order_.reset();
      renumbered_rounds_ = 0;
    }
  } else {
    renumbered_rounds_ = 0;
  }
  if (result.newest) consider(*result.newest);
  note_health();
  if (news && !unsent_.empty()) send_round();
}

void Agent::consider(const api::SiteAssignmentMessage& a) {
  // Only newer ones, by (term, generation): with several controllers, a
  // follower may answer an older plan than the leader, and that must not
  // undo the newer one.
  const api::AssignmentOrder order = api::order_of(a);
  if (order <= applied_order_) return;
  if (applying_) {
    if (order > applying_order_ && (!queued_ || order > api::order_of(*queued_))) queued_ = a;
    return;
  }
  if (failed_order_ && order == *failed_order_ && clock_.now() < retry_at_) return;
  start_apply(a);
}

void Agent::start_apply(const api::SiteAssignmentMessage& a) {
  applying_ = true;
  applying_order_ = api::order_of(a);
  if (worker_.joinable()) worker_.join();  // the previous one has posted its result: it is done
  std::weak_ptr<bool> alive = alive_;
  worker_ = std::thread([this, a, alive] {
    ApplyOutcome out = applier_.apply(a);
    loop_.post([this, a, out, alive] {
      if (auto live = alive.lock(); live && *live) on_applied(a, out);
    });
  });
}

void Agent::on_applied(const api::SiteAssignmentMessage& a, const ApplyOutcome& out) {
  applying_ = false;
  ++applies_;
  if (stopped_) return;
  if (out.ok) {
    applied_order_ = api::order_of(a);
    applied_ = a;
    last_apply_ok_ = true;
    last_apply_error_.clear();
    failed_order_.reset();
    std::vector<EventField> f = {{"generation", applied_order_.to_string()},
                                 {"assignment", describe(a)},
                                 {"changed", out.changed ? "yes" : "no"}};
    if (out.changed) f.push_back({"output", options_.apply.output_path});
    if (!out.reload_outcome.empty()) f.push_back({"reload", out.reload_outcome});
    log("applied", std::move(f));
    if (!out.state_error.empty()) {
      log("state_not_kept", {{"generation", api::order_of(a).to_string()},
                             {"error", out.state_error},
                             {"note", "a restart without controllers starts unapplied"}});
    }
  } else {
    last_apply_ok_ = false;
    last_apply_error_ = out.error;
    failed_order_ = api::order_of(a);
    retry_at_ = clock_.now() + options_.apply_retry;
    log("apply_failed", {{"generation", api::order_of(a).to_string()},
                         {"assignment", describe(a)},
                         {"restored", out.restored ? "yes" : "no"},
                         {"kept_generation", applied_order_.to_string()},
                         {"retry_in", core::format_duration(options_.apply_retry)},
                         {"error", out.error}});
  }
  note_health();
  if (queued_) {
    api::SiteAssignmentMessage next = std::move(*queued_);
    queued_.reset();
    consider(next);
  }
}

void Agent::on_observation(const core::Observation& o) {
  // The other sites' checks have a book of their own: they never decide this
  // site's /healthz, but their changes are news like the site's own.
  const bool own = health_.has(o.target);
  LocalHealth& book = own ? health_ : cross_health_;
  const core::Health before = book.state(o.target);
  book.observe(o);
  const core::Health after = book.state(o.target);
  if (after != before) {
    log(own ? "local_check" : "cross_check", {{"target", o.target},
                                              {"state", std::string(core::to_string(after))},
                                              {"detail", o.detail}});
  }
  unsent_.push_back(o);
  while (unsent_.size() > api::kMaxObservations) unsent_.pop_front();
  note_health();
  // A result that changes or contradicts the local verdict is news the
  // controllers' quorum waits for: it goes out now, not with the next round
  // (the controllers need this vantage's vote as quickly as their own).
  const bool news = after != before || o.ok != (after == core::Health::up);
  if (!news || !started_ || stopped_) return;
  if (round_in_flight_) {
    news_waiting_ = true;  // sent as soon as the round in flight ends
  } else {
    send_round();
  }
}

// Logged when the answer flips between 200 and 503, not each time the
// reason's details (a latency, a streak) change.
void Agent::note_health() {
  const std::string why = unhealthy_reason();
  if (last_unhealthy_ && last_unhealthy_->empty() == why.empty()) return;
  last_unhealthy_ = why;
  if (why.empty()) {
    log("healthz", {{"status", "200"}});
  } else {
    log("healthz", {{"status", "503"}, {"reason", why}});
  }
}

}  // namespace drpilot::agent
