#include "net/http_text.h"

#include <utility>  // before Boost.Asio 1.74

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include "core/time.h"

namespace drpilot::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string describe_failure(const boost::system::error_code& ec, std::chrono::milliseconds elapsed,
                             const char* phase) {
  if (ec == beast::error::timeout || ec == asio::error::timed_out) {
    return "timeout after " + core::format_duration(elapsed) + " (" + phase + ")";
  }
  if (ec == asio::error::connection_refused) return "connect refused";
  if (ec == asio::error::host_unreachable) return "host unreachable";
  if (ec == asio::error::network_unreachable) return "network unreachable";
  if (ec == asio::error::connection_reset) return std::string("connection reset (") + phase + ")";
  if (ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == http::error::partial_message) {
    return std::string("connection closed by the server (") + phase + ")";
  }
  if (ec == http::error::header_limit) return "response header too large";
  if (ec.category() == asio::error::get_ssl_category() ||
      ec.category() == asio::ssl::error::get_stream_category()) {
    return "TLS error: " + ec.message();
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    return "malformed HTTP response: " + ec.message();
  }
  return std::string(phase) + " failed: " + ec.message();
}

Failure classify_failure(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout || ec == asio::error::timed_out) return Failure::timeout;
  if (ec.category() == boost::system::system_category() && is_local_errno(ec.value())) {
    return Failure::local;
  }
  return Failure::remote;
}

std::string host_header(const ClientRequest& req) {
  if (!req.host_header.empty()) return req.host_header;
  const bool v6 = req.host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + req.host + "]" : req.host;
  if (req.port != (req.tls ? 443 : 80)) h += ":" + std::to_string(req.port);
  return h;
}

}  // namespace drpilot::net
