// The controller's side of changing the world: the providers (the embedded
// DNS and the configured ones) under the reconciler, the change gate in front
// of them, and the journal entries for what they report.

#include "cli/controller.h"
#include "cli/log.h"
#include "cli/random_seed.h"
#include "cluster/cluster_node.h"
#include "config/secrets.h"
#include "dns/server.h"
#include "providers/change_gate.h"
#include "providers/embedded_dns.h"
#include "providers/reconciler.h"
#include "providers/target.h"
#include "store/codec.h"
#include "store/journal.h"
#include "store/journal_keeper.h"

namespace drpilot::cli {

namespace {

std::uint64_t lookup(const std::map<std::string, std::uint64_t>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}

std::string listen_text(const std::vector<config::Endpoint>& eps) {
  std::string s;
  for (const auto& e : eps) s += (s.empty() ? "" : ",") + e.to_string();
  return s;
}

nlohmann::json time_or_null(core::TimePoint t) {
  return t == core::TimePoint{} ? nlohmann::json(nullptr) : nlohmann::json(core::format_time(t));
}

}  // namespace

void Controller::start_world(const std::optional<core::Plan>& released,
                             const std::map<std::string, std::uint64_t>& applied,
                             const std::map<std::string, std::uint64_t>& verified,
                             std::vector<std::unique_ptr<providers::Provider>> configured) {
  reconciler_ = std::make_unique<providers::Reconciler>(
      loop_, [this](const providers::ReconcileEvent& e) { on_reconcile(e); }, random_seed());
  if (cluster_) {
    // A deposed or paused leader whose change is already on its way
    // changes nothing outside: the lease is checked just before.
    const cluster::LeaseGuard* guard = &cluster_->guard();
    reconciler_->set_permit([guard]() -> std::string {
      const core::LeaseVerdict v = guard->check();
      return v.may_act ? "" : "not the acting leader: " + v.reason;
    });
  }

  const providers::Target current = providers::make_target(*cfg_, engine_->plan());
  std::optional<providers::Target> released_target;
  if (released) released_target = providers::make_target(*cfg_, *released);
  if (dns_) {
    auto embedded = std::make_unique<providers::EmbeddedDns>(*dns_, listen_text(cfg_->dns.listen));
    embedded->configure(cfg_->dns.zones, cfg_->site_specs(), cfg_->records);
    // The first answers, published here before the server starts: what was
    // last let through (or, on a first start, the first plan).
    const providers::Target& first = released_target ? *released_target : current;
    if (auto f = embedded->apply(first, {})) throw std::runtime_error(f->reason);
    embedded_ = embedded.get();
    reconciler_->add(std::move(embedded), net::Backoff{}, lookup(applied, "embedded-dns"),
                     lookup(verified, "embedded-dns"), /*local=*/true);
  }
  for (std::size_t i = 0; i < configured.size(); ++i) {
    const config::ProviderConfig& pc = cfg_->providers[i];
    net::Backoff backoff;
    backoff.cap = pc.retry_max;
    backoff.server_wait_cap = pc.retry_after_max;
    reconciler_->add(std::move(configured[i]), backoff, lookup(applied, pc.name),
                     lookup(verified, pc.name));
  }

  // Hooks see only the environment the configuration passes on, and their
  // output never shows a secret the controller knows.
  const providers::HookPolicy policy{cfg_->hooks.environment, config::known_secret_values(*cfg_)};
  pre_hooks_ = std::make_unique<providers::HookThread>(loop_, policy);
  post_hooks_ = std::make_unique<providers::HookThread>(loop_, policy);
  providers::ChangeGate::Runner pre = pre_hooks_->runner(), post = post_hooks_->runner();
  const cluster::LeaseGuard* guard = cluster_ ? &cluster_->guard() : nullptr;
  gate_ = std::make_unique<providers::ChangeGate>(
      loop_, cfg_->hooks,
      [pre, post, guard](providers::HookJob job,
                         std::function<void(std::vector<providers::HookResult>)> done) {
        if (guard) {
          // Hooks run for the acting leader only; what a deposed one asked
          // is vetoed here, never run.
          const core::LeaseVerdict v = guard->check();
          if (!v.may_act) {
            providers::HookResult refused;
            refused.error = "not run: not the acting leader (" + v.reason + ")";
            return done({refused});
          }
        }
        (job.kind == "post_change" ? post : pre)(std::move(job), std::move(done));
      },
      [this](const providers::Target& t) { on_release(t); },
      [this](const std::string& kind, const std::string& message,
             const std::vector<providers::HookResult>& results,
             std::uint64_t generation) { on_gate(kind, message, results, generation); });
  // A cluster member starts as a follower of its own last plan: nothing
  // goes to the hooks or outside until it leads.
  gate_->start(cluster_ ? std::optional<providers::Target>(current) : released_target, current);
}

void Controller::offer_plan() {
  if (cluster_ && !acting_) {
    // A follower serves what the leader let through and leaves the world
    // to it.
    const core::Plan& served = released_plan_.empty() ? engine_->plan() : released_plan_;
    if (reconciler_) reconciler_->set_target(providers::make_target(*cfg_, served), true);
    return;
  }
  if (gate_) gate_->offer(providers::make_target(*cfg_, engine_->plan()));
}

// The gate let a target through: hand it to every provider, then remember it
// (a restart serves it again before anything else). In that order, because
// the journal write waits for the disk: a crash in between only means the
// pre_change hooks are asked again about a change they already allowed.
void Controller::on_release(const providers::Target& target) {
  reconciler_->set_target(target, /*local_only=*/cluster_ && !acting_);
  if (cluster_ && acting_ && target.generation != released_plan_.generation) {
    // Followers serve what was let through, once the cluster holds it.
    released_plan_ = target.plan;
    ++state_version_;
    store_state();
  }
  journal_write([&](store::Journal& j) { j.record_released(target.plan); });
}

void Controller::on_reconcile(const providers::ReconcileEvent& e) {
  const std::string step(providers::to_string(e.kind));
  log_event("provider", {{"provider", e.provider},
                         {"step", step},
                         {"generation", std::to_string(e.generation)},
                         {"message", e.message}});
  journal_write([&](store::Journal& j) {
    j.record_provider(e.provider, step, e.generation, e.message, clock_.now(),
                      {{"changes", e.steps}}, {e.applied_generation, e.verified_generation});
  });
  if (e.kind == providers::ReconcileEvent::Kind::verified &&
      reconciler_->all_verified(e.generation)) {
    gate_->verified(e.generation);
  }
}

void Controller::on_gate(const std::string& kind, const std::string& message,
                         const std::vector<providers::HookResult>& results,
                         std::uint64_t generation) {
  nlohmann::json runs = nlohmann::json::array();
  for (const providers::HookResult& r : results) {
    runs.push_back({{"command", r.command},
                    {"outcome", r.outcome()},
                    {"exit_code", r.exit_code},
                    {"took_ms", r.took.count()},
                    {"output", r.output}});
  }
  log_event("hook",
            {{"kind", kind}, {"generation", std::to_string(generation)}, {"message", message}});
  journal_write([&](store::Journal& j) {
    j.record_event("hook", kind, message, clock_.now(),
                   {{"generation", generation}, {"runs", runs}});
  });
}

nlohmann::json Controller::providers_status() const {
  nlohmann::json out = nlohmann::json::array();
  if (!reconciler_) return out;
  for (const providers::ProviderStatus& s : reconciler_->status()) {
    out.push_back({{"name", s.name},
                   {"type", s.kind},
                   {"where", s.where},
                   {"state", providers::to_string(s.state)},
                   {"target_generation", s.target_generation},
                   {"applied_generation", s.applied_generation},
                   {"verified_generation", s.verified_generation},
                   {"failures", s.failures},
                   {"last_error", s.last_error},
                   {"last_error_at", time_or_null(s.last_error_at)},
                   {"next_attempt_at",
                    s.failures > 0 ? time_or_null(s.next_attempt_at) : nlohmann::json(nullptr)},
                   {"last_changes", s.last_changes}});
  }
  return out;
}

}  // namespace drpilot::cli
