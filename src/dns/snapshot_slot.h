#pragma once
// Where the current Snapshot is published for the worker threads.
//
// Publishing takes a mutex and bumps an atomic version; readers compare the
// version (one atomic load per batch of queries) against the
// one they hold and only take the mutex when it changed. The query path
// therefore never waits on a publisher, and each worker keeps its own
// shared_ptr so a snapshot lives until the last worker lets go of it.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "dns/snapshot.h"

namespace drpilot::dns {

class SnapshotSlot {
 public:
  void publish(std::shared_ptr<const Snapshot> snapshot) {
    std::lock_guard lock(mutex_);
    current_ = std::move(snapshot);
    version_.fetch_add(1, std::memory_order_release);
  }

  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }

  std::shared_ptr<const Snapshot> load() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> current_;
  std::atomic<std::uint64_t> version_{0};
};

// A worker's private view of the slot.
class SnapshotReader {
 public:
  explicit SnapshotReader(const SnapshotSlot& slot) : slot_(slot) {}

  // The newest published snapshot (null before the first publish). Reading
  // the version before the pointer means a publish in between is simply
  // picked up again on the next call.
  const Snapshot* get() {
    const std::uint64_t v = slot_.version();
    if (v != version_) {
      held_ = slot_.load();
      version_ = v;
    }
    return held_.get();
  }

 private:
  const SnapshotSlot& slot_;
  std::uint64_t version_ = 0;
  std::shared_ptr<const Snapshot> held_;
};

}  // namespace drpilot::dns
