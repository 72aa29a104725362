// HTTP/1.1 server on Beast, one coroutine per connection. Requests are
// bounded (header 16 KiB, body by `body_limit` decided from the head before
// the body is read, `read_timeout` per request), connections too (idle time,
// lifetime, request rate, per-client and total counts with the longest-idle
// evicted first), so a slow, hostile or merely numerous client costs little
// and never locks the others out. A handler that throws is answered 500.
// With a certificate and key the same conversation runs over TLS.

#include <utility>  // before Boost.Asio 1.74

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "net/http.h"
#include "net/loop_impl.h"
#include "net/url_codec.h"

namespace drpilot::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = ssl::stream<beast::tcp_stream&>;

constexpr auto kWriteTimeout = std::chrono::seconds(10);

using Clock = std::chrono::steady_clock;

struct Session {
  Session(tcp::socket s, std::string remote)
      : stream(std::move(s)), wake(stream.get_executor()), remote(std::move(remote)) {}

  void close() {
    if (closed) return;
    closed = true;
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
    wake.cancel();
  }

  // Token bucket: `rate` a second, a burst of twice that.
  bool take_request(double rate, Clock::time_point now) {
    if (rate <= 0) return true;
    const double burst = 2 * rate;
    const std::chrono::duration<double> since = now - refilled;
    tokens = std::min(burst, tokens + since.count() * rate);
    refilled = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  asio::steady_timer wake;  // parks the coroutine until the handler responds
  std::optional<ServerResponse> response;
  bool closed = false;
  const std::string remote;  // the peer's address
  const Clock::time_point opened = Clock::now();
  bool idle = true;  // waiting for the first byte of a request
  Clock::time_point idle_since = opened;
  double tokens = -1;  // < 0: not started (a full bucket)
  Clock::time_point refilled = opened;
};

ServerRequest convert(const http::request<http::string_body>& req, const std::string& remote) {
  ServerRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  size_t q = r.target.find('?');
  r.path = url_decode(r.target.substr(0, q));
  if (q != std::string::npos) r.query = parse_query(r.target.substr(q + 1));
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(field.value());
  }
  r.body = req.body();
  r.remote = remote;
  return r;
}

http::response<http::string_body> to_beast(const ServerResponse& resp, unsigned version,
                                           bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(resp.status), version};
  res.set(http::field::server, "drpilot");
  res.set(http::field::content_type, resp.content_type);
  for (const auto& [k, v] : resp.headers) res.set(k, v);
  res.keep_alive(keep_alive);
  res.body() = resp.body;
  res.prepare_payload();
  return res;
}

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  ERR_clear_error();
  return text;
}

std::unique_ptr<ssl::context> load_tls(const ServerOptions& o) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, o.tls_certificate_file.c_str()) != 1) {
    throw std::runtime_error("cannot load the TLS certificate " + o.tls_certificate_file + ": " +
                             openssl_error());
  }
  const bool key_loaded =
      SSL_CTX_use_PrivateKey_file(native, o.tls_key_file.c_str(), SSL_FILETYPE_PEM) == 1;
  const std::string why = key_loaded ? "" : openssl_error();
  // A key of another certificate loads, and fails as "key values mismatch".
  if (!key_loaded && why.find("mismatch") == std::string::npos) {
    throw std::runtime_error("cannot load the TLS key " + o.tls_key_file + ": " + why);
  }
  if (!key_loaded || SSL_CTX_check_private_key(native) != 1) {
    throw std::runtime_error("the TLS key " + o.tls_key_file + " does not match the certificate " +
                             o.tls_certificate_file);
  }
  return ctx;
}

ServerResponse error_response(int status, const std::string& message) {
  ServerResponse r;
  r.status = status;
  r.body = "{\"error\":\"" + message + "\"}\n";
  return r;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, std::string address, std::uint16_t port, Handler handler,
       ServerOptions options)
      : io(io),
        address(std::move(address)),
        port(port),
        handler(std::move(handler)),
        options(options),
        tls(options.tls_certificate_file.empty() ? nullptr : load_tls(options)) {}

  void listen() {
    if (acceptor) return;
    beast::error_code ec;
    auto addr = asio::ip::make_address(address, ec);
    if (ec) throw std::runtime_error("cannot listen on http " + address + ": not an IP address");
    tcp::endpoint ep(addr, bound_port ? bound_port : port);
    auto acc = std::make_unique<tcp::acceptor>(io);
    auto fail = [&](const char* what) {
      throw std::runtime_error("cannot listen on http " + address + ":" +
                               std::to_string(ep.port()) + ": " + what + ": " + ec.message());
    };
    acc->open(ep.protocol(), ec);
    if (ec) fail("open");
    close_on_exec(acc->native_handle());
    acc->set_option(asio::socket_base::reuse_address(true), ec);
    acc->bind(ep, ec);
    if (ec) fail("bind");
    acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail("listen");
    bound_port = acc->local_endpoint().port();
    acceptor = std::move(acc);
    asio::co_spawn(io, accept_loop(shared_from_this(), acceptor.get()), asio::detached);
  }

  void unlisten() {
    if (!acceptor) return;
    beast::error_code ec;
    acceptor->close(ec);
    // The accept loop still references it until it observes the close.
    retired.push_back(std::move(acceptor));
  }

  void close_all() {
    auto copy = sessions;
    for (const auto& s : copy) s->close();
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self, tcp::acceptor* acc) {
    for (;;) {
      beast::error_code ec;
      tcp::socket sock = co_await acc->async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (!acc->is_open()) break;
      if (ec) {
        // Out of descriptors and the like: back off briefly rather than spin.
        asio::steady_timer t(self->io, std::chrono::milliseconds(50));
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      close_on_exec(sock.native_handle());
      std::string remote;
      if (auto ep = sock.remote_endpoint(ec); !ec) remote = ep.address().to_string();
      if (!self->make_room(remote)) {
        sock.close(ec);
        continue;
      }
      auto s = std::make_shared<Session>(std::move(sock), std::move(remote));
      self->sessions.insert(s);
      asio::co_spawn(self->io, serve(self, s), asio::detached);
    }
    std::erase_if(self->retired, [acc](const auto& p) { return p.get() == acc; });
  }

  // Room for one more connection from `remote`: true when there is (after
  // closing the longest-idle connection if the server, or that client, is at
  // its limit), false when every connection in the way is busy.
  bool make_room(const std::string& remote) {
    auto evict_idlest = [&](bool same_client) {
      std::shared_ptr<Session> idlest;
      for (const auto& s : sessions) {
        if (!s->idle || s->closed || (same_client && s->remote != remote)) continue;
        if (!idlest || s->idle_since < idlest->idle_since) idlest = s;
      }
      if (!idlest) return false;
      idlest->close();
      sessions.erase(idlest);  // its coroutine ends on its own; the slot is free now
      return true;
    };
    const auto from_client = static_cast<std::size_t>(std::count_if(
        sessions.begin(), sessions.end(), [&](const auto& s) { return s->remote == remote; }));
    if (from_client >= options.max_connections_per_client && !evict_idlest(true)) return false;
    if (sessions.size() >= options.max_connections && !evict_idlest(false)) return false;
    return true;
  }

  static asio::awaitable<void> serve(std::shared_ptr<Impl> self, std::shared_ptr<Session> s) {
    try {
      if (self->tls) {
        co_await serve_tls(self, s);
      } else {
        co_await converse(self, s, s->stream);
      }
    } catch (const std::exception&) {
      // Never leak the slot, whatever went wrong with this connection.
    }
    s->close();
    self->sessions.erase(s);
  }

  // The handshake, bounded like a request (the session stays evictable as
  // idle until it is done), then the same conversation as plain HTTP.
  static asio::awaitable<void> serve_tls(std::shared_ptr<Impl> self, std::shared_ptr<Session> s) {
    TlsStream peer(s->stream, *self->tls);
    beast::error_code ec;
    s->stream.expires_after(self->options.read_timeout);
    co_await peer.async_handshake(ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
    if (ec || s->closed) co_return;
    co_await converse(self, s, peer);
    if (s->closed) co_return;
    s->stream.expires_after(std::chrono::milliseconds(200));
    co_await peer.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }

  template <class Stream>
  static asio::awaitable<void> write_error(std::shared_ptr<Session> s, Stream& peer, int status,
                                           const std::string& message, unsigned version = 11) {
    beast::error_code ec;
    auto res = to_beast(error_response(status, message), version, false);
    s->stream.expires_after(kWriteTimeout);
    co_await http::async_write(peer, res, asio::redirect_error(asio::use_awaitable, ec));
  }

  // One request after another on `peer` (the TCP stream, or TLS over it); the
  // deadlines are set on the TCP stream beneath.
  template <class Stream>
  static asio::awaitable<void> converse(std::shared_ptr<Impl> self, std::shared_ptr<Session> s,
                                        Stream& peer) {
    const ServerOptions& o = self->options;
    for (;;) {
      beast::error_code ec;
      // Idle until the first byte of the next request (unless it is here).
      if (s->buffer.size() == 0) {
        s->idle = true;
        s->idle_since = Clock::now();
        s->stream.expires_after(o.idle_timeout);
        const std::size_t n = co_await peer.async_read_some(
            s->buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
        s->buffer.commit(n);
        if (ec || s->closed) co_return;
      }
      s->idle = false;
      if (s->tokens < 0) s->tokens = 2 * o.max_request_rate;
      if (!s->take_request(o.max_request_rate, Clock::now())) {
        co_await write_error(s, peer, 429, "too many requests on this connection");
        co_return;
      }

      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(o.max_body);
      s->stream.expires_after(o.read_timeout);
      co_await http::async_read_header(peer, s->buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        // The body is bounded by what the head entitles it to, before it is read.
        ServerRequest head = convert(parser.get(), s->remote);
        const std::size_t limit =
            std::min(o.max_body, o.body_limit ? o.body_limit(head) : o.max_body);
        if (parser.content_length() && *parser.content_length() > limit) {
          co_await write_error(s, peer, 413, "request body too large", parser.get().version());
          co_return;
        }
        parser.body_limit(limit);
        co_await http::async_read(peer, s->buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
      }
      if (s->closed || ec == http::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
        co_return;
      }
      if (ec) {
        co_await write_error(s, peer,
                             ec == http::error::body_limit     ? 413
                             : ec == http::error::header_limit ? 431
                                                               : 400,
                             ec == http::error::body_limit     ? "request body too large"
                             : ec == http::error::header_limit ? "request header too large"
                                                               : "malformed HTTP request");
        co_return;
      }
      http::request<http::string_body> req = parser.release();
      const bool keep_alive = req.keep_alive() && Clock::now() - s->opened < o.max_lifetime;
      s->response.reset();
      std::weak_ptr<Session> weak = s;
      auto answered = std::make_shared<bool>(false);
      Responder respond = [weak, answered](ServerResponse r) {
        if (*answered) return;
        *answered = true;
        if (auto live = weak.lock()) {
          live->response = std::move(r);
          live->wake.cancel();
        }
      };
      try {
        self->handler(convert(req, s->remote), respond);
      } catch (const std::exception&) {
        respond(error_response(500, "internal error"));
      }
      if (!s->response && !s->closed) {
        s->stream.expires_never();
        s->wake.expires_at(asio::steady_timer::time_point::max());
        co_await s->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!s->response || s->closed) co_return;
      auto res = to_beast(*s->response, req.version(), keep_alive);
      s->stream.expires_after(kWriteTimeout);
      if (req.method() == http::verb::head) {
        // The headers of the GET, Content-Length included, and no body.
        http::response<http::empty_body> head{res.result(), res.version()};
        for (const auto& field : res) head.set(field.name_string(), field.value());
        co_await http::async_write(peer, head, asio::redirect_error(asio::use_awaitable, ec));
      } else {
        co_await http::async_write(peer, res, asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec || !keep_alive) co_return;
    }
  }

  asio::io_context& io;
  std::string address;
  std::uint16_t port;
  std::uint16_t bound_port = 0;
  Handler handler;
  ServerOptions options;
  std::unique_ptr<ssl::context> tls;  // HTTPS when set
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::unique_ptr<tcp::acceptor>> retired;
  std::set<std::shared_ptr<Session>> sessions;
};

HttpServer::HttpServer(Loop& loop, std::string address, std::uint16_t port, Handler handler,
                       ServerOptions options)
    : impl_(std::make_shared<Impl>(loop.impl().io, std::move(address), port, std::move(handler),
                                   options)) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  impl_->listen();
}

void HttpServer::stop_listening(bool close_connections) {
  impl_->unlisten();
  if (close_connections) impl_->close_all();
}

void HttpServer::close_connections() {
  impl_->close_all();
}

void HttpServer::stop() {
  impl_->unlisten();
  impl_->close_all();
}

std::uint16_t HttpServer::port() const {
  return impl_->bound_port;
}

bool HttpServer::listening() const {
  return impl_->acceptor != nullptr;
}

std::string tls_server_files_error(const std::string& certificate_file,
                                   const std::string& key_file) {
  ServerOptions o;
  o.tls_certificate_file = certificate_file;
  o.tls_key_file = key_file;
  try {
    load_tls(o);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::string status_text(int status) {
  return std::string(http::obsolete_reason(static_cast<http::status>(status)));
}

}  // namespace drpilot::net
