#include "cluster/elector.h"

#include <algorithm>

#include "cluster/etcd_client.h"

namespace drpilot::cluster {

using namespace std::chrono_literals;

std::string to_string(Role r) {
  switch (r) {
    case Role::starting:
      return "starting";
    case Role::follower:
      return "follower";
    case Role::leader:
      return "leader";
  }
  return "?";
}

// ---- LeaseGuard -------------------------------------------------------------

static std::int64_t ticks(core::SteadyTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

core::LeaseVerdict LeaseGuard::check(std::int64_t* term) const {
  const std::int64_t t = term_.load();
  const std::int64_t confirmed = confirmed_ns_.load();
  core::LeaseMargins m;
  m.ttl = core::Duration{ttl_ms_.load()};
  m.apply_deadline = core::Duration{apply_deadline_ms_.load()};
  m.clock_rate_bound = clock_rate_bound_.load();
  std::optional<core::SteadyTime> at;
  if (t != 0 && confirmed != 0) {
    at = core::SteadyTime{std::chrono::duration_cast<core::SteadyTime::duration>(
        std::chrono::nanoseconds{confirmed})};
  }
  core::LeaseVerdict v = core::judge_lease(m, at, time_.steady_now());
  if (t == 0) v.reason = "not the leader";
  if (term) *term = v.may_act ? t : 0;
  return v;
}

void LeaseGuard::set_margins(const core::LeaseMargins& m) {
  ttl_ms_ = m.ttl.count();
  apply_deadline_ms_ = m.apply_deadline.count();
  clock_rate_bound_ = m.clock_rate_bound;
}

void LeaseGuard::lead(std::int64_t term, core::SteadyTime confirmed) {
  confirmed_ns_ = ticks(confirmed);
  term_ = term;
}

void LeaseGuard::confirm(core::SteadyTime sent) {
  // Never backwards: a late answer to an older keep-alive proves less.
  std::int64_t now = ticks(sent), seen = confirmed_ns_.load();
  while (seen < now && !confirmed_ns_.compare_exchange_weak(seen, now)) {
  }
}

void LeaseGuard::step_down() {
  term_ = 0;
  confirmed_ns_ = 0;
}

// ---- Elector ----------------------------------------------------------------

Elector::Elector(net::Loop& loop, EtcdClient& etcd, ElectorOptions options, OnChange on_change)
    : loop_(loop),
      etcd_(etcd),
      options_(std::move(options)),
      on_change_(std::move(on_change)),
      guard_(loop.time()),
      keepalive_timer_(loop),
      poll_timer_(loop),
      grant_timer_(loop) {
  leadership_.reason = "not started";
  guard_.set_margins(margins());
}

Elector::~Elector() {
  *alive_ = false;
  guard_.step_down();
}

core::LeaseMargins Elector::margins() const {
  core::LeaseMargins m;
  m.ttl = core::Duration{1000 * std::max(granted_ttl_s_, options_.lease_ttl_s)};
  m.clock_rate_bound = options_.clock_rate_bound;
  m.apply_deadline = options_.apply_deadline;
  return m;
}

void Elector::start() {
  stopped_ = false;
  set(Role::starting, 0, "", "asking etcd for a lease");
  grant();
  poll();
}

void Elector::stop() {
  stopped_ = true;
  keepalive_timer_.cancel();
  poll_timer_.cancel();
  grant_timer_.cancel();
  guard_.step_down();
}

void Elector::resign(std::function<void()> done) {
  const std::int64_t lease = lease_;
  stop();
  if (lease == 0) return done();
  set(Role::starting, 0, "", "resigned: the lease is revoked so that another controller leads");
  etcd_.revoke(lease, [done = std::move(done)](const std::string&, const EtcdHeader&) { done(); });
}

void Elector::set(Role role, std::int64_t term, std::string leader, std::string reason) {
  Leadership next = leadership_;
  next.role = role;
  next.term = term;
  next.leader = std::move(leader);
  next.reason = std::move(reason);
  const bool changed_role = next.role != leadership_.role || next.term != leadership_.term;
  if (changed_role) next.since = loop_.time().now();
  const bool changed = !(next == leadership_);
  leadership_ = std::move(next);
  if (changed && on_change_) on_change_(leadership_);
}

void Elector::failed(const std::string& error) {
  if (error == leadership_.etcd_error) return;
  leadership_.etcd_error = error;
  if (on_change_) on_change_(leadership_);
}

void Elector::succeeded() {
  if (leadership_.etcd_error.empty()) return;
  leadership_.etcd_error.clear();
  if (on_change_) on_change_(leadership_);
}

void Elector::grant() {
  if (stopped_ || granting_ || lease_ != 0) return;
  granting_ = true;
  const core::SteadyTime sent = loop_.time().steady_now();
  etcd_.grant(options_.lease_ttl_s, [this, alive = std::weak_ptr<bool>(alive_), sent](
                                        const std::string& error, const LeaseGrant& g) {
    if (alive.expired()) return;
    granting_ = false;
    if (stopped_) return;
    if (!error.empty()) {
      failed(error);
      grant_timer_.start(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::max<core::Duration>(options_.poll_interval, 200ms)),
                         [this] { grant(); });
      return;
    }
    succeeded();
    lease_ = g.id;
    granted_ttl_s_ = g.ttl_s;
    confirmed_ = sent;
    guard_.set_margins(margins());
    keepalive();
    campaign();
  });
}

void Elector::campaign() {
  if (stopped_ || campaigning_ || lease_ == 0) return;
  campaigning_ = true;
  const std::string key = leader_key();
  etcd_.txn(
      {created_at(key, 0)}, {put_op(key, options_.member, lease_)}, {range_op(key)},
      [this, alive = std::weak_ptr<bool>(alive_)](const std::string& error, const TxnReply& reply) {
        if (alive.expired()) return;
        campaigning_ = false;
        if (stopped_) return;
        campaigned(error, reply);
      });
}

void Elector::campaigned(const std::string& error, const TxnReply& reply) {
  if (!error.empty()) return failed(error);
  succeeded();
  // Binding a key to the lease does not renew it: the lease still counts
  // from the last acknowledged keep-alive (or the grant).
  if (!confirmed_) return;  // lost meanwhile
  if (reply.succeeded) {
    // Our key, created in this transaction: the revision is the term.
    guard_.lead(reply.header.revision, *confirmed_);
    set(Role::leader, reply.header.revision, options_.member,
        "elected: created the leader key at revision " + std::to_string(reply.header.revision));
    return;
  }
  if (reply.ranges.empty() || reply.ranges[0].empty()) return;  // gone meanwhile: next poll
  const KeyValue& kv = reply.ranges[0][0];
  if (kv.lease == lease_ && kv.value == options_.member) {
    // Ours already: an earlier campaign's answer was lost.
    guard_.lead(kv.create_revision, *confirmed_);
    set(Role::leader, kv.create_revision, options_.member,
        "elected: holds the leader key created at revision " + std::to_string(kv.create_revision));
    return;
  }
  guard_.step_down();
  set(Role::follower, kv.create_revision, kv.value,
      "follows " + kv.value + ", leader since revision " + std::to_string(kv.create_revision));
}

void Elector::write_as_leader(std::vector<std::pair<std::string, std::string>> puts, Written done) {
  if (leadership_.role != Role::leader) return done("", false);
  const std::int64_t term = leadership_.term;
  std::vector<TxnOp> ops;
  for (auto& [key, value] : puts) ops.push_back(put_op(key, value));
  etcd_.txn(
      {created_at(leader_key(), term), value_is(leader_key(), options_.member)}, std::move(ops), {},
      [this, alive = std::weak_ptr<bool>(alive_), term, done = std::move(done)](
          const std::string& error, const TxnReply& reply) {
        if (alive.expired()) return done("the elector is gone", false);
        if (!error.empty()) {
          failed(error);
          return done(error, false);
        }
        succeeded();
        if (!reply.succeeded && leadership_.role == Role::leader && leadership_.term == term) {
          guard_.step_down();
          set(Role::starting, 0, "",
              "deposed: the leader key of term " + std::to_string(term) + " is gone or another's");
        }
        done("", reply.succeeded);
      });
}

void Elector::keepalive() {
  if (stopped_ || lease_ == 0) return;
  const core::Duration every = options_.keepalive_interval.count() > 0
                                   ? options_.keepalive_interval
                                   : std::max<core::Duration>(margins().ttl / 6, 100ms);
  keepalive_timer_.start(every, [this] { keepalive(); });
  watch_lease();
  if (keeping_alive_) return;  // the previous one is still out: its answer will do
  keeping_alive_ = true;
  const core::SteadyTime sent = loop_.time().steady_now();
  const std::int64_t lease = lease_;
  etcd_.keepalive(lease, [this, alive = std::weak_ptr<bool>(alive_), sent, lease](
                             const std::string& error, const LeaseKeepAlive& k) {
    if (alive.expired()) return;
    keeping_alive_ = false;
    if (stopped_ || lease != lease_) return;
    if (!error.empty()) return failed(error);
    succeeded();
    if (k.ttl_s <= 0) return lose_lease("etcd says the lease has expired");
    confirmed_ = std::max(confirmed_.value_or(sent), sent);
    if (leadership_.role == Role::leader) guard_.confirm(sent);
  });
}

// Once the lease may have expired (no keep-alive acknowledged within its
// validity), it is given up: a leader steps down, and a new lease is asked for.
void Elector::watch_lease() {
  if (!confirmed_) return;
  const core::LeaseVerdict v = core::judge_lease(margins(), confirmed_, loop_.time().steady_now());
  if (loop_.time().steady_now() >= v.valid_until) lose_lease(v.reason);
}

void Elector::lose_lease(const std::string& why) {
  lease_ = 0;
  confirmed_.reset();
  keepalive_timer_.cancel();
  guard_.step_down();
  set(Role::starting, 0, "", "lost its lease (" + why + "); asking etcd for a new one");
  grant();
}

core::Duration Elector::poll_interval() const {
  return options_.poll_interval.count() > 0
             ? options_.poll_interval
             : std::clamp<core::Duration>(margins().ttl / 8, 100ms, 500ms);
}

void Elector::poll() {
  if (stopped_) return;
  poll_timer_.start(std::chrono::duration_cast<std::chrono::milliseconds>(poll_interval()),
                    [this] { poll(); });
  if (polling_) return;
  polling_ = true;
  etcd_.range(leader_key(), [this, alive = std::weak_ptr<bool>(alive_)](const std::string& error,
                                                                        const RangeReply& r) {
    if (alive.expired()) return;
    polling_ = false;
    if (stopped_) return;
    polled(error, r);
  });
}

void Elector::polled(const std::string& error, const RangeReply& reply) {
  if (!error.empty()) {
    failed(error);
    if (leadership_.role == Role::follower) {
      // Who leads is unknown now; a leader keeps its role while its lease holds.
      set(Role::starting, 0, "", "cannot read the leader key: " + error);
    }
    return;
  }
  succeeded();
  if (reply.kvs.empty()) {
    if (leadership_.role == Role::leader) {
      guard_.step_down();
      set(Role::starting, 0, "", "the leader key is gone (deleted, or the lease expired)");
    }
    return campaign();
  }
  const KeyValue& kv = reply.kvs[0];
  const bool ours = kv.lease == lease_ && lease_ != 0 && kv.value == options_.member;
  if (ours && confirmed_) {
    if (leadership_.role != Role::leader || leadership_.term != kv.create_revision) {
      guard_.lead(kv.create_revision, *confirmed_);
      set(Role::leader, kv.create_revision, options_.member,
          "holds the leader key created at revision " + std::to_string(kv.create_revision));
    }
    return;
  }
  if (leadership_.role == Role::leader) guard_.step_down();
  if (leadership_.role != Role::follower || leadership_.term != kv.create_revision ||
      leadership_.leader != kv.value) {
    set(Role::follower, kv.create_revision, kv.value,
        "follows " + kv.value + ", leader since revision " + std::to_string(kv.create_revision));
  }
}

}  // namespace drpilot::cluster
