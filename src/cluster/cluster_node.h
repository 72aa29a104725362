#pragma once
// A controller's membership in the cluster, on a thread and event loop of
// its own (so that a busy control loop never delays a keep-alive): the
// elector, and the shared state the leader writes and the followers read.
// It reaches the control loop only by posting to it.
//
// A leader acts only after it has read the stored state (its predecessor
// can no longer write it by then: every write is fenced by the leader key's
// revision), so it resumes from the last plan any leader stored. Followers
// read the state every poll interval and hand on each newer one.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "cluster/elector.h"
#include "cluster/etcd_client.h"

namespace drpilot::cluster {

class ClusterNode {
 public:
  struct Events {
    // The leadership changed. `stored` comes once per term with the role of
    // leader: the state text the cluster held when this controller won (""
    // when none); later events of the same term (an etcd error that came or
    // went) have none.
    std::function<void(const Leadership&, std::optional<std::string> stored)> leadership;
    // A follower read a state text it had not seen.
    std::function<void(const std::string& text)> state;
    // The leader read reports of other members it had not seen: (member, text).
    std::function<void(std::vector<std::pair<std::string, std::string>> reports)> reports;
  };

  // `events` run on `control`'s thread.
  ClusterNode(net::Loop& control, EtcdOptions etcd, ElectorOptions elector, Events events);
  ~ClusterNode();  // stop()
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  void start();
  // Resigns (so another controller leads at once), waiting at most
  // `resign_within` for etcd, then stops the thread.
  void stop(std::chrono::milliseconds resign_within = std::chrono::milliseconds(1000));

  // Stores `text` as the cluster's state, if this controller still leads in
  // the term it acts in. `done` runs on the control loop: ("", true) stored;
  // ("", false) no longer the leader; (error, false) etcd did not answer.
  void store(std::string text, std::function<void(const std::string& error, bool stored)> done);

  // A follower's report of what it saw, kept under <prefix>vantages/<member>
  // with its lease. `done(ok)` runs on the control loop.
  void report(std::string text, std::function<void(bool ok)> done);

  // Thread-safe: whether the leader may act now.
  const LeaseGuard& guard() const;
  std::string state_key() const { return prefix_ + "state"; }
  std::string reports_prefix() const { return prefix_ + "vantages/"; }

 private:
  void on_leadership(const Leadership& l);
  void read_for_leader(std::int64_t term);
  void poll_state();
  void poll_reports();
  void post(std::function<void()> fn);

  net::Loop& control_;
  std::string prefix_, member_;
  Events events_;
  std::unique_ptr<net::Loop> loop_;
  std::unique_ptr<EtcdClient> etcd_;
  std::unique_ptr<Elector> elector_;
  std::unique_ptr<net::Timer> state_timer_, retry_timer_;
  core::Duration poll_interval_{250};
  std::int64_t seen_revision_ = 0;                    // the state's mod revision last handed on
  std::map<std::string, std::int64_t> seen_reports_;  // key -> mod revision handed on
  bool acting_ = false;                               // leads, and the stored state was handed on
  std::int64_t acting_term_ = 0;
  bool resuming_ = false;  // a new leader reads the stored state
  bool polling_ = false;   // a follower reads it
  std::thread thread_;
  // Cleared when stopping: events still queued for the control loop are dropped.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace drpilot::cluster
