#include "dns/udp_worker.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "dns/answer.h"

namespace drpilot::dns {
namespace {

// Enough to amortise the system calls under load; small enough that one
// batch stays in cache.
constexpr int kBatch = 32;
// Bigger than any sane query: a datagram cut at this size is dropped.
constexpr std::size_t kReceiveSize = 4096;

union Control {
  cmsghdr align;  // cmsg buffers must be aligned like cmsghdr
  std::uint8_t bytes[CMSG_SPACE(sizeof(in6_pktinfo))];
};
static_assert(sizeof(in6_pktinfo) >= sizeof(in_pktinfo));

// All per-worker buffers in one allocation, reused for every batch.
struct Batch {
  std::array<std::array<std::uint8_t, kReceiveSize>, kBatch> in;
  std::array<std::array<std::uint8_t, kMaxUdpResponse>, kBatch> out;
  std::array<sockaddr_storage, kBatch> peers;
  std::array<Control, kBatch> control_in;
  std::array<Control, kBatch> control_out;
  std::array<iovec, kBatch> in_iov;
  std::array<iovec, kBatch> out_iov;
  std::array<mmsghdr, kBatch> in_msgs;
  std::array<mmsghdr, kBatch> out_msgs;
};

void prepare_receive(Batch& b, bool pktinfo) {
  for (int i = 0; i < kBatch; ++i) {
    b.in_iov[i] = {b.in[i].data(), kReceiveSize};
    msghdr& h = b.in_msgs[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &b.peers[i];
    h.msg_namelen = sizeof b.peers[i];
    h.msg_iov = &b.in_iov[i];
    h.msg_iovlen = 1;
    if (pktinfo) {
      h.msg_control = b.control_in[i].bytes;
      h.msg_controllen = sizeof b.control_in[i].bytes;
    }
    b.in_msgs[i].msg_len = 0;
  }
}

// The reply's source address: the destination the query was sent to. A host
// with several addresses on a wildcard socket would otherwise answer from
// whatever address routing picks, and resolvers drop such replies.
void set_reply_source(const msghdr& query, msghdr& reply, Control& control) {
  std::memset(control.bytes, 0, sizeof control.bytes);
  reply.msg_control = control.bytes;
  for (cmsghdr* c = CMSG_FIRSTHDR(&query); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&query), c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo received;
      std::memcpy(&received, CMSG_DATA(c), sizeof received);
      in_pktinfo source{};
      source.ipi_spec_dst = received.ipi_addr;
      reply.msg_controllen = CMSG_SPACE(sizeof source);
      cmsghdr* out = CMSG_FIRSTHDR(&reply);
      out->cmsg_level = IPPROTO_IP;
      out->cmsg_type = IP_PKTINFO;
      out->cmsg_len = CMSG_LEN(sizeof source);
      std::memcpy(CMSG_DATA(out), &source, sizeof source);
      return;
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo source;  // address and interface as received (link-local needs both)
      std::memcpy(&source, CMSG_DATA(c), sizeof source);
      reply.msg_controllen = CMSG_SPACE(sizeof source);
      cmsghdr* out = CMSG_FIRSTHDR(&reply);
      out->cmsg_level = IPPROTO_IPV6;
      out->cmsg_type = IPV6_PKTINFO;
      out->cmsg_len = CMSG_LEN(sizeof source);
      std::memcpy(CMSG_DATA(out), &source, sizeof source);
      return;
    }
  }
  reply.msg_control = nullptr;
  reply.msg_controllen = 0;
}

// Sends all prepared replies. A reply the kernel refuses (unreachable peer,
// full buffer for too long) is counted and skipped; it never stalls the rest.
void send_all(const UdpWorkerContext& ctx, mmsghdr* msgs, int count) {
  int sent = 0;
  while (sent < count) {
    const int n = sendmmsg(ctx.socket, msgs + sent, unsigned(count - sent), MSG_DONTWAIT);
    if (n > 0) {
      sent += n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd fds[2] = {{ctx.socket, POLLOUT, 0}, {ctx.stop_fd, POLLIN, 0}};
      if (poll(fds, 2, 100) > 0 && (fds[0].revents & POLLOUT) != 0) continue;
    }
    Counters::bump(ctx.counters->dropped);
    ++sent;
  }
}

}  // namespace

void run_udp_worker(const UdpWorkerContext& ctx) {
  auto batch = std::make_unique<Batch>();
  Batch& b = *batch;
  SnapshotReader reader(*ctx.slot);
  Counters& counters = *ctx.counters;
  // Receive blocks: one system call per batch whether the socket is busy or
  // idle, where a non-blocking receive would add a poll() and a failed
  // receive every time the queue runs dry. The server wakes a blocked
  // receive for shutdown with shutdown(SHUT_RD); sends never block.
  const int flags = fcntl(ctx.socket, F_GETFL);
  if (flags >= 0) fcntl(ctx.socket, F_SETFL, flags & ~O_NONBLOCK);
  while (!ctx.stopping->load(std::memory_order_relaxed)) {
    prepare_receive(b, ctx.pktinfo);
    // MSG_WAITFORONE: wait for the first datagram, then take what is queued.
    const int received = recvmmsg(ctx.socket, b.in_msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
    if (received <= 0) continue;  // EINTR, a transient error, or woken to stop
    const Snapshot* snapshot = reader.get();
    int replies = 0;
    for (int i = 0; i < received; ++i) {
      Counters::bump(counters.queries);
      const msghdr& query = b.in_msgs[i].msg_hdr;
      if ((query.msg_flags & MSG_TRUNC) != 0) {
        Counters::bump(counters.dropped);
        continue;
      }
      const AnswerResult r = answer(snapshot, b.in[i].data(), b.in_msgs[i].msg_len,
                                    b.out[replies].data(), kMaxUdpResponse, Transport::udp);
      if (r.size == 0) {
        Counters::bump(counters.dropped);
        continue;
      }
      counters.response(r.rcode);
      if (r.truncated) Counters::bump(counters.truncated);
      b.out_iov[replies] = {b.out[replies].data(), r.size};
      msghdr& reply = b.out_msgs[replies].msg_hdr;
      reply = msghdr{};
      reply.msg_name = &b.peers[i];
      reply.msg_namelen = query.msg_namelen;
      reply.msg_iov = &b.out_iov[replies];
      reply.msg_iovlen = 1;
      if (ctx.pktinfo) set_reply_source(query, reply, b.control_out[replies]);
      b.out_msgs[replies].msg_len = 0;
      ++replies;
    }
    send_all(ctx, b.out_msgs.data(), replies);
  }
}

}  // namespace drpilot::dns
