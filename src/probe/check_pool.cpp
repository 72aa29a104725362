#include "probe/check_pool.h"

#include <algorithm>
#include <cmath>

namespace drpilot::probe {

struct CheckPool::Worker {
  net::Loop loop;
  std::unique_ptr<Scheduler> scheduler;  // lives and dies on `thread`
  std::thread thread;
  net::Timer flush{loop};  // sends this thread's results to the control loop
  bool flush_armed = false;
  mutable std::mutex mutex;  // guards `load`
  LoadReport load;
};

CheckPool::CheckPool(net::Loop& control, const core::Clock& clock, std::string vantage,
                     BatchSink sink, std::uint64_t seed, int threads, Scheduler::Runner runner)
    : control_(control), sink_(std::move(sink)), alive_(std::make_shared<std::atomic<bool>>(true)) {
  if (threads <= 0) {
    threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  }
  for (int i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>();
    Worker* raw = w.get();
    w->scheduler = std::make_unique<Scheduler>(
        w->loop, clock, vantage, [this, raw](core::Observation o) { deliver(*raw, std::move(o)); },
        seed + static_cast<std::uint64_t>(i) * 0x9e3779b97f4a7c15ULL, runner);
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) {
    Worker* worker = w.get();
    // Publishes this thread's load for load(), every heartbeat.
    worker->scheduler->on_heartbeat([worker] {
      LoadReport r = worker->scheduler->load();
      std::lock_guard lock(worker->mutex);
      worker->load = r;
    });
    worker->thread = std::thread([worker] {
      worker->loop.run();
      // Timers and sockets belong to this thread's loop: they go here.
      worker->flush.cancel();
      worker->scheduler.reset();
    });
  }
}

int CheckPool::threads_for(const std::vector<ProbeTarget>& targets) {
  constexpr double kPerThread = 15'000;
  double due = 0;
  for (const ProbeTarget& t : targets) {
    if (t.check->interval.count() > 0)
      due += 1000.0 / static_cast<double>(t.check->interval.count());
  }
  const int cores = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  return std::clamp(static_cast<int>(std::ceil(due / kPerThread)), 1, cores);
}

CheckPool::~CheckPool() {
  stop();
}

void CheckPool::stop() {
  if (stopped_) return;
  stopped_ = true;
  *alive_ = false;
  // stop() alone is lost on a loop whose thread has not reached run() yet
  // (run() restarts it): the posted stop is not.
  for (auto& w : workers_) {
    w->loop.post([loop = &w->loop] { loop->stop(); });
    w->loop.stop();
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void CheckPool::set_targets(const std::vector<ProbeTarget>& targets) {
  if (stopped_) return;
  std::vector<std::vector<ProbeTarget>> parts(workers_.size());
  double due = 0;
  for (const ProbeTarget& t : targets) {
    parts[std::hash<std::string>{}(t.target) % parts.size()].push_back(t);
    if (t.check->interval.count() > 0) {
      due += 1000.0 / static_cast<double>(t.check->interval.count());
    }
  }
  {
    std::lock_guard lock(load_mutex_);
    targets_ = targets.size();
    due_per_second_ = due;
  }
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    Worker* w = workers_[i].get();
    w->loop.post([w, part = std::move(parts[i])] {
      if (w->scheduler) w->scheduler->set_targets(part);
    });
  }
}

// On a check thread: the first result since this thread's last batch starts
// the batch window; when it ends, the control loop takes everything waiting.
void CheckPool::deliver(Worker& w, core::Observation o) {
  {
    std::lock_guard lock(inbox_mutex_);
    inbox_.push_back(std::move(o));
  }
  if (w.flush_armed) return;
  w.flush_armed = true;
  w.flush.start(kBatchWindow, [this, &w, alive = alive_] {
    w.flush_armed = false;
    control_.post([this, alive] {
      if (*alive) drain();
    });
  });
}

void CheckPool::drain() {
  std::vector<core::Observation> batch;
  {
    std::lock_guard lock(inbox_mutex_);
    batch.swap(inbox_);
  }
  if (!batch.empty()) sink_(std::move(batch));
}

PoolLoad CheckPool::load() const {
  PoolLoad out;
  out.threads = static_cast<int>(workers_.size());
  {
    std::lock_guard lock(load_mutex_);
    out.targets = targets_;
    out.due_per_second = due_per_second_;
  }
  for (const auto& w : workers_) {
    LoadReport r;
    {
      std::lock_guard lock(w->mutex);
      r = w->load;
    }
    LoadReport& m = out.merged;
    for (auto [into, from] : {std::pair{&m.start, &r.start}, std::pair{&m.loop, &r.loop}}) {
      into->max = std::max(into->max, from->max);
      into->p99 = std::max(into->p99, from->p99);
      into->samples += from->samples;
    }
    m.started += r.started;
    m.completed += r.completed;
    m.set_aside += r.set_aside;
    m.set_aside_recent += r.set_aside_recent;
    m.completed_per_second += r.completed_per_second;
    m.window = r.window;
  }
  return out;
}

}  // namespace drpilot::probe
