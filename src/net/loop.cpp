#include "net/loop.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cassert>

#include "net/loop_impl.h"

namespace drpilot::net {

Loop::Loop() : impl_(std::make_unique<Impl>()) {}

Loop::Loop(core::SimulatedTime& time) : impl_(std::make_unique<Impl>()) {
  impl_->time = &time;
  impl_->simulated = &time;
}

Loop::~Loop() = default;

core::TimeSource& Loop::time() {
  return *impl_->time;
}

void Loop::poll() {
  impl_->io.restart();
  impl_->io.poll();
}

void Loop::advance(core::Duration d) {
  core::SimulatedTime* sim = impl_->simulated;
  assert(sim != nullptr && "Loop::advance needs a loop on simulated time");
  const core::SteadyTime until = sim->steady_now() + d;
  poll();
  // One timer at a time: what it starts may be due before `until` too.
  while (auto next = sim->next_timer()) {
    if (*next > until) break;
    sim->advance_to(*next);
    poll();
  }
  sim->advance_to(until);
  poll();
}

void Loop::run() {
  auto guard = boost::asio::make_work_guard(impl_->io);
  impl_->io.restart();
  impl_->io.run();
}

void Loop::stop() {
  impl_->io.stop();
}

void Loop::post(std::function<void()> fn) {
  boost::asio::post(impl_->io, std::move(fn));
}

void Loop::on_signals(std::initializer_list<int> signals, std::function<void(int)> fn) {
  auto watch = std::make_unique<SignalWatch>(impl_->io, std::move(fn));
  for (int s : signals) watch->set.add(s);
  watch->arm();
  impl_->signals.push_back(std::move(watch));
}

struct Timer::Impl {
  Impl(boost::asio::io_context& io, core::SimulatedTime* sim) : io(io), timer(io), simulated(sim) {}
  boost::asio::io_context& io;
  boost::asio::steady_timer timer;
  core::SimulatedTime* simulated;           // the loop's, when it runs on simulated time
  core::SimulatedTime::TimerId sim_id = 0;  // the simulated timer armed (0: none)
  std::uint64_t armed = 0;  // bumps on every start/cancel so stale callbacks do nothing
};

Timer::Timer(Loop& loop) : impl_(std::make_shared<Impl>(loop.impl().io, loop.impl().simulated)) {}

Timer::~Timer() {
  cancel();
}

void Timer::start(std::chrono::milliseconds after, std::function<void()> fn) {
  const std::uint64_t token = ++impl_->armed;
  if (core::SimulatedTime* sim = impl_->simulated) {
    if (impl_->sim_id != 0) sim->cancel_timer(impl_->sim_id);
    // Fired by whoever advances the time: handed to the loop like a real
    // timer's completion, so it runs on the loop's thread.
    impl_->sim_id =
        sim->add_timer(sim->steady_now() + after,
                       [weak = std::weak_ptr<Impl>(impl_), token, fn = std::move(fn)]() mutable {
                         // `armed` belongs to the loop's thread: compared there.
                         auto self = weak.lock();
                         if (!self) return;
                         boost::asio::post(self->io, [weak, token, fn = std::move(fn)] {
                           auto s = weak.lock();
                           if (s && s->armed == token) fn();
                         });
                       });
    return;
  }
  impl_->timer.expires_after(after);
  impl_->timer.async_wait([weak = std::weak_ptr<Impl>(impl_), token,
                           fn = std::move(fn)](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->armed != token) return;
    fn();
  });
}

void Timer::cancel() {
  ++impl_->armed;
  if (impl_->simulated && impl_->sim_id != 0) {
    impl_->simulated->cancel_timer(impl_->sim_id);
    impl_->sim_id = 0;
  }
  impl_->timer.cancel();
}

}  // namespace drpilot::net
