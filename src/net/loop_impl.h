#pragma once
// Asio behind net::Loop; included only by src/net/*.cpp.

#include <utility>  // before Boost.Asio 1.74 (it relies on std::exchange being declared)

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <fcntl.h>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "net/loop.h"

namespace drpilot::net {

// Re-arms itself after every delivered signal.
struct SignalWatch {
  SignalWatch(boost::asio::io_context& io, std::function<void(int)> f)
      : set(io), fn(std::move(f)) {}
  void arm() {
    set.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      fn(sig);
      arm();
    });
  }
  boost::asio::signal_set set;
  std::function<void(int)> fn;
};

// Asio opens sockets without close-on-exec. The hook runner closes every
// descriptor above stderr in its child anyway; this keeps the rule true for
// anything else that might exec.
inline void close_on_exec(int fd) {
  if (fd >= 0) fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

// For threads that may outlive the loop (a name lookup libc cannot cancel):
// what they post once the loop is gone is dropped, never handed to a
// destroyed io_context.
class LoopMailbox {
 public:
  explicit LoopMailbox(boost::asio::io_context& io) : io_(&io) {}
  // False: the loop is gone and `fn` was dropped (on the calling thread).
  bool post(std::function<void()> fn) {
    std::lock_guard lock(mutex_);
    if (io_ == nullptr) return false;
    boost::asio::post(*io_, std::move(fn));
    return true;
  }
  void close() {
    std::lock_guard lock(mutex_);
    io_ = nullptr;
  }

 private:
  std::mutex mutex_;
  boost::asio::io_context* io_;
};

struct Loop::Impl {
  // Closed before the io_context is destroyed (the body runs before members go).
  ~Impl() { mailbox->close(); }
  core::TimeSource* time = &core::real_time();
  core::SimulatedTime* simulated = nullptr;  // set when `time` is simulated
  boost::asio::io_context io{1};
  std::vector<std::unique_ptr<SignalWatch>> signals;
  std::shared_ptr<LoopMailbox> mailbox = std::make_shared<LoopMailbox>(io);
};

}  // namespace drpilot::net
