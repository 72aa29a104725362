// HTTP/1.1 client on Beast for health checks and command-line tools. Every
// exchange is bounded: a connect timeout (the name's lookup included), a
// total deadline, at most `max_header` bytes of header and `max_body` bytes
// of body (the rest is never read), TLS peers verified by default (chain and
// host name).

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
#include <boost/beast/ssl.hpp>

#include <limits>
#include <memory>
#include <optional>

#include "core/time.h"
#include "net/http.h"
#include "net/http_text.h"
#include "net/loop_impl.h"
#include "net/resolver.h"

namespace drpilot::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Exchange {
  ClientRequest req;
  Clock::time_point start;
  Clock::time_point connect_deadline;
  Clock::time_point deadline;
};

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

void fail(ClientResult& r, const beast::error_code& ec, const Exchange& x, const char* phase) {
  r.error = describe_failure(
      ec, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - x.start), phase);
  r.failure = classify_failure(ec);
}

ssl::context& tls_context(bool verify) {
  auto make = [](bool v) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (v) {
      ctx->set_default_verify_paths();
      ctx->set_verify_mode(ssl::verify_peer);
    } else {
      ctx->set_verify_mode(ssl::verify_none);
    }
    return ctx;
  };
  static const std::unique_ptr<ssl::context> verified = make(true);
  static const std::unique_ptr<ssl::context> unverified = make(false);
  return verify ? *verified : *unverified;
}

// A context of the request's own: trusting only its CA file (whose
// certificates are trust anchors even when they are not self-signed roots: a
// server's own certificate will do), and presenting its client certificate.
std::unique_ptr<ssl::context> tls_context_for(const ClientRequest& req, std::string& error) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  beast::error_code ec;
  if (!req.tls_verify) {
    ctx->set_verify_mode(ssl::verify_none);
  } else if (req.tls_ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    ctx->set_verify_mode(ssl::verify_peer);
  } else {
    ctx->load_verify_file(req.tls_ca_file, ec);
    if (ec) {
      error = "cannot load the CA file " + req.tls_ca_file + ": " + ec.message();
      return nullptr;
    }
    X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx->native_handle()),
                                X509_V_FLAG_PARTIAL_CHAIN);
    ctx->set_verify_mode(ssl::verify_peer);
  }
  if (!req.tls_certificate_file.empty()) {
    ctx->use_certificate_chain_file(req.tls_certificate_file, ec);
    if (ec) {
      error =
          "cannot load the client certificate " + req.tls_certificate_file + ": " + ec.message();
      return nullptr;
    }
    ctx->use_private_key_file(req.tls_key_file, ssl::context::pem, ec);
    if (ec) {
      error = "cannot load the client key " + req.tls_key_file + ": " + ec.message();
      return nullptr;
    }
  }
  return ctx;
}

template <class Stream>
asio::awaitable<ClientResult> converse(Stream& stream, const Exchange& x) {
  ClientResult r;
  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_at(x.deadline);

  http::verb verb = http::string_to_verb(x.req.method);
  if (verb == http::verb::unknown) {
    r.error = "unsupported HTTP method '" + x.req.method + "'";
    r.failure = Failure::local;
    co_return r;
  }
  http::request<http::string_body> req{verb, x.req.target, 11};
  req.set(http::field::host, host_header(x.req));
  req.set(http::field::user_agent, "drpilot");
  req.set(http::field::connection, "close");
  for (const auto& [k, v] : x.req.headers) req.set(k, v);
  req.body() = x.req.body;
  req.prepare_payload();
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    fail(r, ec, x, "sending the request");
    co_return r;
  }

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(x.req.max_header));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  co_await http::async_read_header(stream, buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    fail(r, ec, x, "waiting for the response");
    co_return r;
  }
  r.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(field.value());
  }
  r.ok = true;

  char chunk[2048];
  while (!parser.is_done() && r.body.size() < x.req.max_body) {
    const size_t want = std::min(sizeof chunk, x.req.max_body - r.body.size());
    parser.get().body().data = chunk;
    parser.get().body().size = want;
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    r.body.append(chunk, want - parser.get().body().size);
    if (ec) {
      // The status line and headers arrived; a broken or slow body is still
      // a failed exchange because the body may be what the check looks for.
      r.ok = false;
      fail(r, ec, x, "reading the body");
      co_return r;
    }
  }
  r.body_truncated = !parser.is_done();
  co_return r;
}

// What a lookup answered, once it did; the timer wakes the waiting request
// either way (cancelled by the answer, or expired at its deadline).
struct PendingLookup {
  explicit PendingLookup(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  std::optional<Lookup> answer;
};

// The endpoints for a name, looked up within `deadline`: a resolver that
// does not answer in time fails the request then, and its late answer is
// dropped (see resolver.h).
asio::awaitable<std::vector<tcp::endpoint>> resolve(Loop& loop, asio::io_context& io,
                                                    const Exchange& x, Clock::time_point deadline,
                                                    ClientResult& r) {
  std::vector<tcp::endpoint> eps;
  auto pending = std::make_shared<PendingLookup>(io);
  pending->timer.expires_at(deadline);
  Resolver& resolver = x.req.resolver ? *x.req.resolver : *Resolver::system();
  std::unique_ptr<LookupWait> wait =
      resolver.resolve(loop, x.req.host, [weak = std::weak_ptr(pending)](Lookup answer) {
        if (auto p = weak.lock()) {
          p->answer = std::move(answer);
          p->timer.cancel();
        }
      });
  beast::error_code ec;
  co_await pending->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  wait.reset();
  if (!pending->answer) {
    const std::string phase = "name resolution of '" + x.req.host + "'";
    r.error = describe_failure(
        beast::error::timeout,
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - x.start),
        phase.c_str());
    r.failure = Failure::timeout;
    co_return eps;
  }
  for (const std::string& a : pending->answer->addresses) {
    auto addr = asio::ip::make_address(a, ec);
    if (!ec) eps.emplace_back(addr, x.req.port);
  }
  if (eps.empty()) {
    const std::string& why = pending->answer->error;
    r.error = "cannot resolve '" + x.req.host + "': " + (why.empty() ? "no address" : why);
    r.failure = pending->answer->local ? Failure::local : Failure::remote;
  }
  co_return eps;
}

asio::awaitable<ClientResult> perform(Loop& loop, asio::io_context& io, const Exchange& x) {
  ClientResult r;
  beast::error_code ec;
  auto addr = asio::ip::make_address(x.req.host, ec);
  std::vector<tcp::endpoint> eps;
  if (!ec) {
    eps.emplace_back(addr, x.req.port);
  } else {
    eps = co_await resolve(loop, io, x, std::min(x.connect_deadline, x.deadline), r);
    if (eps.empty()) co_return r;
  }

  beast::tcp_stream stream(io);
  stream.expires_at(std::min(x.connect_deadline, x.deadline));
  co_await stream.async_connect(eps, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    fail(r, ec, x, "connecting");
    co_return r;
  }
  close_on_exec(stream.socket().native_handle());
  if (!x.req.tls) co_return co_await converse(stream, x);

  std::unique_ptr<ssl::context> own;  // outlives `tls`
  if ((x.req.tls_verify && !x.req.tls_ca_file.empty()) || !x.req.tls_certificate_file.empty()) {
    own = tls_context_for(x.req, r.error);
    if (!own) {
      r.failure = Failure::local;
      co_return r;
    }
  }
  beast::ssl_stream<beast::tcp_stream> tls(std::move(stream),
                                           own ? *own : tls_context(x.req.tls_verify));
  const std::string& name = x.req.host_header.empty() ? x.req.host : x.req.host_header;
  // SNI carries host names only (RFC 6066 section 3); an address is verified
  // against the certificate's IP entries without it.
  if (!is_ip_literal(name) && !SSL_set_tlsext_host_name(tls.native_handle(), name.c_str())) {
    r.error = "TLS error: cannot set the server name '" + name + "'";
    r.failure = Failure::local;
    co_return r;
  }
  if (x.req.tls_verify) tls.set_verify_callback(ssl::host_name_verification(name));
  beast::get_lowest_layer(tls).expires_at(std::min(x.connect_deadline, x.deadline));
  co_await tls.async_handshake(ssl::stream_base::client,
                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    fail(r, ec, x, "TLS handshake");
    co_return r;
  }
  ClientResult out = co_await converse(tls, x);
  beast::get_lowest_layer(tls).expires_after(std::chrono::milliseconds(200));
  co_await tls.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  co_return out;
}

}  // namespace

void http_request(Loop& loop, ClientRequest req, std::function<void(ClientResult)> done) {
  auto x = std::make_shared<Exchange>();
  x->start = Clock::now();
  x->connect_deadline = x->start + req.connect_timeout;
  x->deadline = x->start + req.timeout;
  x->req = std::move(req);
  asio::io_context& io = loop.impl().io;
  asio::co_spawn(
      io,
      [&loop, &io, x, done = std::move(done)]() -> asio::awaitable<void> {
        ClientResult r = co_await perform(loop, io, *x);
        r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - x->start);
        done(std::move(r));
      },
      asio::detached);
}

ClientResult http_request_sync(ClientRequest req) {
  Loop loop;
  ClientResult out;
  http_request(loop, std::move(req), [&](ClientResult r) {
    out = std::move(r);
    loop.stop();
  });
  loop.run();
  return out;
}

}  // namespace drpilot::net
