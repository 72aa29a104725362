// HTTP/1.1 server on Beast, one coroutine per connection. Requests are
// bounded (header 16 KiB, body `max_body`, `read_timeout` per request) so a
// slow or hostile client costs one socket and nothing else.

#include <utility>  // before Boost.Asio 1.74

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

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
using tcp = asio::ip::tcp;

constexpr auto kWriteTimeout = std::chrono::seconds(10);

struct Session {
  explicit Session(tcp::socket s) : stream(std::move(s)), wake(stream.get_executor()) {}

  void close() {
    if (closed) return;
    closed = true;
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
    wake.cancel();
  }

  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  asio::steady_timer wake;  // parks the coroutine until the handler responds
  std::optional<ServerResponse> response;
  bool closed = false;
};

ServerRequest convert(const http::request<http::string_body>& req, const tcp::socket& sock) {
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
  beast::error_code ec;
  auto ep = sock.remote_endpoint(ec);
  if (!ec) r.remote = ep.address().to_string();
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
        options(options) {}

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
      if (self->sessions.size() >= self->options.max_connections) {
        sock.close(ec);
        continue;
      }
      auto s = std::make_shared<Session>(std::move(sock));
      self->sessions.insert(s);
      asio::co_spawn(self->io, serve(self, s), asio::detached);
    }
    std::erase_if(self->retired, [acc](const auto& p) { return p.get() == acc; });
  }

  static asio::awaitable<void> serve(std::shared_ptr<Impl> self, std::shared_ptr<Session> s) {
    for (;;) {
      beast::error_code ec;
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(self->options.max_body);
      s->stream.expires_after(self->options.read_timeout);
      co_await http::async_read(s->stream, s->buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (s->closed || ec == http::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
        break;
      }
      if (ec) {
        ServerResponse err =
            ec == http::error::body_limit     ? error_response(413, "request body too large")
            : ec == http::error::header_limit ? error_response(431, "request header too large")
                                              : error_response(400, "malformed HTTP request");
        auto res = to_beast(err, 11, false);
        s->stream.expires_after(kWriteTimeout);
        co_await http::async_write(s->stream, res, asio::redirect_error(asio::use_awaitable, ec));
        break;
      }
      http::request<http::string_body> req = parser.release();
      const bool keep_alive = req.keep_alive();
      s->response.reset();
      std::weak_ptr<Session> weak = s;
      auto answered = std::make_shared<bool>(false);
      self->handler(convert(req, s->stream.socket()), [weak, answered](ServerResponse r) {
        if (*answered) return;
        *answered = true;
        if (auto live = weak.lock()) {
          live->response = std::move(r);
          live->wake.cancel();
        }
      });
      if (!s->response && !s->closed) {
        s->stream.expires_never();
        s->wake.expires_at(asio::steady_timer::time_point::max());
        co_await s->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!s->response || s->closed) break;
      auto res = to_beast(*s->response, req.version(), keep_alive);
      s->stream.expires_after(kWriteTimeout);
      if (req.method() == http::verb::head) {
        // The headers of the GET, Content-Length included, and no body.
        http::response<http::empty_body> head{res.result(), res.version()};
        for (const auto& field : res) head.set(field.name_string(), field.value());
        co_await http::async_write(s->stream, head, asio::redirect_error(asio::use_awaitable, ec));
      } else {
        co_await http::async_write(s->stream, res, asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec || !keep_alive) break;
    }
    s->close();
    self->sessions.erase(s);
  }

  asio::io_context& io;
  std::string address;
  std::uint16_t port;
  std::uint16_t bound_port = 0;
  Handler handler;
  ServerOptions options;
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

std::string status_text(int status) {
  return std::string(http::obsolete_reason(static_cast<http::status>(status)));
}

}  // namespace drpilot::net
