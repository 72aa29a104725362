#pragma once
// The reconciler makes every provider converge on the newest target, each on
// its own worker thread so that one slow or failing provider never holds up
// the others. One attempt is: read the world and diff (Provider::diff), apply
// exactly those changes, diff again to verify. A failed attempt is retried
// with full-jitter exponential backoff, never sooner than the server asked
// (Retry-After, exhausted rate limits) up to `server_wait_cap`; a permanent
// failure (wrong record id, token without the scope) is reported once and
// retried only at the slowest pace. A new target ends any wait, the
// server's included, and is attempted at once.
//
// Fencing: a provider never applies a generation older than the newest one it
// has applied (kept in the journal across restarts); such a target is refused
// and reported.
//
// Events (started, applying, applied, verified, failed, refused) are posted to
// the loop thread, where the controller journals them.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/time.h"
#include "core/time_source.h"
#include "net/backoff.h"
#include "providers/provider.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::providers {

enum class SyncState { in_sync, converging, failing };
std::string_view to_string(SyncState s);

struct ProviderStatus {
  std::string name;
  std::string kind;
  std::string where;
  SyncState state = SyncState::converging;
  std::uint64_t target_generation = 0;    // the newest generation handed to it
  std::uint64_t applied_generation = 0;   // the newest generation it changed the world for
  std::uint64_t verified_generation = 0;  // the newest generation it verified in sync
  int failures = 0;                       // consecutive failed attempts
  std::string last_error;                 // of the latest failed attempt, if failing
  core::TimePoint last_error_at{};
  core::TimePoint next_attempt_at{};      // while failing
  std::vector<std::string> last_changes;  // steps of the latest apply
};

struct ReconcileEvent {
  enum class Kind { started, applying, applied, verified, failed, refused };
  Kind kind = Kind::started;
  std::string provider;
  std::uint64_t generation = 0;
  std::string message;                   // one sentence
  std::vector<std::string> steps;        // applying / applied: the changes
  std::uint64_t applied_generation = 0;  // the provider's bookkeeping after this event
  std::uint64_t verified_generation = 0;
};
std::string_view to_string(ReconcileEvent::Kind k);

class Reconciler {
 public:
  using Sink = std::function<void(const ReconcileEvent&)>;

  // `sink` runs on the loop thread. The loop's time stamps status times and
  // measures the waits between attempts.
  Reconciler(net::Loop& loop, Sink sink, std::uint64_t seed);
  ~Reconciler();  // stop()
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // Asked on a provider's worker just before it changes anything outside
  // this controller: an answer other than "" (why not) holds the change,
  // which is reported as refused and tried again with the next target. In a
  // cluster, whether this controller still holds its lease.
  using Permit = std::function<std::string()>;
  void set_permit(Permit permit) { permit_ = std::move(permit); }  // before add()

  // Adds a provider and starts its worker. `applied` and `verified` are the
  // generations the journal remembers for it (0: none). A `local` provider
  // is this controller's own (its embedded DNS): it follows every target
  // and needs no permit.
  void add(std::unique_ptr<Provider> provider, net::Backoff backoff, std::uint64_t applied,
           std::uint64_t verified, bool local = false);
  // Hands every provider a new target (only the local ones with
  // `local_only`: a cluster follower serves the leader's plan itself and
  // leaves the world to the leader); the newest one wins. The same
  // generation may be handed again (after a reload changed how it is
  // published): providers then diff again.
  void set_target(const Target& target, bool local_only = false);
  // Stops and joins every worker; an attempt in flight finishes its current
  // request first (bounded by the provider's timeout).
  void stop();

  std::vector<ProviderStatus> status() const;
  // True when every provider verified `generation` or a newer one.
  bool all_verified(std::uint64_t generation) const;
  std::size_t size() const { return workers_.size(); }

  struct Worker;

 private:
  net::Loop& loop_;
  core::TimeSource& time_;
  Sink sink_;
  Permit permit_;
  std::uint64_t seed_;
  std::uint64_t revision_ = 0;
  std::shared_ptr<const Target> last_target_;
  std::shared_ptr<std::atomic<bool>> alive_;  // cleared on stop: drop late events
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace drpilot::providers
