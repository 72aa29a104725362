#include "net/loop.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/loop_impl.h"

namespace drpilot::net {

Loop::Loop() : impl_(std::make_unique<Impl>()) {}
Loop::~Loop() = default;

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
  explicit Impl(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  std::uint64_t armed = 0;  // bumps on every start/cancel so stale callbacks do nothing
};

Timer::Timer(Loop& loop) : impl_(std::make_shared<Impl>(loop.impl().io)) {}

Timer::~Timer() {
  cancel();
}

void Timer::start(std::chrono::milliseconds after, std::function<void()> fn) {
  const std::uint64_t token = ++impl_->armed;
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
  impl_->timer.cancel();
}

}  // namespace drpilot::net
