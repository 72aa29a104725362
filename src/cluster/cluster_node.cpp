#include "cluster/cluster_node.h"

#include <future>

#include "net/loop.h"

namespace drpilot::cluster {

ClusterNode::ClusterNode(net::Loop& control, EtcdOptions etcd, ElectorOptions elector,
                         Events events)
    : control_(control),
      prefix_(elector.prefix),
      member_(elector.member),
      events_(std::move(events)),
      loop_(std::make_unique<net::Loop>()) {
  etcd_ = std::make_unique<EtcdClient>(*loop_, std::move(etcd));
  elector_ = std::make_unique<Elector>(*loop_, *etcd_, std::move(elector),
                                       [this](const Leadership& l) { on_leadership(l); });
  state_timer_ = std::make_unique<net::Timer>(*loop_);
  retry_timer_ = std::make_unique<net::Timer>(*loop_);
  poll_interval_ = elector_->poll_interval();
}

ClusterNode::~ClusterNode() {
  stop();
}

const LeaseGuard& ClusterNode::guard() const {
  return elector_->guard();
}

void ClusterNode::post(std::function<void()> fn) {
  control_.post([alive = alive_, fn = std::move(fn)] {
    if (alive->load()) fn();
  });
}

void ClusterNode::start() {
  thread_ = std::thread([this] { loop_->run(); });
  loop_->post([this] {
    elector_->start();
    poll_state();
  });
}

void ClusterNode::stop(std::chrono::milliseconds resign_within) {
  if (!thread_.joinable()) return;
  alive_->store(false);
  auto resigned = std::make_shared<std::promise<void>>();
  std::future<void> done = resigned->get_future();
  loop_->post([this, resigned] {
    state_timer_->cancel();
    retry_timer_->cancel();
    elector_->resign([resigned] { resigned->set_value(); });
  });
  done.wait_for(resign_within);
  loop_->stop();
  thread_.join();
}

void ClusterNode::on_leadership(const Leadership& l) {
  if (l.role == Role::leader && acting_ && l.term == acting_term_) {
    // Still the same term (an etcd error came or went): nothing to resume.
    post([this, l] { events_.leadership(l, std::nullopt); });
    return;
  }
  acting_ = false;
  seen_reports_.clear();
  if (l.role == Role::leader) {
    // Not yet acting: first the state the predecessor left.
    if (!resuming_) read_for_leader(l.term);
    return;
  }
  post([this, l] { events_.leadership(l, std::nullopt); });
}

void ClusterNode::read_for_leader(std::int64_t term) {
  resuming_ = true;
  etcd_->range(state_key(), [this, term](const std::string& error, const RangeReply& r) {
    resuming_ = false;
    const Leadership& now = elector_->leadership();
    if (now.role != Role::leader || now.term != term) return;  // lost meanwhile
    if (!error.empty()) {
      // Leading without the state would plan from an older one: try again.
      retry_timer_->start(std::chrono::duration_cast<std::chrono::milliseconds>(poll_interval_),
                          [this, term] {
                            const Leadership& l = elector_->leadership();
                            if (l.role == Role::leader && l.term == term) read_for_leader(term);
                          });
      return;
    }
    std::string stored = r.kvs.empty() ? "" : r.kvs[0].value;
    if (!r.kvs.empty()) seen_revision_ = r.kvs[0].mod_revision;
    acting_ = true;
    acting_term_ = term;
    post([this, l = now, stored = std::move(stored)] { events_.leadership(l, stored); });
  });
}

void ClusterNode::poll_state() {
  state_timer_->start(std::chrono::duration_cast<std::chrono::milliseconds>(poll_interval_),
                      [this] { poll_state(); });
  if (polling_) return;
  if (elector_->leadership().role == Role::leader) {
    if (acting_) poll_reports();
    return;
  }
  polling_ = true;
  etcd_->range(state_key(), [this](const std::string& error, const RangeReply& r) {
    polling_ = false;
    // Errors show in the leadership (the elector's reads fail alike).
    if (!error.empty() || r.kvs.empty() || r.kvs[0].mod_revision <= seen_revision_) return;
    if (elector_->leadership().role == Role::leader) return;
    seen_revision_ = r.kvs[0].mod_revision;
    post([this, text = r.kvs[0].value] { events_.state(text); });
  });
}

void ClusterNode::poll_reports() {
  polling_ = true;
  etcd_->range_prefix(reports_prefix(), [this](const std::string& error, const RangeReply& r) {
    polling_ = false;
    if (!error.empty() || !acting_) return;
    std::vector<std::pair<std::string, std::string>> fresh;
    for (const KeyValue& kv : r.kvs) {
      std::int64_t& seen = seen_reports_[kv.key];
      if (kv.mod_revision <= seen) continue;
      seen = kv.mod_revision;
      const std::string member = kv.key.substr(reports_prefix().size());
      if (member != member_) fresh.emplace_back(member, kv.value);
    }
    if (!fresh.empty())
      post([this, fresh = std::move(fresh)]() mutable { events_.reports(std::move(fresh)); });
  });
}

void ClusterNode::report(std::string text, std::function<void(bool ok)> done) {
  loop_->post([this, text = std::move(text), done = std::move(done)]() mutable {
    const std::int64_t lease = elector_->lease();
    if (lease == 0) return post([done] { done(false); });
    etcd_->txn({}, {put_op(reports_prefix() + member_, text, lease)}, {},
               [this, done = std::move(done)](const std::string& error, const TxnReply&) {
                 post([done, ok = error.empty()] { done(ok); });
               });
  });
}

void ClusterNode::store(std::string text,
                        std::function<void(const std::string& error, bool stored)> done) {
  loop_->post([this, text = std::move(text), done = std::move(done)]() mutable {
    elector_->write_as_leader({{state_key(), std::move(text)}},
                              [this, done = std::move(done)](const std::string& error, bool ok) {
                                post([done, error, ok] { done(error, ok); });
                              });
  });
}

}  // namespace drpilot::cluster
