#pragma once
// HTTP types shared by the client and the server; free of Boost.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/failure.h"

namespace drpilot::net {

class Loop;
class Resolver;

// ---- client ---------------------------------------------------------------

struct ClientRequest {
  std::string method = "GET";
  bool tls = false;
  std::string host;  // address or name to connect to (see resolver.h)
  std::uint16_t port = 80;
  std::string target = "/";  // path and query
  std::string host_header;   // defaults to `host`; also the TLS server name
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Counted from the start: the name's lookup, the connect and the TLS handshake.
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds timeout{2000};  // the whole exchange
  std::size_t max_body = 5 * 1024;          // read at most this much; the rest is not read
  std::size_t max_header = 16 * 1024;
  bool tls_verify = true;
  // PEM certificates to trust instead of the system's: a private CA, or the
  // server's own self-signed certificate (trusted as it is, without a chain).
  std::string tls_ca_file;
  // Both set: a client certificate (PEM chain) and its key, presented to a
  // server that asks for one (etcd with client-certificate authentication).
  std::string tls_certificate_file;
  std::string tls_key_file;
  // Looks `host` up when it is a name; null: Resolver::system().
  std::shared_ptr<Resolver> resolver;
};

struct ClientResult {
  bool ok = false;  // a response (any status) was received
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // at most max_body bytes
  bool body_truncated = false;
  std::string error;                // when !ok: "connect refused", "timeout after 300ms", ...
  Failure failure = Failure::none;  // when !ok: whose fault it may be
  std::chrono::milliseconds elapsed{0};
};

// Asynchronous: `done` runs on the loop thread exactly once.
void http_request(Loop& loop, ClientRequest req, std::function<void(ClientResult)> done);
// Blocking, on a private loop: for command-line tools.
ClientResult http_request_sync(ClientRequest req);

// Splits "http://host:port/path" (https too); nullopt and `error` when invalid.
struct Url {
  bool tls = false;
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";
};
std::optional<Url> parse_url(const std::string& s, std::string& error);
// The URL as it may be shown and journaled: scheme, host and port, with any
// path or query (where webhook receivers put their secrets) as "/...".
// "(an invalid URL)" when it does not parse.
std::string redacted_url(const std::string& s);
// A request for `method` on `url` (scheme, host, port and target filled in).
ClientRequest request_to(const Url& url, std::string method);

// ---- server ---------------------------------------------------------------

struct ServerRequest {
  std::string method;
  std::string target;  // as sent: path + query
  std::string path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote;  // peer address
};

struct ServerResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A handler answers by calling the responder, now or later, at most once.
// Never calling it leaves the client waiting until the connection is closed.
using Responder = std::function<void(ServerResponse)>;
using Handler = std::function<void(const ServerRequest&, Responder)>;

// Bounds that keep one client, or many idle ones, from locking everyone else
// out. A connection is idle while it waits for the first byte of its next
// request; when the server is full (in all, or for one client address), the
// connection idle the longest (that client's, for its own limit) is closed
// to make room, and only when none is idle is a new one refused.
struct ServerOptions {
  std::size_t max_body = 1024 * 1024;  // the most any request may carry
  // The body a request may carry, decided from its method, path and headers
  // before the body is read (e.g. small until authenticated); capped by
  // max_body. Empty: max_body. A larger Content-Length is answered 413 at once.
  std::function<std::size_t(const ServerRequest& head)> body_limit;
  std::chrono::milliseconds read_timeout{10'000};   // a request, from its first byte to its end
  std::chrono::milliseconds idle_timeout{30'000};   // between requests on a kept-alive connection
  std::chrono::milliseconds max_lifetime{300'000};  // then closed after its next response
  std::size_t max_connections = 512;
  std::size_t max_connections_per_client = 64;  // per peer address
  // Requests per second a connection may send (with a burst of twice as
  // many); beyond it the answer is 429 and the connection is closed.
  double max_request_rate = 50;
  // Both set: HTTPS (TLS 1.2 or newer) with this PEM certificate chain and
  // private key, loaded by the constructor (which throws std::runtime_error
  // naming the file that cannot be loaded). A connection's handshake is bounded by
  // read_timeout and counts as idle (first to be evicted) until it is done.
  std::string tls_certificate_file;
  std::string tls_key_file;
};

class HttpServer {
 public:
  HttpServer(Loop& loop, std::string address, std::uint16_t port, Handler handler,
             ServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and accepts. Throws std::runtime_error naming the address on failure.
  void start();
  // Closes the listening socket (new connections are refused) and, if asked,
  // every open connection. start() listens again.
  void stop_listening(bool close_connections);
  void close_connections();
  void stop();
  std::uint16_t port() const;
  bool listening() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

std::string status_text(int status);

// "" when a server could use this certificate chain and key, else why not.
std::string tls_server_files_error(const std::string& certificate_file,
                                   const std::string& key_file);

}  // namespace drpilot::net
