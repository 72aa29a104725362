#pragma once
// The agent beside the application in one site: it runs the site's local
// checks (its own vantage), reports them signed to every controller each
// report_interval, applies the newest assignment a controller answers with
// (on a worker thread: the reload may take seconds), and tells a load
// balancer through /healthz whether this site should get traffic. When no
// controller answers, it keeps the assignment it last applied, across a
// restart too (Applier::load_applied).
// Everything but the apply runs on the loop thread.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/applier.h"
#include "agent/events.h"
#include "agent/local_health.h"
#include "agent/reporter.h"
#include "api/agent_protocol.h"
#include "config/values.h"
#include "core/time.h"
#include "net/http.h"
#include "net/loop.h"
#include "probe/scheduler.h"

namespace drpilot::agent {

struct AgentOptions {
  std::string name;  // its vantage
  std::string site;
  std::string key;
  std::vector<std::string> controllers;
  core::Duration report_interval{1'000};
  core::Duration report_timeout{2'000};  // per controller and round
  bool tls_verify = true;
  std::string controller_ca_file;  // empty: the system's trust store
  config::Endpoint listen{"127.0.0.1", 8091};
  ApplierOptions apply;
  std::vector<probe::ProbeTarget> targets;
  // Other sites' checks, run from here as an external vantage: reported to
  // the controllers, never part of this site's own /healthz.
  std::vector<probe::ProbeTarget> cross_targets;
  // A generation whose apply failed is tried again after this (or at once
  // when a newer one arrives), not every round: the reload is not hammered.
  core::Duration apply_retry{30'000};
  std::uint64_t seed = 1;
  probe::Scheduler::Runner runner = probe::run_check;
  EventLog log;
};

class Agent {
 public:
  Agent(net::Loop& loop, const core::Clock& clock, AgentOptions options);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Listens for /healthz (throws std::runtime_error naming the address when
  // it cannot), starts the checks and the first report.
  void start();
  // Stops checks, reports and /healthz; waits for an apply in progress
  // (bounded by the reload timeout).
  void stop();

  std::uint16_t healthz_port() const;
  // "" when /healthz answers 200, else its reason.
  std::string unhealthy_reason() const;
  std::uint64_t applied_generation() const { return applied_order_.generation; }
  const std::optional<api::SiteAssignmentMessage>& applied() const { return applied_; }
  bool last_apply_ok() const { return last_apply_ok_; }
  const std::string& last_apply_error() const { return last_apply_error_; }
  int rounds() const { return rounds_; }    // report rounds completed
  int applies() const { return applies_; }  // applies completed, ok or not
  const LocalHealth& local_health() const { return health_; }

 private:
  void tick();
  void send_round();
  void on_round(RoundResult result, std::vector<core::Observation> sent);
  void consider(const api::SiteAssignmentMessage& a);
  void start_apply(const api::SiteAssignmentMessage& a);
  void on_applied(const api::SiteAssignmentMessage& a, const ApplyOutcome& out);
  void on_observation(const core::Observation& o);
  void note_health();
  void log(const std::string& event, std::vector<EventField> fields) const;

  net::Loop& loop_;
  const core::Clock& clock_;
  AgentOptions options_;
  Applier applier_;
  Reporter reporter_;
  LocalHealth health_;
  LocalHealth cross_health_;  // the other sites' checks, seen from here
  probe::Scheduler scheduler_;
  net::HttpServer server_;
  net::Timer report_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool started_ = false;
  bool stopped_ = false;

  std::deque<core::Observation> unsent_;  // not yet delivered to any controller
  bool round_in_flight_ = false;
  bool news_waiting_ = false;  // news arrived while a round was in flight
  int rounds_ = 0;
  bool controller_answered_ = false;                      // ever
  bool all_unreachable_ = false;                          // the last round had no answer
  std::map<std::string, std::string> controller_errors_;  // by URL; "" while it answers

  api::AssignmentOrder applied_order_;
  std::optional<api::SiteAssignmentMessage> applied_;
  bool last_apply_ok_ = true;
  std::string last_apply_error_;
  std::optional<api::AssignmentOrder> failed_order_;
  core::TimePoint retry_at_{};
  bool applying_ = false;
  api::AssignmentOrder applying_order_;
  // Consecutive rounds in which every controller answered the same
  // assignment, older than the one applied (see on_round).
  int renumbered_rounds_ = 0;
  static constexpr int kRenumberedRounds = 3;
  std::optional<api::SiteAssignmentMessage> queued_;
  std::thread worker_;
  int applies_ = 0;

  std::optional<std::string> last_unhealthy_;  // for logging /healthz changes
};

}  // namespace drpilot::agent
