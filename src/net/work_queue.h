#pragma once
// A thread of its own running jobs one at a time, in order: for blocking
// work (a DynamoDB call that may take its whole timeout) that must not stall
// the event loop. Jobs still queued when the queue is destroyed are dropped;
// the destructor waits for the running one.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace drpilot::net {

class WorkQueue {
 public:
  WorkQueue();
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void push(std::function<void()> job);
  // Jobs waiting (not counting the one running).
  std::size_t queued() const;

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace drpilot::net
