#include "core/time_source.h"

#include <algorithm>
#include <thread>

namespace drpilot::core {

namespace {

// How often a blocked thread looks at a flag nobody signals (real time), and
// at simulated time (which does not notify).
constexpr auto kRealPoll = std::chrono::milliseconds(100);
constexpr auto kSimulatedPoll = std::chrono::milliseconds(1);

// Simulated steady time starts far from the epoch, which code may use as
// "not set".
constexpr SteadyTime kSimulatedSteadyStart{std::chrono::hours(1000)};

}  // namespace

TimePoint RealTime::now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

SteadyTime RealTime::steady_now() const {
  return std::chrono::steady_clock::now();
}

bool RealTime::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          SteadyTime until, const std::function<bool()>& ready) {
  return cv.wait_until(lock, until, ready);
}

bool RealTime::sleep_until(SteadyTime until, const std::atomic<bool>* stop) {
  for (;;) {
    if (stop && stop->load()) return false;
    const SteadyTime now = steady_now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<SteadyTime::duration>(until - now, kRealPoll));
  }
}

TimeSource& real_time() {
  static RealTime time;
  return time;
}

SimulatedTime::SimulatedTime(TimePoint wall_start) : wall_start_(wall_start) {}

TimePoint SimulatedTime::now() const {
  std::lock_guard lock(mutex_);
  return wall_start_ + std::chrono::duration_cast<Duration>(elapsed_);
}

SteadyTime SimulatedTime::steady_now() const {
  std::lock_guard lock(mutex_);
  return kSimulatedSteadyStart + elapsed_;
}

SimulatedTime::SleeperId SimulatedTime::enter(SteadyTime until) {
  std::lock_guard lock(mutex_);
  const SleeperId id = next_sleeper_++;
  sleepers_[id] = Sleeper{until, moves_};
  return id;
}

SteadyTime SimulatedTime::look(SleeperId id) {
  std::lock_guard lock(mutex_);
  sleepers_[id].seen = moves_;
  return kSimulatedSteadyStart + elapsed_;
}

void SimulatedTime::leave(SleeperId id) {
  std::lock_guard lock(mutex_);
  sleepers_.erase(id);
}

int SimulatedTime::sleepers() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(sleepers_.size());
}

bool SimulatedTime::sleepers_saw_now() const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, s] : sleepers_) {
    if (s.seen != moves_) return false;
  }
  return true;
}

std::optional<SteadyTime> SimulatedTime::next_wakeup() const {
  std::lock_guard lock(mutex_);
  std::optional<SteadyTime> first;
  for (const auto& [id, s] : sleepers_) {
    if (!first || s.until < *first) first = s.until;
  }
  return first;
}

bool SimulatedTime::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                               SteadyTime until, const std::function<bool()>& ready) {
  const SleeperId me = enter(until);
  while (!ready() && look(me) < until) cv.wait_for(lock, kSimulatedPoll);
  leave(me);
  return ready();
}

bool SimulatedTime::sleep_until(SteadyTime until, const std::atomic<bool>* stop) {
  const SleeperId me = enter(until);
  bool stopped = false;
  for (;;) {
    if (stop && stop->load()) {
      stopped = true;
      break;
    }
    if (look(me) >= until) break;
    std::this_thread::sleep_for(kSimulatedPoll);
  }
  leave(me);
  return !stopped;
}

void SimulatedTime::advance_to(SteadyTime t) {
  for (;;) {
    std::function<void()> fire;
    {
      std::lock_guard lock(mutex_);
      const SteadyTime now = kSimulatedSteadyStart + elapsed_;
      if (timers_.empty() || timers_.begin()->first.first > t) {
        if (t > now) {
          elapsed_ += t - now;
          ++moves_;
        }
        return;
      }
      auto first = timers_.begin();
      if (first->first.first > now) {
        elapsed_ += first->first.first - now;
        ++moves_;
      }
      fire = std::move(first->second);
      timer_at_.erase(first->first.second);
      timers_.erase(first);
    }
    // Outside the lock: a timer may add or cancel timers.
    fire();
  }
}

SimulatedTime::TimerId SimulatedTime::add_timer(SteadyTime at, std::function<void()> fire) {
  std::lock_guard lock(mutex_);
  const TimerId id = next_id_++;
  timers_.emplace(std::pair{at, id}, std::move(fire));
  timer_at_.emplace(id, at);
  return id;
}

void SimulatedTime::cancel_timer(TimerId id) {
  std::lock_guard lock(mutex_);
  auto it = timer_at_.find(id);
  if (it == timer_at_.end()) return;
  timers_.erase(std::pair{it->second, id});
  timer_at_.erase(it);
}

std::optional<SteadyTime> SimulatedTime::next_timer() const {
  std::lock_guard lock(mutex_);
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first.first;
}

}  // namespace drpilot::core
