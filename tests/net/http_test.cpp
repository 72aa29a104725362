// The HTTP client and server against each other and against raw sockets that
// misbehave: every failure must become a short, accurate reason, bounded in
// time and memory. Every client test runs twice: with http_request (Beast,
// for everything) and with http_probe (the health checks' lean exchange),
// which must behave alike.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "net/http.h"
#include "net/http_probe.h"
#include "net/loop.h"
#include "net/url_codec.h"

namespace drpilot::net {
namespace {

using namespace std::chrono_literals;

using Client = void (*)(Loop&, ClientRequest, std::function<void(ClientResult)>);
Client client = nullptr;  // set by each parameterized test

void probe_client(Loop& loop, ClientRequest req, std::function<void(ClientResult)> done) {
  http_probe(loop, req, std::move(done));
}

// Runs `req` on `loop` until it completes (or 10 s pass, which fails the test).
ClientResult exchange(Loop& loop, ClientRequest req) {
  ClientResult out;
  bool done = false;
  (client ? client : http_request)(loop, std::move(req), [&](ClientResult r) {
    out = std::move(r);
    done = true;
    loop.stop();
  });
  Timer guard(loop);
  guard.start(10s, [&] { loop.stop(); });
  loop.run();
  EXPECT_TRUE(done) << "request did not complete";
  return out;
}

ClientRequest local(std::uint16_t port, std::string target = "/") {
  ClientRequest r;
  r.host = "127.0.0.1";
  r.port = port;
  r.target = std::move(target);
  r.timeout = 2s;
  r.connect_timeout = 1s;
  return r;
}

// A TCP listener on a thread that answers every connection with fixed bytes
// (or nothing), for responses no well-behaved server would send.
class RawServer {
 public:
  // `piece`: write the reply this many bytes at a time, pausing between
  // pieces (0: at once).
  explicit RawServer(std::string reply, bool close_after = true, std::size_t piece = 0)
      : reply_(std::move(reply)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    listen(fd_, 8);
    thread_ = std::thread([this, close_after, piece] {
      for (;;) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[4096];
        (void)!read(c, buf, sizeof buf);
        size_t off = 0;
        while (off < reply_.size()) {
          const size_t want = piece ? std::min(piece, reply_.size() - off) : reply_.size() - off;
          ssize_t n = write(c, reply_.data() + off, want);
          if (n <= 0) break;
          off += static_cast<size_t>(n);
          if (piece) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (close_after) {
          close(c);
        } else {
          held_.push_back(c);
        }
      }
    });
  }
  ~RawServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
    for (int c : held_) close(c);
  }
  std::uint16_t port() const { return port_; }

 private:
  std::string reply_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::vector<int> held_;
};

class HttpClient : public testing::TestWithParam<bool> {
 protected:
  void SetUp() override { client = GetParam() ? probe_client : http_request; }
  void TearDown() override { client = nullptr; }
  bool probe() const { return GetParam(); }
};

TEST_P(HttpClient, ServerAndClientExchange) {
  Loop loop;
  HttpServer server(loop, "127.0.0.1", 0, [](const ServerRequest& req, Responder respond) {
    ServerResponse r;
    r.content_type = "text/plain";
    r.body = req.method + " " + req.path + " q=" + (req.query.count("q") ? req.query.at("q") : "") +
             " host=" + req.headers.at("host");
    r.headers.push_back({"X-Test", "yes"});
    respond(r);
  });
  server.start();
  ClientRequest req = local(server.port(), "/some%20path?q=a%26b");
  req.host_header = "www.example.test";
  req.max_body = 1024;
  ClientResult r = exchange(loop, req);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET /some path q=a&b host=www.example.test");
  if (!probe()) EXPECT_EQ(r.headers["x-test"], "yes");  // the probe keeps no headers
  EXPECT_FALSE(r.body_truncated);
}

// Without a configured Host header, the client names the address it connects
// to the way RFC 9110 wants it: with a non-default port, IPv6 in brackets.
TEST_P(HttpClient, DefaultHostHeaderNamesAddressAndPort) {
  for (const std::string address : {"127.0.0.1", "::1"}) {
    SCOPED_TRACE(address);
    Loop loop;
    HttpServer server(loop, address, 0, [](const ServerRequest& req, Responder respond) {
      ServerResponse r;
      r.body = req.headers.at("host");
      respond(r);
    });
    try {
      server.start();
    } catch (const std::exception& e) {
      if (address == "::1") GTEST_SKIP() << "no IPv6 loopback: " << e.what();
      throw;
    }
    ClientRequest req = local(server.port(), "/");
    req.host = address;
    ClientResult r = exchange(loop, req);
    ASSERT_TRUE(r.ok) << r.error;
    const std::string shown = address == "::1" ? "[::1]" : address;
    EXPECT_EQ(r.body, shown + ":" + std::to_string(server.port()));
  }
}

TEST_P(HttpClient, PostBodyReachesHandler) {
  Loop loop;
  HttpServer server(loop, "127.0.0.1", 0, [](const ServerRequest& req, Responder respond) {
    respond({201, "application/json", req.body, {}});
  });
  server.start();
  ClientRequest req = local(server.port(), "/x");
  req.method = "POST";
  req.body = R"({"a":1})";
  req.max_body = 100;
  ClientResult r = exchange(loop, req);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"a":1})");
}

TEST_P(HttpClient, ConnectRefused) {
  Loop loop;
  HttpServer server(loop, "127.0.0.1", 0, [](const ServerRequest&, Responder r) { r({}); });
  server.start();
  std::uint16_t port = server.port();
  server.stop_listening(true);
  ClientResult r = exchange(loop, local(port));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "connect refused");
}

TEST_P(HttpClient, ListeningAgainAfterRefusal) {
  Loop loop;
  HttpServer server(loop, "127.0.0.1", 0, [](const ServerRequest&, Responder r) { r({}); });
  server.start();
  std::uint16_t port = server.port();
  server.stop_listening(true);
  EXPECT_FALSE(server.listening());
  server.start();
  EXPECT_EQ(server.port(), port);
  ClientResult r = exchange(loop, local(port));
  EXPECT_TRUE(r.ok) << r.error;
}

TEST_P(HttpClient, UnansweredRequestTimesOut) {
  Loop loop;
  HttpServer server(loop, "127.0.0.1", 0, [](const ServerRequest&, Responder) {});
  server.start();
  ClientRequest req = local(server.port());
  req.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  ClientResult r = exchange(loop, req);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("timeout after"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("waiting for the response"), std::string::npos) << r.error;
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 3s);
}

TEST_P(HttpClient, HeldRequestIsReleasedByClosingConnections) {
  Loop loop;
  HttpServer server(loop, "127.0.0.1", 0, [](const ServerRequest&, Responder) {});
  server.start();
  Timer closer(loop);
  closer.start(100ms, [&] { server.close_connections(); });
  ClientResult r = exchange(loop, local(server.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("closed by the server"), std::string::npos) << r.error;
}

TEST_P(HttpClient, LateResponderStillAnswers) {
  Loop loop;
  Timer later(loop);
  HttpServer server(loop, "127.0.0.1", 0, [&](const ServerRequest&, Responder respond) {
    later.start(50ms, [respond] { respond({200, "text/plain", "late", {}}); });
  });
  server.start();
  ClientRequest req = local(server.port());
  req.max_body = 100;
  ClientResult r = exchange(loop, req);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, "late");
  EXPECT_GE(r.elapsed, 45ms);
}

TEST_P(HttpClient, BodyIsReadOnlyUpToTheWindow) {
  Loop loop;
  HttpServer server(loop, "127.0.0.1", 0, [](const ServerRequest&, Responder respond) {
    respond({200, "text/plain", std::string(4 * 1024 * 1024, 'x'), {}});
  });
  server.start();
  ClientRequest req = local(server.port());
  req.max_body = 5 * 1024;
  ClientResult r = exchange(loop, req);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body.size(), 5u * 1024u);
  EXPECT_TRUE(r.body_truncated);
}

TEST_P(HttpClient, ZeroBodyWindowReadsOnlyTheStatus) {
  Loop loop;
  HttpServer server(loop, "127.0.0.1", 0, [](const ServerRequest&, Responder respond) {
    respond({503, "text/plain", "down", {}});
  });
  server.start();
  ClientRequest req = local(server.port());
  req.max_body = 0;
  ClientResult r = exchange(loop, req);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(r.body.empty());
}

TEST_P(HttpClient, GarbageResponseIsMalformed) {
  RawServer raw("this is not HTTP at all\r\n\r\n");
  Loop loop;
  ClientResult r = exchange(loop, local(raw.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("malformed HTTP response"), std::string::npos) << r.error;
}

TEST_P(HttpClient, HugeHeaderIsRefused) {
  RawServer raw("HTTP/1.1 200 OK\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
  Loop loop;
  ClientResult r = exchange(loop, local(raw.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "response header too large");
}

TEST_P(HttpClient, ConnectionClosedBeforeResponse) {
  RawServer raw("");
  Loop loop;
  ClientResult r = exchange(loop, local(raw.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("closed by the server"), std::string::npos) << r.error;
}

TEST_P(HttpClient, TruncatedBodyFailsWhenBodyMatters) {
  RawServer raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a little");
  Loop loop;
  ClientRequest req = local(raw.port());
  req.max_body = 5 * 1024;
  ClientResult r = exchange(loop, req);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("reading the body"), std::string::npos) << r.error;
}

TEST_P(HttpClient, SlowBodyHitsTheTotalDeadline) {
  RawServer raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", false);
  Loop loop;
  ClientRequest req = local(raw.port());
  req.timeout = 300ms;
  req.max_body = 5 * 1024;
  ClientResult r = exchange(loop, req);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("timeout after"), std::string::npos) << r.error;
}

TEST(Http, ServerRejectsMalformedRequest) {
  Loop loop;
  std::atomic<int> handled{0};
  HttpServer server(loop, "127.0.0.1", 0, [&](const ServerRequest&, Responder r) {
    ++handled;
    r({});
  });
  server.start();
  std::uint16_t port = server.port();
  std::string reply;
  std::thread client([&] {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    std::string junk = "GARBAGE\x01\x02 / HTTP/9.9\r\n\r\n";
    (void)!write(fd, junk.data(), junk.size());
    char buf[1024];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) reply.append(buf, static_cast<size_t>(n));
    close(fd);
    loop.post([&] { loop.stop(); });
  });
  loop.run();
  client.join();
  EXPECT_NE(reply.find("400"), std::string::npos) << reply;
  EXPECT_EQ(handled.load(), 0);
}

TEST(Http, ServerRejectsOversizedBody) {
  Loop loop;
  ServerOptions opts;
  opts.max_body = 1024;
  int handled = 0;
  HttpServer server(
      loop, "127.0.0.1", 0,
      [&](const ServerRequest&, Responder r) {
        ++handled;
        r({});
      },
      opts);
  server.start();
  ClientRequest req = local(server.port());
  req.method = "POST";
  req.body = std::string(4096, 'b');
  req.max_body = 1024;
  ClientResult r = exchange(loop, req);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(handled, 0);
}

TEST(Http, SlowClientIsDisconnected) {
  Loop loop;
  ServerOptions opts;
  opts.read_timeout = 200ms;
  HttpServer server(
      loop, "127.0.0.1", 0, [](const ServerRequest&, Responder r) { r({}); }, opts);
  server.start();
  std::uint16_t port = server.port();
  bool closed = false;
  std::thread client([&] {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    std::string partial = "GET / HTTP/1.1\r\nHost: x\r\n";  // never finished
    (void)!write(fd, partial.data(), partial.size());
    char buf[64];
    closed = read(fd, buf, sizeof buf) <= 0;  // returns when the server gives up
    close(fd);
    loop.post([&] { loop.stop(); });
  });
  Timer guard(loop);
  guard.start(5s, [&] { loop.stop(); });
  loop.run();
  client.join();
  EXPECT_TRUE(closed);
}

TEST(Http, BindFailureNamesTheAddress) {
  Loop loop;
  HttpServer first(loop, "127.0.0.1", 0, [](const ServerRequest&, Responder r) { r({}); });
  first.start();
  HttpServer second(loop, "127.0.0.1", first.port(),
                    [](const ServerRequest&, Responder r) { r({}); });
  try {
    second.start();
    FAIL() << "binding a used port succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(first.port())),
              std::string::npos)
        << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(BothClients, HttpClient, testing::Values(false, true),
                         [](const testing::TestParamInfo<bool>& i) {
                           return i.param ? std::string("Probe") : std::string("Request");
                         });

// A body sent in chunks is read through its chunk framing, by both clients.
TEST_P(HttpClient, ChunkedBodyIsDecoded) {
  RawServer raw(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nok\r\n0\r\n\r\n");
  Loop loop;
  ClientRequest req = local(raw.port());
  req.max_body = 100;
  ClientResult r = exchange(loop, req);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, "abcok");
}

// A header that arrives a few bytes at a time is put together.
TEST_P(HttpClient, AResponseInPiecesIsPutTogether) {
  RawServer raw("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n", true, 3);
  Loop loop;
  ClientResult r = exchange(loop, local(raw.port()));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 204);
}

TEST(HttpProbe, ItsSocketsAreCloseOnExec) {
  // What a hook started during a check must not inherit.
  Loop loop;
  HttpServer server(loop, "127.0.0.1", 0, [](const ServerRequest&, Responder) {});
  server.start();
  ClientRequest req = local(server.port());
  req.timeout = 300ms;
  auto open_fds = [] {
    std::set<int> fds;
    for (int fd = 0; fd < 4096; ++fd) {
      if (fcntl(fd, F_GETFD) >= 0) fds.insert(fd);
    }
    return fds;
  };
  const std::set<int> before = open_fds();
  bool done = false;
  http_probe(loop, req, [&](ClientResult) {
    done = true;
    loop.stop();
  });
  // The probe's socket exists now; the server has not accepted it yet.
  std::set<int> added = open_fds();
  for (int fd : before) added.erase(fd);
  ASSERT_EQ(added.size(), 1u);
  EXPECT_TRUE(fcntl(*added.begin(), F_GETFD) & FD_CLOEXEC);
  loop.run();
  EXPECT_TRUE(done);
}

TEST(Http, SyncRequestToNothing) {
  ClientRequest req = local(1);  // port 1: nothing listens
  ClientResult r = http_request_sync(req);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "connect refused");
}

TEST(Url, Parses) {
  std::string err;
  auto u = parse_url("http://127.0.0.1:8080/api", err);
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/api");
  u = parse_url("https://[::1]/", err);
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 443);
  u = parse_url("http://localhost", err);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/");
}

TEST(Url, RejectsBadOnes) {
  std::string err;
  for (const char* bad : {"ftp://x", "127.0.0.1:8080", "http://", "http://h:0", "http://h:70000",
                          "http://h:12ab", "http://[::1"}) {
    EXPECT_FALSE(parse_url(bad, err)) << bad;
    EXPECT_FALSE(err.empty());
  }
}

TEST(UrlCodec, RoundTripsAndQueries) {
  EXPECT_EQ(url_decode(url_encode("a b/c?d=e&f")), "a b/c?d=e&f");
  EXPECT_EQ(url_decode("%zz%4"), "%zz%4");
  auto q = parse_query("a=1&b=two+words&c&=x&d=%41");
  EXPECT_EQ(q["a"], "1");
  EXPECT_EQ(q["b"], "two words");
  EXPECT_EQ(q["c"], "");
  EXPECT_EQ(q["d"], "A");
  EXPECT_EQ(q.count(""), 0u);
}

}  // namespace
}  // namespace drpilot::net
