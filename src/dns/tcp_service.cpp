#include "dns/tcp_service.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <unordered_map>

#include "dns/answer.h"
#include "dns/socket.h"

namespace drpilot::dns {
namespace {

using Clock = std::chrono::steady_clock;

// A client may queue this much unanswered input / unsent output before we
// stop reading from it; it then has to read its answers to send more.
constexpr std::size_t kMaxBufferedInput = 2 * (2 + kMaxTcpMessage);
constexpr std::size_t kMaxPendingOutput = 256 * 1024;

struct Connection {
  Fd fd;
  std::vector<std::uint8_t> in;   // received octets not yet answered
  std::vector<std::uint8_t> out;  // framed responses not yet sent
  std::size_t out_sent = 0;
  Clock::time_point accepted;
  Clock::time_point last_active;
  bool peer_closed = false;   // EOF: answer what is complete, then close
  bool retiring = false;      // past its lifetime: read nothing more, finish sending, then close
  bool off_protocol = false;  // sent something unanswerable: finish sending, then close
  std::uint32_t events = 0;   // what epoll watches now

  std::size_t pending_output() const { return out.size() - out_sent; }
};

class TcpService {
 public:
  explicit TcpService(const TcpServiceContext& ctx)
      : ctx_(ctx), reader_(*ctx.slot), scratch_(2 + kMaxTcpMessage) {}

  void run() {
    epoll_ = Fd(epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_.valid()) return;
    watch(ctx_.stop_fd, EPOLLIN);
    for (int fd : ctx_.listeners) watch(fd, EPOLLIN);
    // Connections are swept a few times per idle timeout (or lifetime, if shorter).
    const auto tick = std::clamp(std::min(ctx_.idle_timeout, ctx_.max_lifetime) / 4,
                                 std::chrono::milliseconds(10), std::chrono::milliseconds(500));
    auto last_sweep = Clock::now();
    epoll_event events[64];
    while (!ctx_.stopping->load(std::memory_order_relaxed)) {
      const int n = epoll_wait(epoll_.get(), events, 64, int(tick.count()));
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == ctx_.stop_fd) continue;  // the loop condition sees the flag
        if (std::find(ctx_.listeners.begin(), ctx_.listeners.end(), fd) != ctx_.listeners.end()) {
          accept_all(fd);
        } else {
          on_ready(fd, events[i].events);
        }
      }
      const auto now = Clock::now();
      if (now - last_sweep >= tick) {
        last_sweep = now;
        sweep(now);
      }
    }
    connections_.clear();
  }

 private:
  void watch(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
  }

  void set_listeners(std::uint32_t events) {
    for (int fd : ctx_.listeners) {
      epoll_event ev{};
      ev.events = events;
      ev.data.fd = fd;
      epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev);
    }
  }

  void accept_all(int listener) {
    for (;;) {
      const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: a level-triggered listener would spin, so
          // stop watching listeners until the next sweep.
          set_listeners(0);
          listeners_paused_ = true;
        }
        return;
      }
      if (connections_.size() >= std::size_t(std::max(ctx_.max_connections, 0))) {
        // Counted before the close so the count is visible once the client
        // sees the connection end. Closed at once rather than left waiting.
        Counters::bump(ctx_.counters->tcp_rejected);
        ::close(fd);
        continue;
      }
      // Responses go out in one send each; Nagle would only delay the next.
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto conn = std::make_unique<Connection>();
      conn->fd = Fd(fd);
      conn->accepted = conn->last_active = Clock::now();
      conn->events = EPOLLIN | EPOLLRDHUP;
      watch(fd, conn->events);
      connections_.emplace(fd, std::move(conn));
      Counters::bump(ctx_.counters->tcp_connections);
    }
  }

  void on_ready(int fd, std::uint32_t events) {
    auto it = connections_.find(fd);
    if (it == connections_.end()) return;
    Connection& c = *it->second;
    bool ok = (events & EPOLLERR) == 0;
    if (ok && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) != 0 && !c.peer_closed && !c.retiring) {
      ok = receive(c);
    }
    if (ok && (events & EPOLLHUP) != 0 && c.peer_closed && (c.events & EPOLLIN) == 0) ok = false;
    // Answering and sending alternate until the socket stops taking output
    // or no complete message is left, so queries buffered while the output
    // was backed up are not forgotten once it drains.
    while (ok) {
      answer_complete(c);
      ok = flush(c);
      if (c.off_protocol || c.pending_output() >= kMaxPendingOutput || !has_complete_message(c)) {
        break;
      }
    }
    if (ok) ok = update_interest(c);
    if (!ok) connections_.erase(it);
  }

  static bool has_complete_message(const Connection& c) {
    return c.in.size() >= 2 && c.in.size() - 2 >= ((std::size_t(c.in[0]) << 8) | c.in[1]);
  }

  // Reads what the socket has, up to the input bound. False: connection lost.
  bool receive(Connection& c) {
    std::uint8_t chunk[16384];
    while (c.in.size() < kMaxBufferedInput) {
      const std::size_t room = std::min(sizeof chunk, kMaxBufferedInput - c.in.size());
      const ssize_t n = ::recv(c.fd.get(), chunk, room, 0);
      if (n > 0) {
        c.in.insert(c.in.end(), chunk, chunk + n);
        continue;
      }
      if (n == 0) {
        c.peer_closed = true;
        return true;
      }
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    return true;
  }

  // Answers every complete message in the input, in order, while the output
  // backlog allows.
  void answer_complete(Connection& c) {
    const Snapshot* snapshot = reader_.get();
    std::size_t pos = 0;
    while (!c.off_protocol && c.pending_output() < kMaxPendingOutput && c.in.size() - pos >= 2) {
      const std::size_t len = (std::size_t(c.in[pos]) << 8) | c.in[pos + 1];
      if (c.in.size() - pos - 2 < len) break;
      Counters::bump(ctx_.counters->queries);
      const AnswerResult r = answer(snapshot, c.in.data() + pos + 2, len, scratch_.data() + 2,
                                    kMaxTcpMessage, Transport::tcp);
      pos += 2 + len;
      c.last_active = Clock::now();
      if (r.size == 0) {
        // Too short to be a query, or a response: the peer is not speaking
        // DNS to us (or lost the framing). Nothing more it sends is trusted.
        Counters::bump(ctx_.counters->dropped);
        c.off_protocol = true;
        break;
      }
      ctx_.counters->response(r.rcode);
      if (r.truncated) Counters::bump(ctx_.counters->truncated);
      scratch_[0] = std::uint8_t(r.size >> 8);
      scratch_[1] = std::uint8_t(r.size);
      c.out.insert(c.out.end(), scratch_.begin(), scratch_.begin() + 2 + r.size);
    }
    if (c.off_protocol) {
      c.in.clear();
    } else {
      c.in.erase(c.in.begin(), c.in.begin() + std::ptrdiff_t(pos));
    }
  }

  // Sends what the socket takes. False: connection lost.
  bool flush(Connection& c) {
    while (c.pending_output() > 0) {
      const ssize_t n =
          ::send(c.fd.get(), c.out.data() + c.out_sent, c.pending_output(), MSG_NOSIGNAL);
      if (n > 0) {
        c.out_sent += std::size_t(n);
        c.last_active = Clock::now();
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return false;
    }
    if (c.out_sent == c.out.size()) {
      c.out.clear();
      c.out_sent = 0;
    } else if (c.out_sent > c.out.size() / 2) {
      c.out.erase(c.out.begin(), c.out.begin() + std::ptrdiff_t(c.out_sent));
      c.out_sent = 0;
    }
    return true;
  }

  // Re-arms epoll for what the connection now waits for. False: it is done.
  bool update_interest(Connection& c) {
    const bool finished_reading = c.peer_closed || c.off_protocol || c.retiring;
    if (finished_reading && c.pending_output() == 0) return false;
    std::uint32_t events = 0;
    if (!finished_reading && c.in.size() < kMaxBufferedInput &&
        c.pending_output() < kMaxPendingOutput) {
      events |= EPOLLIN | EPOLLRDHUP;
    }
    if (c.pending_output() > 0) events |= EPOLLOUT;
    if (events != c.events) {
      epoll_event ev{};
      ev.events = events;
      ev.data.fd = c.fd.get();
      if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev) != 0) return false;
      c.events = events;
    }
    return true;
  }

  // RFC 7766 §6.2.3: idle connections are closed. Only finished messages and
  // sent octets count as activity, so a client trickling a query one octet at
  // a time cannot hold a connection forever. Nor can one sending a query
  // just before every idle timeout: at its lifetime a connection is read no
  // more and closed once its answers are out; a client that does not read
  // them gets one idle timeout more (RFC 7766 §6.2.3 lets a server close a
  // connection when it must; the client opens another).
  void sweep(Clock::time_point now) {
    for (auto it = connections_.begin(); it != connections_.end();) {
      Connection& c = *it->second;
      const auto age = now - c.accepted;
      bool close = false;
      if (now - c.last_active > ctx_.idle_timeout) {
        Counters::bump(ctx_.counters->tcp_timeouts);
        close = true;
      } else if (age >= ctx_.max_lifetime) {
        if (!c.retiring) {
          Counters::bump(ctx_.counters->tcp_expired);
          c.retiring = true;
          close = !update_interest(c);
        }
        close = close || age >= ctx_.max_lifetime + ctx_.idle_timeout;
      }
      it = close ? connections_.erase(it) : std::next(it);
    }
    if (listeners_paused_) {
      set_listeners(EPOLLIN);
      listeners_paused_ = false;
    }
  }

  const TcpServiceContext& ctx_;
  SnapshotReader reader_;
  std::vector<std::uint8_t> scratch_;
  Fd epoll_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
  bool listeners_paused_ = false;
};

}  // namespace

void run_tcp_service(const TcpServiceContext& ctx) {
  TcpService(ctx).run();
}

}  // namespace drpilot::dns
