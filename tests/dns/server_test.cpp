// A real Server on 127.0.0.1 with ephemeral ports, queried over UDP and TCP
// with the client and with hand-made sockets.

#include "dns/server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "dns/client.h"
#include "dns/socket.h"
#include "test_zone.h"

namespace drpilot::dns {
namespace {

using namespace std::chrono_literals;
using fixture::addresses;
using fixture::params;
using fixture::test_snapshot;
using Bytes = std::vector<std::uint8_t>;

constexpr auto kTimeout = 3s;  // generous: only hit when something is broken

ServerOptions loopback_options() {
  ServerOptions o;
  o.listen = {{"127.0.0.1", 0}};
  o.udp_threads = 2;
  return o;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start(loopback_options()); }

  void start(ServerOptions options) {
    server_ = std::make_unique<Server>(std::move(options));
    server_->publish(test_snapshot());
    server_->start();
    port_ = server_->bound_port(0);
    ASSERT_NE(port_, 0);
  }

  std::optional<Message> query(const std::string& name, std::uint16_t qtype, bool tcp = false) {
    std::string error;
    auto m = dns::query("127.0.0.1", port_, name, qtype, kTimeout, tcp, &error);
    EXPECT_TRUE(m.has_value()) << error;
    return m;
  }

  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
};

// --- raw sockets ------------------------------------------------------------

Fd connect_tcp(std::uint16_t port) {
  auto addr = parse_socket_address("127.0.0.1", port);
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (connect(fd.get(), addr->sa(), addr->size) != 0) ADD_FAILURE() << "connect failed";
  return fd;
}

void send_bytes(int fd, const Bytes& b) {
  ASSERT_EQ(::send(fd, b.data(), b.size(), MSG_NOSIGNAL), ssize_t(b.size()));
}

Bytes framed(const Bytes& msg) {
  Bytes out(2 + msg.size());
  out[0] = std::uint8_t(msg.size() >> 8);
  out[1] = std::uint8_t(msg.size());
  std::copy(msg.begin(), msg.end(), out.begin() + 2);
  return out;
}

// Reads exactly n octets; empty on EOF, error or timeout.
Bytes read_n(int fd, std::size_t n) {
  Bytes out(n);
  std::size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (got < n) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || poll(&p, 1, int(left.count())) <= 0) return {};
    const ssize_t r = ::recv(fd, out.data() + got, n - got, 0);
    if (r <= 0) return {};
    got += std::size_t(r);
  }
  return out;
}

std::optional<Message> read_frame(int fd) {
  Bytes len = read_n(fd, 2);
  if (len.empty()) return std::nullopt;
  Bytes body = read_n(fd, (std::size_t(len[0]) << 8) | len[1]);
  Message m;
  if (parse_message(body.data(), body.size(), m) != WireError::none) return std::nullopt;
  return m;
}

// True once the peer closed the connection (EOF or reset) within kTimeout.
bool closed_by_peer(int fd) {
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  std::uint8_t buf[512];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r <= 0) return true;
  }
  return false;
}

Bytes query_bytes(const std::string& name, std::uint16_t qtype, std::uint16_t id) {
  return *build_query(params(name, qtype, id));
}

// --- tests -------------------------------------------------------------------

TEST_F(ServerTest, AnswersOverUdpAndTcpOnTheSamePort) {
  auto udp = query("www.example.test", type::A);
  ASSERT_TRUE(udp);
  EXPECT_TRUE(udp->header.aa);
  EXPECT_EQ(addresses(udp->answers),
            (std::vector<std::string>{"198.51.100.1", "192.0.2.1", "192.0.2.2"}));
  auto tcp = query("www.example.test", type::AAAA, true);
  ASSERT_TRUE(tcp);
  EXPECT_EQ(addresses(tcp->answers), (std::vector<std::string>{"2001:db8::1"}));
  auto nx = query("nope.example.test", type::A, true);
  ASSERT_TRUE(nx);
  EXPECT_EQ(nx->rcode(), rcode::NXDOMAIN);
}

TEST_F(ServerTest, TruncatedUdpAnswerIsCompleteOverTcp) {
  QueryOptions o;
  o.tcp_fallback = false;
  auto m = dns::query("127.0.0.1", port_, "big.example.test", type::A, kTimeout, o);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->header.tc);
  o.tcp_fallback = true;
  m = dns::query("127.0.0.1", port_, "big.example.test", type::A, kTimeout, o);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->header.tc);
  EXPECT_EQ(m->answers.size(), 100u);
}

TEST(Server, ServfailBeforeTheFirstPublish) {
  Server server(loopback_options());
  server.start();
  auto m = query("127.0.0.1", server.bound_port(0), "www.example.test", type::A, kTimeout);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->rcode(), rcode::SERVFAIL);
  server.publish(test_snapshot());
  m = query("127.0.0.1", server.bound_port(0), "www.example.test", type::A, kTimeout);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->rcode(), rcode::NOERROR);
}

TEST_F(ServerTest, PipelinedQueriesOnOneConnectionAnswerInOrder) {
  Fd fd = connect_tcp(port_);
  Bytes all;
  const std::vector<std::pair<std::string, std::uint16_t>> queries = {
      {"www.example.test", type::A}, {"nope.example.test", type::A}, {"example.test", type::SOA}};
  for (std::size_t i = 0; i < queries.size(); ++i) {
    Bytes f = framed(query_bytes(queries[i].first, queries[i].second, std::uint16_t(100 + i)));
    all.insert(all.end(), f.begin(), f.end());
  }
  send_bytes(fd.get(), all);  // one write, three messages
  for (std::size_t i = 0; i < queries.size(); ++i) {
    auto m = read_frame(fd.get());
    ASSERT_TRUE(m) << i;
    EXPECT_EQ(m->header.id, 100 + i);
  }
  // The connection stays usable.
  send_bytes(fd.get(), framed(query_bytes("www.example.test", type::AAAA, 200)));
  auto m = read_frame(fd.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.id, 200);
}

TEST_F(ServerTest, QuerySplitAcrossSendsIsReassembled) {
  Fd fd = connect_tcp(port_);
  const Bytes f = framed(query_bytes("www.example.test", type::A, 7));
  // The pauses make the server read the pieces separately.
  send_bytes(fd.get(), Bytes(f.begin(), f.begin() + 1));  // half the length prefix
  std::this_thread::sleep_for(20ms);
  send_bytes(fd.get(), Bytes(f.begin() + 1, f.begin() + 9));
  std::this_thread::sleep_for(20ms);
  send_bytes(fd.get(), Bytes(f.begin() + 9, f.end()));
  auto m = read_frame(fd.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.id, 7);
  EXPECT_EQ(m->answers.size(), 3u);
}

TEST_F(ServerTest, SlowClientDoesNotBlockOthers) {
  Fd slow = connect_tcp(port_);
  send_bytes(slow.get(), {0x00, 0x40, 0xAB});  // promises 64 octets, sends one
  auto m = query("www.example.test", type::A, true);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->answers.size(), 3u);
  EXPECT_TRUE(query("www.example.test", type::A, false));
}

TEST_F(ServerTest, GarbageOverUdpThenAValidQuery) {
  auto addr = parse_socket_address("127.0.0.1", port_);
  Fd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_EQ(connect(fd.get(), addr->sa(), addr->size), 0);
  const std::vector<Bytes> garbage = {
      {},
      {0x01},
      Bytes(11, 0xFF),
      Bytes(200, 0xFF),                                               // QR set: dropped
      {0xAB, 0xCD, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x3F}};  // FORMERR
  for (const Bytes& g : garbage) ::send(fd.get(), g.data(), g.size(), 0);
  // Only the last one deserves (and gets) an answer: FORMERR.
  pollfd p{fd.get(), POLLIN, 0};
  ASSERT_GT(poll(&p, 1, 3000), 0);
  std::uint8_t buf[512];
  const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
  ASSERT_GE(n, 12);
  Message m;
  ASSERT_EQ(parse_message(buf, std::size_t(n), m), WireError::none);
  EXPECT_EQ(m.header.id, 0xABCD);
  EXPECT_EQ(m.rcode(), rcode::FORMERR);
  auto ok = query("www.example.test", type::A);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->answers.size(), 3u);
  const Stats s = server_->stats();
  EXPECT_GE(s.dropped, 4u);
  EXPECT_GE(s.responses[rcode::FORMERR], 1u);
}

TEST_F(ServerTest, MalformedTcpMessageGetsFormerrAndTheConnectionGoesOn) {
  Fd fd = connect_tcp(port_);
  send_bytes(fd.get(), framed({0xAB, 0xCD, 0x01, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0}));
  auto m = read_frame(fd.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->rcode(), rcode::FORMERR);
  send_bytes(fd.get(), framed(query_bytes("www.example.test", type::A, 9)));
  m = read_frame(fd.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.id, 9);
  EXPECT_EQ(m->answers.size(), 3u);
}

TEST_F(ServerTest, NonDnsTcpInputClosesThatConnectionOnly) {
  Fd junk = connect_tcp(port_);
  send_bytes(junk.get(), {0x00, 0x03, 'G', 'E', 'T'});  // too short to be DNS
  EXPECT_TRUE(closed_by_peer(junk.get()));
  Fd http = connect_tcp(port_);
  const std::string req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";  // "GE" = a 18245-octet frame
  send_bytes(http.get(), Bytes(req.begin(), req.end()));
  auto m = query("www.example.test", type::A, true);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->answers.size(), 3u);
}

TEST(Server, SnapshotSwapNeverMixesAnswers) {
  auto d = fixture::test_data();
  d.plan.records["www.example.test/A"].sites = {"ams"};
  auto old_snap = build_snapshot(d.zones, d.sites, d.records, d.plan);
  d.plan.generation = 8;
  d.plan.records["www.example.test/A"].sites = {"nyc"};
  auto new_snap = build_snapshot(d.zones, d.sites, d.records, d.plan);
  const std::vector<std::string> old_answer = {"192.0.2.1", "192.0.2.2"};
  const std::vector<std::string> new_answer = {"203.0.113.1"};

  Server server(loopback_options());
  server.publish(old_snap);
  server.start();
  const std::uint16_t port = server.bound_port(0);

  std::atomic<bool> done{false};
  std::thread publisher([&] {
    for (int i = 0; !done; ++i) {
      server.publish(i % 2 ? old_snap : new_snap);
      std::this_thread::sleep_for(200us);
    }
  });
  int olds = 0, news = 0, bad = 0, lost = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  for (int i = 0; i < 4000 || olds == 0 || news == 0; ++i) {
    if (std::chrono::steady_clock::now() > deadline) break;
    auto m = query("127.0.0.1", port, "www.example.test", type::A, kTimeout, i % 10 == 0);
    if (!m) {
      ++lost;
      continue;
    }
    const auto got = addresses(m->answers);
    if (got == old_answer) {
      ++olds;
    } else if (got == new_answer) {
      ++news;
    } else {
      ++bad;
    }
  }
  done = true;
  publisher.join();
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(lost, 0);
  EXPECT_GT(olds, 0);
  EXPECT_GT(news, 0);
}

TEST(Server, StopIsPromptAndIdempotent) {
  auto server = std::make_unique<Server>(loopback_options());
  server->publish(test_snapshot());
  server->start();
  Fd idle = connect_tcp(server->bound_port(0));
  Fd partial = connect_tcp(server->bound_port(0));
  send_bytes(partial.get(), {0x00, 0x20, 0x01});
  std::this_thread::sleep_for(20ms);  // the server is mid-read on `partial` (or soon will be)
  const auto t0 = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  server->stop();
  EXPECT_TRUE(closed_by_peer(idle.get()));
  const auto t1 = std::chrono::steady_clock::now();
  server.reset();  // destructor after stop
  EXPECT_LT(std::chrono::steady_clock::now() - t1, 2s);
}

TEST(Server, DestructorStopsARunningServer) {
  const auto t0 = std::chrono::steady_clock::now();
  {
    Server server(loopback_options());
    server.start();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST(Server, PortInUseIsAClearError) {
  // Hold a TCP listener on an ephemeral port, then ask for that port.
  auto addr = parse_socket_address("127.0.0.1", 0);
  Fd holder = open_tcp_listener(*addr, 1);
  const std::uint16_t port = local_port(holder.get());
  ServerOptions o = loopback_options();
  o.listen = {{"127.0.0.1", port}};
  Server server(o);
  try {
    server.start();
    FAIL() << "start() should have thrown";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot listen on tcp 127.0.0.1:" + std::to_string(port) +
                                         ": Address already in use");
  }
}

TEST(Server, UdpPortInUseIsAClearError) {
  // Hold a UDP port whose TCP twin is free (other tests' clients may be
  // using it), so that the UDP bind is the one that fails.
  auto addr = parse_socket_address("127.0.0.1", 0);
  Fd holder;
  std::uint16_t port = 0;
  for (int attempt = 0; attempt < 50 && port == 0; ++attempt) {
    holder = open_udp_socket(*addr, false);
    auto probe = parse_socket_address("127.0.0.1", local_port(holder.get()));
    try {
      open_tcp_listener(*probe, 1);
      port = probe->port();
    } catch (const ListenError&) {
    }
  }
  ASSERT_NE(port, 0);
  ServerOptions o = loopback_options();
  o.listen = {{"127.0.0.1", port}};
  Server server(o);
  try {
    server.start();
    FAIL() << "start() should have thrown";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot listen on udp 127.0.0.1:" + std::to_string(port) +
                                         ": Address already in use");
  }
}

TEST(Server, BadListenAddressAndDoubleStart) {
  ServerOptions o = loopback_options();
  o.listen = {{"localhost", 0}};
  Server bad(o);
  EXPECT_THROW(bad.start(), std::runtime_error);
  Server none(ServerOptions{});
  EXPECT_THROW(none.start(), std::runtime_error);
  Server ok(loopback_options());
  ok.start();
  EXPECT_THROW(ok.start(), std::logic_error);
}

TEST(Server, SeveralListenAddresses) {
  ServerOptions o = loopback_options();
  o.listen = {{"127.0.0.1", 0}, {"127.0.0.1", 0}};
  o.udp_threads = 1;
  Server server(o);
  server.publish(test_snapshot());
  server.start();
  EXPECT_NE(server.bound_port(0), server.bound_port(1));
  EXPECT_EQ(server.bound_port(2), 0);
  for (std::size_t i = 0; i < 2; ++i) {
    for (bool tcp : {false, true}) {
      auto m = query("127.0.0.1", server.bound_port(i), "www.example.test", type::A, kTimeout, tcp);
      ASSERT_TRUE(m);
      EXPECT_EQ(m->answers.size(), 3u);
    }
  }
}

TEST(Server, Ipv6Loopback) {
  ServerOptions o;
  o.listen = {{"::1", 0}};
  o.udp_threads = 1;
  Server server(o);
  server.publish(test_snapshot());
  try {
    server.start();
  } catch (const std::runtime_error& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  for (bool tcp : {false, true}) {
    auto m = query("::1", server.bound_port(0), "www.example.test", type::AAAA, kTimeout, tcp);
    ASSERT_TRUE(m);
    EXPECT_EQ(addresses(m->answers), (std::vector<std::string>{"2001:db8::1"}));
  }
}

TEST(Server, WildcardListenRepliesFromTheQueriedAddress) {
  ServerOptions o;
  o.listen = {{"0.0.0.0", 0}};
  o.udp_threads = 1;
  Server server(o);
  server.publish(test_snapshot());
  server.start();
  // 127.0.0.2 is loopback too; a reply from 127.0.0.1 would be rejected by
  // the connected client socket.
  for (const char* ip : {"127.0.0.1", "127.0.0.2"}) {
    auto m = query(ip, server.bound_port(0), "www.example.test", type::A, kTimeout);
    ASSERT_TRUE(m) << ip;
    EXPECT_EQ(m->answers.size(), 3u);
  }
}

TEST(Server, ConnectionsOverTheCapAreClosed) {
  ServerOptions o = loopback_options();
  o.max_tcp_connections = 2;
  Server server(o);
  server.publish(test_snapshot());
  server.start();
  const std::uint16_t port = server.bound_port(0);
  std::vector<Fd> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(connect_tcp(port));
    send_bytes(held.back().get(), framed(query_bytes("www.example.test", type::A, 1)));
    ASSERT_TRUE(read_frame(held.back().get()));  // accepted and served
  }
  Fd extra = connect_tcp(port);
  EXPECT_TRUE(closed_by_peer(extra.get()));
  EXPECT_GE(server.stats().tcp_rejected, 1u);
  held.clear();
  // Freed slots are reusable.
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  std::optional<Message> m;
  while (!m && std::chrono::steady_clock::now() < deadline) {
    m = query("127.0.0.1", port, "www.example.test", type::A, 500ms, true);
  }
  EXPECT_TRUE(m);
}

TEST(Server, IdleConnectionsAreClosed) {
  ServerOptions o = loopback_options();
  o.tcp_idle_timeout = 100ms;
  Server server(o);
  server.publish(test_snapshot());
  server.start();
  Fd idle = connect_tcp(server.bound_port(0));
  Fd trickle = connect_tcp(server.bound_port(0));
  send_bytes(trickle.get(), {0x00});  // half a length prefix, then nothing
  EXPECT_TRUE(closed_by_peer(idle.get()));
  EXPECT_TRUE(closed_by_peer(trickle.get()));
  EXPECT_GE(server.stats().tcp_timeouts, 2u);
}

// RFC 7766 §6.2.3 bounds idleness; a client that sends one query a little
// more often than the idle timeout would still keep its connection, and its
// slot, for ever. At its maximum lifetime the connection is closed however
// busy it is, while a younger connection goes on being served and the freed
// slot takes a new client.
TEST(Server, ABusyConnectionIsClosedAtItsMaximumLifetime) {
  using Clock = std::chrono::steady_clock;
  ServerOptions o = loopback_options();
  o.tcp_idle_timeout = 500ms;
  o.tcp_max_lifetime = 2s;
  o.max_tcp_connections = 2;
  Server server(o);
  server.publish(test_snapshot());
  server.start();
  const std::uint16_t port = server.bound_port(0);

  const auto start = Clock::now();
  Fd holder = connect_tcp(port);
  Fd younger, third;
  std::optional<Clock::duration> closed_after;
  int answered = 0;
  for (std::uint16_t id = 1; !closed_after && Clock::now() - start < 6s; ++id) {
    // The holder's query; a write to a connection the server closed may fail.
    const Bytes q = framed(query_bytes("www.example.test", type::A, id));
    (void)!::send(holder.get(), q.data(), q.size(), MSG_NOSIGNAL);
    auto m = read_frame(holder.get());
    if (!m) {
      closed_after = Clock::now() - start;
      break;
    }
    EXPECT_EQ(m->header.id, id);
    ++answered;
    if (!younger.valid() && Clock::now() - start >= 1s) {
      younger = connect_tcp(port);
      // Both slots are taken now: a third client is turned away.
      third = connect_tcp(port);
      EXPECT_TRUE(closed_by_peer(third.get()));
    }
    if (younger.valid()) {
      send_bytes(younger.get(), framed(query_bytes("www.example.test", type::A, id)));
      ASSERT_TRUE(read_frame(younger.get())) << "the younger connection is not served";
    }
    // A query every 300ms keeps the holder well inside the 500ms idle timeout.
    std::this_thread::sleep_for(300ms);
  }
  ASSERT_TRUE(closed_after) << "a connection that sent a query every 300ms was never closed";
  EXPECT_GE(*closed_after, 2s);
  EXPECT_LT(*closed_after, 2s + 800ms);
  EXPECT_GE(answered, 5);

  // The younger connection (its own lifetime ends a second later) is still
  // served, and the slot the holder had takes a new client.
  send_bytes(younger.get(), framed(query_bytes("www.example.test", type::A, 999)));
  EXPECT_TRUE(read_frame(younger.get()));
  Fd next = connect_tcp(port);
  send_bytes(next.get(), framed(query_bytes("www.example.test", type::A, 1000)));
  EXPECT_TRUE(read_frame(next.get()));
  const Stats stats = server.stats();
  EXPECT_EQ(stats.tcp_expired, 1u);
  EXPECT_EQ(stats.tcp_timeouts, 0u);
  EXPECT_GE(stats.tcp_rejected, 1u);
}

TEST_F(ServerTest, StatsCountQueriesAndResponses) {
  ASSERT_TRUE(query("www.example.test", type::A));
  ASSERT_TRUE(query("nope.example.test", type::A));
  ASSERT_TRUE(query("other.net", type::A, true));
  QueryOptions o;
  o.tcp_fallback = false;
  ASSERT_TRUE(dns::query("127.0.0.1", port_, "big.example.test", type::A, kTimeout, o));
  const Stats s = server_->stats();
  EXPECT_EQ(s.queries_udp, 3u);
  EXPECT_EQ(s.queries_tcp, 1u);
  EXPECT_EQ(s.responses[rcode::NOERROR], 2u);
  EXPECT_EQ(s.responses[rcode::NXDOMAIN], 1u);
  EXPECT_EQ(s.responses[rcode::REFUSED], 1u);
  EXPECT_EQ(s.truncated, 1u);
  EXPECT_EQ(s.responses_total(), 4u);
  EXPECT_EQ(s.tcp_connections, 1u);
}

TEST(Client, ReportsErrors) {
  std::string error;
  EXPECT_FALSE(query("not-an-ip", 53, "x.test", type::A, 100ms, false, &error));
  EXPECT_NE(error.find("not a numeric IP address"), std::string::npos) << error;
  EXPECT_FALSE(query("127.0.0.1", 53, "a..b", type::A, 100ms, false, &error));
  EXPECT_NE(error.find("not a valid domain name"), std::string::npos) << error;
  // Nobody answers on a port we hold but never read.
  auto addr = parse_socket_address("127.0.0.1", 0);
  Fd silent = open_udp_socket(*addr, false);
  EXPECT_FALSE(
      query("127.0.0.1", local_port(silent.get()), "x.test", type::A, 100ms, false, &error));
  EXPECT_NE(error.find("no answer"), std::string::npos) << error;
}

}  // namespace
}  // namespace drpilot::dns
