#pragma once
// Leader election on etcd: every controller holds a lease and kept alive;
// the leader is whoever created the leader key (<prefix>leader, its value
// the member's name, bound to its lease) when there was none. The key's
// create revision is the leader's term: etcd's revisions only grow, so a
// later leader always has a larger term, and the term fences everything the
// leader does. When the leader dies its lease expires, etcd deletes the key,
// and the first follower to see it gone (they read it every poll interval)
// creates it again. Runs on one event loop, ideally a thread of its own, so
// that a busy control loop never delays a keep-alive.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/leader_lease.h"
#include "core/time.h"
#include "net/loop.h"

namespace drpilot::cluster {

class EtcdClient;
struct TxnReply;
struct RangeReply;

enum class Role { starting, follower, leader };
std::string to_string(Role r);

// What this controller knows of the leadership; one sentence says why.
struct Leadership {
  Role role = Role::starting;
  std::int64_t term = 0;    // the leader key's create revision; 0: no leader known
  std::string leader;       // its member name; "" when none is known
  core::TimePoint since{};  // when this role (and term) began, by this controller's clock
  std::string etcd_error;   // the last request's failure; "" when it worked
  std::string reason;
  bool operator==(const Leadership& o) const {
    return role == o.role && term == o.term && leader == o.leader && etcd_error == o.etcd_error;
  }
};

// Whether the leader may start an action now. Thread-safe: provider
// workers, the hook thread and the control loop ask it before each action.
class LeaseGuard {
 public:
  explicit LeaseGuard(core::TimeSource& time) : time_(time) {}
  // The verdict, and the term it holds for (0 when not leader).
  core::LeaseVerdict check(std::int64_t* term = nullptr) const;
  std::int64_t term() const { return term_.load(); }

  // The elector's side.
  void set_margins(const core::LeaseMargins& m);
  void lead(std::int64_t term, core::SteadyTime confirmed);
  void confirm(core::SteadyTime sent);
  void step_down();

 private:
  core::TimeSource& time_;
  std::atomic<std::int64_t> term_{0};
  std::atomic<std::int64_t> confirmed_ns_{0};  // steady time since its epoch; 0: none
  std::atomic<std::int64_t> ttl_ms_{2000}, apply_deadline_ms_{500};
  std::atomic<double> clock_rate_bound_{0.01};
};

struct ElectorOptions {
  std::string member;  // this controller's name: the leader key's value
  std::string prefix = "/drpilot/";
  std::int64_t lease_ttl_s = 2;  // asked of etcd; it may grant more (then that is used)
  double clock_rate_bound = 0.01;
  core::Duration apply_deadline{500};
  // 0: a sixth of the lease's TTL.
  core::Duration keepalive_interval{0};
  // How often a follower reads the leader key (and the leader checks that it
  // still holds it). 0: an eighth of the TTL, within 100 ms..500 ms.
  core::Duration poll_interval{0};
};

class Elector {
 public:
  using OnChange = std::function<void(const Leadership&)>;
  // `on_change` runs on `loop`'s thread whenever the leadership changes.
  Elector(net::Loop& loop, EtcdClient& etcd, ElectorOptions options, OnChange on_change);
  ~Elector();
  Elector(const Elector&) = delete;
  Elector& operator=(const Elector&) = delete;

  // On the loop's thread.
  void start();
  // Revokes the lease, so that another controller takes over at once instead
  // of after the TTL; `done` runs when etcd answered (or failed to).
  void resign(std::function<void()> done);
  void stop();

  // Writes every key of `puts` (full keys) in one transaction that holds
  // only while this controller still leads in its current term: the leader
  // key exists, was created at that term and names this member. `done` gets
  // "" and true when written; "" and false when the leadership was lost (the
  // elector then steps down at once); an error when etcd did not answer.
  using Written = std::function<void(const std::string& error, bool written)>;
  void write_as_leader(std::vector<std::pair<std::string, std::string>> puts, Written done);

  const LeaseGuard& guard() const { return guard_; }
  const Leadership& leadership() const { return leadership_; }
  std::string leader_key() const { return options_.prefix + "leader"; }
  std::int64_t lease() const { return lease_; }
  // How often the leader key is read (options, or derived from the TTL).
  core::Duration poll_interval() const;

 private:
  void grant();
  void campaign();
  void campaigned(const std::string& error, const TxnReply& reply);
  void keepalive();
  void poll();
  void polled(const std::string& error, const RangeReply& reply);
  void watch_lease();
  void lose_lease(const std::string& why);
  void set(Role role, std::int64_t term, std::string leader, std::string reason);
  void failed(const std::string& error);
  void succeeded();
  core::LeaseMargins margins() const;

  net::Loop& loop_;
  EtcdClient& etcd_;
  ElectorOptions options_;
  OnChange on_change_;
  LeaseGuard guard_;
  Leadership leadership_;
  std::int64_t lease_ = 0;  // 0: none
  std::int64_t granted_ttl_s_ = 0;
  std::optional<core::SteadyTime> confirmed_;  // when the latest acknowledged keep-alive was sent
  bool campaigning_ = false, polling_ = false, granting_ = false, keeping_alive_ = false;
  bool stopped_ = false;
  net::Timer keepalive_timer_, poll_timer_, grant_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace drpilot::cluster
