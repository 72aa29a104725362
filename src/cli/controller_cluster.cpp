// The controller as a cluster member: it follows the leader's plan (serving
// it in its own DNS, leaving the world alone) until it leads; then it resumes
// from the state the cluster stored, plans, stores each plan in etcd under
// its term, and only then releases it to hooks and providers. The cluster
// node decides who leads; this file only reacts.

#include <fstream>
#include <sstream>

#include "cli/controller.h"
#include "cli/log.h"
#include "cluster/cluster_node.h"
#include "cluster/cluster_options.h"
#include "cluster/shared_state.h"
#include "cluster/vantage_report.h"
#include "net/crypto.h"
#include "providers/change_gate.h"
#include "providers/reconciler.h"
#include "providers/target.h"
#include "store/journal.h"
#include "store/journal_keeper.h"

namespace drpilot::cli {

namespace {

constexpr core::Duration kReportAtLeast{1'000};
constexpr core::Duration kDigestFresh{5'000};

// What the API of `member` is, for replies that send the operator there.
std::string api_of(const config::Config& cfg, const std::string& member) {
  const config::ClusterMember* m = cfg.cluster.find(member);
  return m ? m->api : "";
}

}  // namespace

std::string Controller::file_digest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return "sha256:" + net::to_hex(net::sha256(text.str())).substr(0, 16);
}

void Controller::start_cluster() {
  config_digest_ = file_digest(cfg_->path);
  std::string error;
  std::optional<cluster::EtcdOptions> etcd = cluster::etcd_options(cfg_->cluster.etcd, error);
  if (!etcd) throw std::runtime_error("cluster.etcd: " + error);
  cluster::ClusterNode::Events events;
  events.leadership = [this](const cluster::Leadership& l, std::optional<std::string> stored) {
    on_leadership(l, stored);
  };
  events.state = [this](const std::string& text) { on_shared_state(text); };
  events.reports = [this](std::vector<std::pair<std::string, std::string>> reports) {
    on_reports(std::move(reports));
  };
  outbox_ = std::make_unique<cluster::VantageOutbox>();
  inbox_ = std::make_unique<cluster::VantageInbox>();
  cluster_ = std::make_unique<cluster::ClusterNode>(
      loop_, std::move(*etcd), cluster::elector_options(cfg_->cluster.etcd, member_),
      std::move(events));
  // Until the cluster says otherwise this controller serves what it last
  // knew (its journal's plan, or its first one) and changes nothing.
  engine_->follow(engine_->plan(), engine_->overrides());
}

void Controller::on_leadership(const cluster::Leadership& l,
                               const std::optional<std::string>& stored) {
  const bool was_acting = acting_;
  const bool new_role = l.role != leadership_.role || l.term != leadership_.term;
  leadership_ = l;
  log_event("leadership", {{"role", cluster::to_string(l.role)},
                           {"term", std::to_string(l.term)},
                           {"leader", l.leader},
                           {"reason", l.reason},
                           {"etcd_error", l.etcd_error}});
  clear_alert("cluster: etcd does not answer");
  if (!l.etcd_error.empty()) alert("cluster: etcd does not answer: " + l.etcd_error);
  if (l.role == cluster::Role::leader && stored) {
    if (!stored->empty()) {
      try {
        cluster::SharedState s = cluster::decode_shared_state(*stored);
        cluster::SharedState mine;
        mine.plan = engine_->plan();
        if (s.newer_than(mine)) adopt(s, "resumed from the cluster's stored plan");
      } catch (const std::exception& e) {
        // Planning from its own copy beats not leading at all; the numbers
        // still go up from the highest it knows.
        alert(std::string("cluster: the stored state cannot be read (") + e.what() +
              "); this leader plans from its own copy");
      }
    }
    engine_->lead(l.term, member_, engine_->plan().generation);
    acting_ = true;
    outbox_->take();  // its own checks now count directly
    journal_event("cluster", member_ + " leads the cluster in term " + std::to_string(l.term),
                  {{"term", l.term}, {"leader", member_}, {"reason", l.reason}});
    apply(engine_->tick());
    // Stored under this term and released to every provider, which verify
    // before they change anything: nothing the predecessor did is redone.
    if (state_version_ == stored_version_) ++state_version_;
    offered_generation_ = 0;  // the term's first stored plan goes to the gate
    store_state();
  } else if (l.role != cluster::Role::leader) {
    if (was_acting) {
      acting_ = false;
      engine_->follow(engine_->plan(), engine_->overrides());
      for (AwaitingStore& a : awaiting_store_) {
        a.done({503,
                {{"error", "not carried out: " + member_ +
                               " stopped leading before the cluster stored it (" + l.reason +
                               "); ask the leader again"}}});
      }
      awaiting_store_.clear();
    }
    if (new_role || was_acting) {
      journal_event("cluster", member_ + " is " + cluster::to_string(l.role) + ": " + l.reason,
                    {{"term", l.term}, {"leader", l.leader}});
    }
  }
  std::string why;
  if (!acting_) {
    why = l.leader.empty() ? cluster::to_string(l.role) + ": " + l.reason
                           : "the leader is " + l.leader + " (term " + std::to_string(l.term) +
                                 ") at " + api_of(*cfg_, l.leader);
  }
  std::lock_guard lock(leading_mutex_);
  not_leading_ = why;
}

void Controller::on_shared_state(const std::string& text) {
  if (acting_) return;
  cluster::SharedState s;
  try {
    s = cluster::decode_shared_state(text);
  } catch (const std::exception& e) {
    clear_alert("cluster: the stored state");
    alert(std::string("cluster: the stored state cannot be read: ") + e.what());
    return;
  }
  clear_alert("cluster: the stored state");
  cluster::SharedState mine;
  mine.plan = engine_->plan();
  if (s.newer_than(mine)) {
    adopt(s, "follows the leader");
  } else if (s.released.generation > released_plan_.generation) {
    // The leader's hooks let the plan through: now it is served.
    released_plan_ = s.released;
    offer_plan();
  }
}

void Controller::send_report() {
  // At least every second, with or without news: the report also tells the
  // leader which configuration this member runs.
  const core::TimePoint now = clock_.now();
  if (!acting_ && !reporting_ && (!outbox_->empty() || now - last_report_ >= kReportAtLeast)) {
    std::vector<core::Observation> taken = outbox_->take();
    const std::string text = cluster::encode_vantage_report({config_digest_, taken, now});
    reporting_ = true;
    last_report_ = now;
    cluster_->report(text, [this, taken = std::move(taken)](bool ok) mutable {
      reporting_ = false;
      // Not taken (etcd did not answer, no lease yet): sent with the next.
      if (!ok && !acting_) outbox_->restore(std::move(taken));
    });
  }
}

void Controller::on_reports(std::vector<std::pair<std::string, std::string>> reports) {
  if (!acting_) return;
  std::vector<core::Observation> batch;
  for (auto& [member, text] : reports) {
    if (!cfg_->cluster.find(member) || member == member_) continue;
    try {
      cluster::VantageReport report = cluster::decode_vantage_report(text, member);
      const core::TimePoint received = clock_.now();
      member_digests_[member] = {report.config_digest, received};
      // Seen once per member's clock (the inbox), then counted by this one.
      std::vector<core::Observation> fresh =
          inbox_->take(std::move(report.observations), member, report.sent_at);
      if (report.sent_at != core::TimePoint{}) {
        skew_.add(member, report.sent_at, received);
        cluster::to_receiver_clock(fresh, report.sent_at, received);
      }
      for (core::Observation& o : fresh) batch.push_back(std::move(o));
      clear_alert("cluster: " + member + "'s report");
    } catch (const std::exception& e) {
      clear_alert("cluster: " + member + "'s report");
      alert("cluster: " + member + "'s report cannot be read (" + e.what() +
            "); its checks do not count");
    }
  }
  if (!batch.empty()) apply(engine_->observe(batch));
}

void Controller::adopt(const cluster::SharedState& s, const char* why) {
  engine_->follow(s.plan, s.overrides);
  if (s.released.generation >= released_plan_.generation) released_plan_ = s.released;
  const core::Plan& plan = engine_->plan();
  log_event("plan", {{"generation", std::to_string(plan.generation)},
                     {"term", std::to_string(plan.term)},
                     {"leader", plan.leader},
                     {"how", why},
                     {"summary", plan.summary}});
  if (journal_write([&](store::Journal& j) { j.record_plan(plan); })) {
    cover_generation(plan.generation);
  }
  offer_plan();
}

std::string Controller::disagreement() const {
  std::string others;
  for (const auto& [member, seen] : member_digests_) {
    // A member that stopped reporting (dead, or cut off) has no say.
    if (seen.second + kDigestFresh < clock_.now() || seen.first == config_digest_) continue;
    others += (others.empty() ? "" : ", ") + member + " runs " + seen.first;
  }
  if (others.empty()) return "";
  return "members disagree on the configuration: " + others + ", this leader (" + member_ +
         ") runs " + config_digest_ +
         "; nothing is released until they agree (give every member the same file, then "
         "reload or restart them)";
}

void Controller::watch_agreement() {
  const std::string why = disagreement();
  note_condition("cluster: members disagree", "cluster: " + why, "cluster_disagreement", why,
                 disagreement_logged_);
}

// A condition of the cluster: alerted while it lasts (`why` not empty),
// logged and journaled each time it changes.
void Controller::note_condition(const std::string& alert_prefix, const std::string& alert_text,
                                const char* event, const std::string& why, std::string& logged) {
  clear_alert(alert_prefix);
  if (!why.empty()) alert(alert_text);
  if (why == logged) return;
  if (!why.empty()) {
    log_event(event, {{"detail", why}});
    journal_event("cluster", why);
  }
  logged = why;
}

void Controller::watch_clocks() {
  for (const auto& [member, seen] : member_digests_) {
    if (seen.second + kDigestFresh < clock_.now()) skew_.forget(member);
  }
  std::string why;
  for (const std::string& s : skew_.beyond(cfg_->cluster.max_clock_skew, member_)) {
    why += (why.empty() ? "" : "; ") + s;
  }
  if (!why.empty()) {
    why += " (more than cluster.max_clock_skew " +
           core::format_duration(cfg_->cluster.max_clock_skew) +
           "): decisions do not depend on it (observations are aged by " + member_ +
           "'s clock of receipt, leases by each member's monotonic clock), but journal times "
           "across members will not line up; check NTP on the members";
  }
  note_condition("cluster: clocks", "cluster: clocks: " + why, "cluster_clock_skew", why,
                 skew_logged_);
}

void Controller::store_state() {
  if (!acting_ || storing_ || stored_version_ >= state_version_) return;
  if (!disagreement().empty()) return;  // watch_agreement() says why, every tick
  storing_ = true;
  cluster::SharedState s;
  s.plan = engine_->plan();
  s.released = released_plan_;
  s.overrides = engine_->overrides();
  s.config_digest = config_digest_;
  for (const providers::ProviderStatus& p :
       reconciler_ ? reconciler_->status() : std::vector<providers::ProviderStatus>{}) {
    s.verified[p.name] = p.verified_generation;
  }
  const std::uint64_t version = state_version_;
  cluster_->store(cluster::encode(s), [this, version](const std::string& error, bool ok) {
    stored(version, error, ok);
  });
}

void Controller::stored(std::uint64_t version, const std::string& error, bool ok) {
  storing_ = false;
  if (!ok) {
    // Not leading any more: the leadership event says so and fails what
    // waits. An etcd error: tried again every tick while the lease holds.
    if (!error.empty() && error != store_error_) {
      log_event("cluster_store_failed", {{"error", error}});
      clear_alert("cluster: the plan is not stored");
      alert("cluster: the plan is not stored (" + error + "); nothing is released until it is");
    }
    store_error_ = error;
    return;
  }
  if (!store_error_.empty()) clear_alert("cluster: the plan is not stored");
  store_error_.clear();
  stored_version_ = version;
  std::erase_if(awaiting_store_, [&](AwaitingStore& a) {
    if (a.version > version) return false;
    a.done(a.reply);
    return true;
  });
  // Release only what was stored: a newer plan is stored first. (The
  // release itself is stored next, and needs no offer.)
  if (version != state_version_) {
    store_state();
  } else if (engine_->plan().generation != offered_generation_) {
    offered_generation_ = engine_->plan().generation;
    offer_plan();
  }
}

void Controller::command(const core::Command& cmd, std::function<void(api::Reply)> done) {
  if (!cluster_) return done(command(cmd));
  if (!acting_) {
    std::lock_guard lock(leading_mutex_);
    return done({503,
                 {{"error", member_ + " does not lead the cluster: " + not_leading_},
                  {"leader", leadership_.leader},
                  {"leader_api", api_of(*cfg_, leadership_.leader)}}});
  }
  api::Reply reply = command(cmd);
  if (reply.first != 200) return done(std::move(reply));
  // Acknowledged once the cluster holds it: a leader that dies now leaves it
  // to the next one.
  ++state_version_;
  awaiting_store_.push_back({state_version_, std::move(reply), std::move(done)});
  store_state();
}

std::string Controller::not_leading() {
  if (!cluster_) return api::Backend::not_leading();
  {
    std::lock_guard lock(leading_mutex_);
    if (!not_leading_.empty()) return not_leading_;
  }
  // Acting as far as the control loop knows; the lease decides now, as it
  // does for every action: a leader that was paused answers from the API
  // thread before its loop has learnt that the lease ran out.
  const core::LeaseVerdict lease = cluster_->guard().check();
  return lease.may_act ? "" : "the lease is not confirmed: " + lease.reason;
}

// Each reporting member's clock minus this leader's, as estimated.
nlohmann::json Controller::clock_offsets() const {
  nlohmann::json out = nlohmann::json::object();
  if (!acting_) return out;
  for (const auto& [member, seen] : member_digests_) {
    if (auto off = skew_.offset(member)) out[member] = off->count();
  }
  return out;
}

nlohmann::json Controller::cluster_status() const {
  if (!cluster_) return nullptr;
  const cluster::Leadership& l = leadership_;
  return {{"member", member_},
          {"role", cluster::to_string(l.role)},
          {"acting", acting_},
          {"term", l.term},
          {"leader", l.leader},
          {"leader_api", api_of(*cfg_, l.leader)},
          {"since", l.since == core::TimePoint{} ? nlohmann::json(nullptr)
                                                 : nlohmann::json(core::format_time(l.since))},
          {"reason", l.reason},
          {"etcd_error", l.etcd_error},
          {"etcd_endpoints", cfg_->cluster.etcd.endpoints},
          {"config_digest", config_digest_},
          {"disagreement", acting_ ? disagreement() : std::string()},
          {"clock_offsets_ms", clock_offsets()},
          {"stored_generation", acting_ && stored_version_ == state_version_
                                    ? nlohmann::json(engine_->plan().generation)
                                    : nlohmann::json(nullptr)}};
}

}  // namespace drpilot::cli
