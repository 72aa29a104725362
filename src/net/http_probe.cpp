#include "net/http_probe.h"

#include <utility>  // before Boost.Asio 1.74

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "net/http_text.h"
#include "net/loop_impl.h"
#include "net/response_reader.h"

namespace drpilot::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

error_code errno_code(int e) {
  return error_code(e, boost::system::system_category());
}

std::string request_wire(const ClientRequest& req) {
  std::string w;
  w.reserve(128 + req.target.size() + req.body.size());
  w += req.method;
  w += ' ';
  w += req.target;
  w += " HTTP/1.1\r\nHost: ";
  w += host_header(req);
  w += "\r\nUser-Agent: drpilot\r\nConnection: close\r\n";
  for (const auto& [k, v] : req.headers) w += k + ": " + v + "\r\n";
  if (!req.body.empty()) w += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
  w += "\r\n";
  w += req.body;
  return w;
}

class Probe : public std::enable_shared_from_this<Probe> {
 public:
  Probe(asio::io_context& io, ClientRequest req, std::function<void(ClientResult)> done)
      : io_(io),
        socket_(io),
        timer_(io),
        req_(std::move(req)),
        done_(std::move(done)),
        reader_(req_.max_header, req_.max_body) {
    start_ = Clock::now();
  }

  void start(const asio::ip::address& addr) {
    const tcp::endpoint ep(addr, req_.port);
    const int fd =
        ::socket(ep.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) return fail_later(errno_code(errno));
    // The handshake's last ACK waits to travel with the request instead of
    // being a packet of its own (one packet, and one wakeup of the peer, less).
    const int off = 0;
    ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &off, sizeof off);
    const bool connected = ::connect(fd, ep.data(), static_cast<socklen_t>(ep.size())) == 0;
    const int err = errno;
    if (!connected && err != EINPROGRESS) {
      ::close(fd);
      return fail_later(errno_code(err));
    }
    error_code ec;
    socket_.assign(ep.protocol(), fd, ec);
    if (ec) {
      ::close(fd);
      return fail_later(ec);
    }
    out_ = request_wire(req_);
    // One timer: the connect deadline first; once connected it is moved on
    // to the exchange's deadline only if it fires (a check usually ends long
    // before).
    timer_.expires_at(std::min(start_ + req_.connect_timeout, start_ + req_.timeout));
    timer_.async_wait([self = shared_from_this()](const error_code& e) { self->on_timer(e); });
    // Even when connect() said "in progress", a nearby peer has often
    // answered already: send() then goes through and no wait is needed; if
    // not, it says so (EAGAIN, ENOTCONN) and we wait to be writable.
    starting_ = true;
    send();
    starting_ = false;
  }

  // A failure before any I/O: still reported from the loop, never inline.
  void fail_later(error_code ec) {
    asio::post(io_, [self = shared_from_this(), ec] { self->fail(ec); });
  }

 private:
  void on_timer(const error_code& e) {
    if (e || finished_) return;
    const Clock::time_point deadline = start_ + req_.timeout;
    if (connected_ && Clock::now() < deadline) {
      timer_.expires_at(deadline);
      timer_.async_wait([self = shared_from_this()](const error_code& e2) { self->on_timer(e2); });
      return;
    }
    fail(beast::error::timeout);
  }

  // A failed connect shows here too: send() reports ECONNREFUSED and the like.
  void send() {
    while (sent_ < out_.size()) {
      const ssize_t n =
          ::send(socket_.native_handle(), out_.data() + sent_, out_.size() - sent_, MSG_NOSIGNAL);
      if (n > 0) {
        connected_ = true;
        phase_ = "sending the request";
        sent_ += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN)) {
        socket_.async_wait(tcp::socket::wait_write,
                           [self = shared_from_this()](const error_code& e) {
                             if (!e && !self->finished_) self->send();
                           });
        return;
      }
      if (n < 0 && errno == EINTR) continue;
      return fail(errno_code(n < 0 ? errno : EPIPE));
    }
    phase_ = "waiting for the response";
    receive();
  }

  void receive() {
    char chunk[4096];
    for (;;) {
      const ssize_t n = ::recv(socket_.native_handle(), chunk, sizeof chunk, 0);
      if (n > 0) {
        if (judge(reader_.feed({chunk, static_cast<std::size_t>(n)}))) return;
        continue;
      }
      if (n == 0) {
        judge(reader_.eof());
        return;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        socket_.async_wait(tcp::socket::wait_read,
                           [self = shared_from_this()](const error_code& e) {
                             if (!e && !self->finished_) self->receive();
                           });
        return;
      }
      return fail(errno_code(errno));
    }
  }

  // True when the exchange is over.
  bool judge(ResponseReader::State state) {
    if (reader_.header_done()) phase_ = "reading the body";
    if (state == ResponseReader::State::more) return false;
    if (state == ResponseReader::State::done) {
      result_.ok = true;
      result_.status = reader_.status();
      result_.body = reader_.body();
      result_.body_truncated = reader_.body_truncated();
      finish();
      return true;
    }
    result_.ok = false;
    result_.error = reader_.error();
    if (result_.error.rfind("connection closed", 0) == 0)
      result_.error += std::string(" (") + phase_ + ")";
    result_.failure = Failure::remote;
    finish();
    return true;
  }

  void fail(error_code ec) {
    if (finished_) return;
    result_.ok = false;
    result_.error = describe_failure(ec, elapsed(), phase_);
    result_.failure = classify_failure(ec);
    finish();
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
    result_.elapsed = elapsed();
    if (starting_) {
      // A refusal seen at once: still reported from the loop, never inline.
      asio::post(
          io_, [done = std::move(done_), r = std::move(result_)]() mutable { done(std::move(r)); });
      return;
    }
    done_(std::move(result_));
  }

  std::chrono::milliseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_);
  }

  asio::io_context& io_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  ClientRequest req_;
  std::function<void(ClientResult)> done_;
  Clock::time_point start_;
  std::string out_;  // the request
  std::size_t sent_ = 0;
  ResponseReader reader_;
  ClientResult result_;
  const char* phase_ = "connecting";
  bool connected_ = false;
  bool finished_ = false;
  bool starting_ = false;  // inside start(): done_ must not run before it returns
};

}  // namespace

void http_probe(Loop& loop, const ClientRequest& req, std::function<void(ClientResult)> done) {
  error_code ec;
  const asio::ip::address addr = asio::ip::make_address(req.host, ec);
  if (ec || req.tls) return http_request(loop, req, std::move(done));
  auto p = std::make_shared<Probe>(loop.impl().io, req, std::move(done));
  p->start(addr);
}

}  // namespace drpilot::net
