#pragma once
// The controller's checks on event loops of their own: planning, journaling
// and API rendering on the control loop never delay a check, its timers or
// its sockets, and the checks use more than one core when they need to.
// Targets are spread over the threads by a hash of their name; each thread
// runs a Scheduler. Results reach the control loop in batches, at most one
// per thread every few milliseconds: the control loop wakes per batch, not
// per check.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/model.h"
#include "net/loop.h"
#include "probe/load_gauge.h"
#include "probe/scheduler.h"

namespace drpilot::probe {

// The pool's load: every thread's LoadReport merged (worst lateness, sums).
struct PoolLoad {
  LoadReport merged;
  int threads = 0;
  std::size_t targets = 0;
  double due_per_second = 0;  // checks the configuration asks for, at their normal interval
};

class CheckPool {
 public:
  // `sink` runs on `control`'s thread with every observation that arrived
  // since its previous call, in arrival order.
  using BatchSink = std::function<void(std::vector<core::Observation>)>;

  // How long a result may wait for others to travel with it.
  static constexpr Millis kBatchWindow{5};

  // Threads for `targets`: one per 15,000 checks a second at their normal
  // interval (a thread keeps up with about twice that on a 2 GHz core; more
  // threads for fewer checks only add wakeups), at most one per core, at most 4.
  static int threads_for(const std::vector<ProbeTarget>& targets);

  // `threads` <= 0: one per core, at most 4.
  CheckPool(net::Loop& control, const core::Clock& clock, std::string vantage, BatchSink sink,
            std::uint64_t seed, int threads, Scheduler::Runner runner = run_check);
  ~CheckPool();
  CheckPool(const CheckPool&) = delete;
  CheckPool& operator=(const CheckPool&) = delete;

  // Replaces the targets (from the control loop). Targets that remain keep
  // their rhythm: a target always lands on the same thread.
  void set_targets(const std::vector<ProbeTarget>& targets);
  // Stops every check and joins the threads; results not yet taken are
  // dropped. Idempotent; the destructor calls it.
  void stop();
  // Thread-safe; refreshed by each thread every heartbeat.
  PoolLoad load() const;
  int threads() const { return static_cast<int>(workers_.size()); }

 private:
  struct Worker;
  void deliver(Worker& w, core::Observation o);
  void drain();

  net::Loop& control_;
  BatchSink sink_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::shared_ptr<std::atomic<bool>> alive_;  // drains posted after stop() do nothing
  std::mutex inbox_mutex_;
  std::vector<core::Observation> inbox_;
  mutable std::mutex load_mutex_;
  std::size_t targets_ = 0;
  double due_per_second_ = 0;
  bool stopped_ = false;
};

}  // namespace drpilot::probe
