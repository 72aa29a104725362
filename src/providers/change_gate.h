#pragma once
// The gate between the planner and the world. A new target is released to
// the reconciler only when every pre_change hook agrees (exit 0) for every
// record it moves; any other outcome vetoes it: the world stays as it is, the
// veto is reported with the hook's output, and the same target is put to the
// hooks again after `veto_retry` (a newer target is put to them at once).
// post_change hooks run once for each released target, after every provider
// verified it.
//
// Each hook runs once per moved record, with the change in its environment:
// DRPILOT_HOOK (pre_change | post_change), DRPILOT_RECORD (www.example.com/A),
// DRPILOT_FROM_SITES, DRPILOT_TO_SITES, DRPILOT_FROM_ADDRESSES,
// DRPILOT_TO_ADDRESSES (comma-separated), DRPILOT_GENERATION, DRPILOT_REASON.
//
// Runs on the loop thread; the hooks themselves run elsewhere (Runner).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "providers/hook_command.h"
#include "providers/provider.h"
#include "providers/target.h"

namespace drpilot::net {
class Loop;
class Timer;
}  // namespace drpilot::net

namespace drpilot::providers {

struct HookJob {
  std::string kind;  // pre_change | post_change
  std::vector<config::HookCommand> commands;
  std::vector<HookEnv> runs;  // one environment per moved record
};

class ChangeGate {
 public:
  // Runs a job's commands for each of its environments (in order, stopping at
  // the first failure for pre_change) and calls `done` on the loop thread.
  using Runner = std::function<void(HookJob, std::function<void(std::vector<HookResult>)> done)>;
  using Release = std::function<void(const Target&)>;
  // kind: "vetoed", "allowed", "post_change"; message: one sentence; data: detail.
  using Report =
      std::function<void(const std::string& kind, const std::string& message,
                         const std::vector<HookResult>& results, std::uint64_t generation)>;

  ChangeGate(net::Loop& loop, config::HooksConfig hooks, Runner runner, Release release,
             Report report);
  ~ChangeGate();

  // What the world was last released to (from the journal), released again at
  // once without hooks; then `current`, through the hooks if it moves anything.
  void start(std::optional<Target> released, const Target& current);
  // A new target (a new plan generation, or the same one published differently).
  void offer(const Target& target);
  // Every provider verified `generation`: time for post_change hooks.
  void verified(std::uint64_t generation);
  void reconfigure(config::HooksConfig hooks);

  // For status: "" when nothing is held back, else why the newest plan is not
  // released ("vetoed by /usr/local/bin/maint-check (exit 1): ...").
  const std::string& held_back() const { return held_back_; }
  std::uint64_t released_generation() const { return released_ ? released_->generation : 0; }

 private:
  void release(const Target& t);
  void run_pre();
  void on_pre_done(std::shared_ptr<const Target> checked, std::vector<HookResult> results);
  HookJob job(const std::string& kind, const std::vector<config::HookCommand>& commands,
              const Target& before, const Target& after) const;

  net::Loop& loop_;
  config::HooksConfig hooks_;
  Runner runner_;
  Release release_;
  Report report_;
  std::optional<Target> released_;
  std::shared_ptr<const Target> pending_;  // waiting for (or vetoed by) pre_change hooks
  bool pre_running_ = false;
  std::unique_ptr<net::Timer> retry_;
  std::string held_back_;
  std::string last_veto_;                // the veto last reported for the pending target
  std::uint64_t posted_ = 0;             // the newest generation post_change hooks ran for
  std::optional<Target> post_baseline_;  // what post_change hooks last saw as "after"
  std::shared_ptr<bool> alive_;
};

// Runs hook jobs on a thread of its own, one job at a time, in order, each
// command under `policy` (the environment passed on, the secrets scrubbed).
class HookThread {
 public:
  HookThread(net::Loop& loop, HookPolicy policy = {});
  ~HookThread();
  ChangeGate::Runner runner();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace drpilot::providers
