#pragma once
// The controller wires the pieces together: checks feed the engine, every
// engine step is journaled, and each new plan goes through the change gate
// (pre_change hooks) to the reconciler, which makes every provider (the
// embedded DNS first of all) match it. Everything runs on one event loop
// thread; the DNS server answers from its own threads, providers and hooks
// work on theirs and report back to the loop.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "cluster/clock_skew.h"
#include "cluster/elector.h"
#include "config/config.h"
#include "core/engine.h"
#include "net/loop.h"
#include "probe/check_pool.h"
#include "providers/hook_command.h"

namespace drpilot::dns {
class Server;
}
namespace drpilot::cluster {
class ClusterNode;
class VantageInbox;
class VantageOutbox;
struct SharedState;
}  // namespace drpilot::cluster
namespace drpilot::probe {
class Canary;
class DataProbe;
}  // namespace drpilot::probe
namespace drpilot::aws {
class CredentialProvider;
class CredentialWatch;
}  // namespace drpilot::aws
namespace drpilot::api {
class ReplayGuard;
}
namespace drpilot::store {
class Journal;
class JournalKeeper;
}  // namespace drpilot::store
namespace drpilot::providers {
class ChangeGate;
class Provider;
class EmbeddedDns;
class HookThread;
class Reconciler;
struct ReconcileEvent;
struct Target;
}  // namespace drpilot::providers

namespace drpilot::cli {

class Controller : public api::Backend {
 public:
  // `member`: this controller's name in the configured cluster ("" when the
  // configuration has none).
  Controller(net::Loop& loop, std::shared_ptr<const config::Config> cfg, const core::Clock& clock,
             std::string member = "");
  ~Controller() override;

  // Opens the journal and resumes from it, binds DNS and the API, starts the
  // checks. Throws std::runtime_error with a message fit for the operator.
  void start();
  void stop();
  // Re-reads the configuration file. On any error the running configuration
  // stays in force; returns the errors ("" on success).
  std::string reload();

  std::function<net::ServerResponse()> status(const api::StatusQuery& q) override;
  // On the API's thread, through a read-only journal connection of its own.
  nlohmann::json history(std::size_t limit, std::optional<std::int64_t> before_id) override;
  bool live() override;
  std::string degraded() override;
  api::Reply command(const core::Command& cmd) override;
  void command(const core::Command& cmd, std::function<void(api::Reply)> done) override;
  std::string not_leading() override;
  net::ServerResponse agent_report(const net::ServerRequest& req) override;

  const core::Engine& engine() const { return *engine_; }
  // Where it listens, with the ports the system picked for port 0.
  std::vector<config::Endpoint> dns_bound() const;
  config::Endpoint api_bound() const;

 private:
  void on_observations(const std::vector<core::Observation>& batch);
  void apply(const core::EngineStep& step);
  // The world (controller_world.cpp): providers, the change gate, and what
  // they report.
  void start_world(const std::optional<core::Plan>& released,
                   const std::map<std::string, std::uint64_t>& applied,
                   const std::map<std::string, std::uint64_t>& verified,
                   std::vector<std::unique_ptr<providers::Provider>> configured);
  void offer_plan();
  void on_release(const providers::Target& target);
  void on_reconcile(const providers::ReconcileEvent& e);
  void on_gate(const std::string& kind, const std::string& message,
               const std::vector<providers::HookResult>& results, std::uint64_t generation);
  nlohmann::json providers_status() const;
  // The data side (controller_data.cpp): dynamodb checks, the canary, agents.
  bool needs_aws() const;
  void start_data();
  void start_canary();
  void stop_data();
  // Refreshes the AWS credentials when due; raises, journals and clears the
  // alerts about them. Every tick.
  void watch_credentials();
  probe::Scheduler::Runner check_runner();
  void on_lag(const core::LagSample& s);
  void note_lag();
  void configure_agents();
  nlohmann::json agents_status() const;
  std::pair<int, nlohmann::json> data_switchover(const core::Command& cmd);
  // The cluster (controller_cluster.cpp): who leads, the shared state.
  void start_cluster();
  void on_leadership(const cluster::Leadership& l, const std::optional<std::string>& stored);
  void on_shared_state(const std::string& text);
  // The leader counts each member's checks as a vantage; followers report
  // theirs through etcd.
  void on_reports(std::vector<std::pair<std::string, std::string>> reports);
  void send_report();
  // The leader acts only on a cluster whose reporting members run the same
  // configuration: "" when they do, else who runs what.
  std::string disagreement() const;
  void watch_agreement();
  // Warns when a reporting member's wall clock is off by more than
  // cluster.max_clock_skew.
  void watch_clocks();
  void note_condition(const std::string& alert_prefix, const std::string& alert_text,
                      const char* event, const std::string& why, std::string& logged);
  static std::string file_digest(const std::string& path);
  // Takes the cluster's state as this controller's plan (a follower's, or
  // the one a new leader resumes from).
  void adopt(const cluster::SharedState& s, const char* why);
  // The acting leader writes its plan and overrides to etcd, then releases
  // the plan; a follower publishes what it adopted in its own DNS only.
  void store_state();
  void stored(std::uint64_t version, const std::string& error, bool ok);
  bool acting() const { return !cluster_ || acting_; }
  nlohmann::json cluster_status() const;
  nlohmann::json clock_offsets() const;
  void schedule_tick();
  void note_tick();
  // The checks' and the control loop's timekeeping, for status; raises or
  // clears the overload alert.
  nlohmann::json load_status() const;
  void watch_load();
  void alert(const std::string& text);
  void journal_event(const std::string& subject, const std::string& message,
                     const nlohmann::json& data = nullptr);
  // Writes to the journal; a failure is logged and alerted (and cleared by
  // the next success). Returns whether it was written.
  bool journal_write(const std::function<void(store::Journal&)>& write);
  // Reopening, retention, the unjournaled plan: every tick.
  void keep_journal();
  void cover_generation(std::uint64_t generation);
  void set_degraded(std::string why);
  std::string refuse_reload(const std::string& errors);
  void clear_alert(const std::string& prefix);

  net::Loop& loop_;
  // Immutable; a reload replaces it. Status snapshots share it.
  std::shared_ptr<const config::Config> cfg_;
  const core::Clock& clock_;
  std::unique_ptr<store::JournalKeeper> journal_;
  bool plan_unjournaled_ = false;  // the current plan's journal write failed: retried each tick
  std::unique_ptr<core::Engine> engine_;
  std::unique_ptr<dns::Server> dns_;
  std::unique_ptr<api::ApiServer> api_;
  std::unique_ptr<probe::CheckPool> checks_;
  providers::EmbeddedDns* embedded_ = nullptr;  // owned by the reconciler
  // pre_change and post_change hooks on threads of their own: a slow
  // notification never delays the next change's consent.
  std::unique_ptr<providers::HookThread> pre_hooks_, post_hooks_;
  std::unique_ptr<providers::Reconciler> reconciler_;
  std::unique_ptr<providers::ChangeGate> gate_;
  net::Timer tick_timer_;
  // When the control loop last ticked (steady clock ticks), read by the API's thread.
  std::atomic<std::int64_t> last_tick_{0};
  probe::LoadGauge control_gauge_;  // the tick's lateness: the control loop's lag
  bool overloaded_ = false;
  // The API thread's own connection, replaced when the journal becomes
  // writable again (a reader opened on a full disk sees only the main file).
  std::mutex history_mutex_;
  std::shared_ptr<store::Journal> history_reader_;
  core::TimePoint started_at_{};
  std::vector<std::string> alerts_;
  std::atomic<bool> running_{false};
  std::mutex degraded_mutex_;
  std::string degraded_;  // for /healthz, read by the API's thread

  // Shared with the checks and the canary, which sign with what it holds.
  std::shared_ptr<aws::CredentialProvider> credentials_;
  std::unique_ptr<aws::CredentialWatch> credential_watch_;
  std::unique_ptr<probe::DataProbe> data_probe_;
  std::unique_ptr<probe::Canary> canary_;
  std::set<std::string> lag_over_;  // "group/from/to" over the RPO budget
  bool cut_off_ = false;
  std::vector<std::string> cut_off_vantages_;  // other vantages, as last journaled
  core::TimePoint cut_off_checked_{};
  // Agents: their keys (resolved), the targets each may report on, what
  // each last said.
  struct AgentState {
    core::TimePoint last_report{};
    std::uint64_t reports = 0, refused = 0, ignored = 0;
    std::uint64_t applied_generation = 0, sent_generation = 0;
    bool applied_ok = true, healthy = false;
    std::string applied_error, last_refusal;
  };
  std::map<std::string, std::string> agent_keys_;
  std::map<std::string, std::set<std::string>> agent_targets_;
  std::map<std::string, AgentState> agents_;
  std::unique_ptr<api::ReplayGuard> replay_;

  // The cluster, when configured.
  std::string member_;
  std::unique_ptr<cluster::ClusterNode> cluster_;
  cluster::Leadership leadership_;
  bool acting_ = false;  // leads, and resumed from the state the cluster stored
  // Anything to store (a plan, overrides) bumps the version; commands are
  // acknowledged once a version at least theirs is stored.
  std::uint64_t state_version_ = 0, stored_version_ = 0;
  std::uint64_t offered_generation_ = 0;  // the newest stored plan handed to the gate
  // What the gate let through: the leader's own, or (a follower) the
  // leader's as stored. A follower's DNS serves it.
  core::Plan released_plan_;
  bool storing_ = false;
  std::string store_error_;
  struct AwaitingStore {
    std::uint64_t version;
    api::Reply reply;
    std::function<void(api::Reply)> done;
  };
  std::vector<AwaitingStore> awaiting_store_;
  std::unique_ptr<cluster::VantageOutbox> outbox_;
  std::unique_ptr<cluster::VantageInbox> inbox_;
  bool reporting_ = false;
  core::TimePoint last_report_{};
  std::string config_digest_;  // "sha256:..." of the configuration file this member runs
  std::map<std::string, std::pair<std::string, core::TimePoint>> member_digests_;  // as reported
  std::string disagreement_logged_;
  cluster::ClockSkew skew_;
  std::string skew_logged_;
  std::mutex leading_mutex_;
  std::string not_leading_ = "starting: no leader known yet";  // for /healthz/leader
};

}  // namespace drpilot::cli
