#include "net/tcp_connect.h"

#include <utility>  // before Boost.Asio 1.74

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>

#include "core/time.h"
#include "net/loop_impl.h"

namespace drpilot::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Attempt {
  explicit Attempt(asio::io_context& io) : socket(io), timer(io) {}
  tcp::socket socket;
  asio::steady_timer timer;
  Clock::time_point start = Clock::now();
  bool finished = false;
  bool timed_out = false;
  std::function<void(ConnectResult)> done;

  std::chrono::milliseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  }
};

}  // namespace

void tcp_connect(Loop& loop, const std::string& address, std::uint16_t port,
                 std::chrono::milliseconds timeout, std::function<void(ConnectResult)> done) {
  asio::io_context& io = loop.impl().io;
  auto a = std::make_shared<Attempt>(io);
  a->done = std::move(done);
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) {
    asio::post(io, [a, address] {
      a->done({false, "'" + address + "' is not an IP address", Failure::remote, a->elapsed()});
    });
    return;
  }
  const tcp::endpoint endpoint(addr, port);
  a->socket.open(endpoint.protocol(), ec);
  if (ec) {
    asio::post(io, [a, ec] {
      a->done({false, "cannot open a socket: " + ec.message(),
               is_local_errno(ec.value()) ? Failure::local : Failure::remote, a->elapsed()});
    });
    return;
  }
  close_on_exec(a->socket.native_handle());
  a->timer.expires_after(timeout);
  a->timer.async_wait([a](const boost::system::error_code& e) {
    if (e || a->finished) return;
    a->timed_out = true;
    boost::system::error_code ignored;
    a->socket.close(ignored);
  });
  a->socket.async_connect(endpoint, [a](const boost::system::error_code& e) {
    a->finished = true;
    a->timer.cancel();
    ConnectResult r;
    r.elapsed = a->elapsed();
    r.failure = !e             ? Failure::none
                : a->timed_out ? Failure::timeout
                : e.category() == boost::system::system_category() && is_local_errno(e.value())
                    ? Failure::local
                    : Failure::remote;
    if (!e) {
      r.ok = true;
    } else if (a->timed_out) {
      r.error = "timeout after " + core::format_duration(r.elapsed) + " (connecting)";
    } else if (e == asio::error::connection_refused) {
      r.error = "connect refused";
    } else if (e == asio::error::host_unreachable) {
      r.error = "host unreachable";
    } else if (e == asio::error::network_unreachable) {
      r.error = "network unreachable";
    } else {
      r.error = "connect failed: " + e.message();
    }
    boost::system::error_code ignored;
    a->socket.close(ignored);
    a->done(std::move(r));
  });
}

}  // namespace drpilot::net
