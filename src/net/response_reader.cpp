#include "net/response_reader.h"

#include <utility>  // before Boost.Asio 1.74

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include <algorithm>
#include <limits>

namespace drpilot::net {

namespace http = boost::beast::http;

struct ResponseReader::Parser {
  http::response_parser<http::buffer_body> p;
};

ResponseReader::ResponseReader(std::size_t max_header, std::size_t max_body)
    : parser_(std::make_unique<Parser>()), max_body_(max_body) {
  parser_->p.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(max_header, std::numeric_limits<std::uint32_t>::max())));
  parser_->p.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser_->p.eager(true);
}

ResponseReader::~ResponseReader() = default;

ResponseReader::State ResponseReader::fail(const std::string& why) {
  error_ = why;
  return state_ = State::failed;
}

ResponseReader::State ResponseReader::feed(std::string_view bytes) {
  if (state_ != State::more) return state_;
  pending_.append(bytes);
  auto& p = parser_->p;
  while (!pending_.empty()) {
    char window[2048];
    std::size_t want = 0;
    if (p.is_header_done()) {
      want = std::min(sizeof window, max_body_ - body_.size());
      p.get().body().data = window;
      p.get().body().size = want;
    }
    boost::system::error_code ec;
    const std::size_t used = p.put(boost::asio::buffer(pending_.data(), pending_.size()), ec);
    if (want) body_.append(window, want - p.get().body().size);
    pending_.erase(0, used);
    if (ec == http::error::need_more) return state_;
    if (ec == http::error::header_limit) return fail("response header too large");
    if (ec && ec != http::error::need_buffer)
      return fail("malformed HTTP response: " + ec.message());
    if (!p.is_header_done()) return state_;
    if (p.is_done() || body_.size() >= max_body_) return state_ = State::done;
    if (used == 0 && ec != http::error::need_buffer) return state_;
  }
  return state_;
}

ResponseReader::State ResponseReader::eof() {
  if (state_ != State::more) return state_;
  auto& p = parser_->p;
  // put_eof() on a parser that saw nothing would call that a message.
  if (!p.got_some()) return fail("connection closed by the server");
  boost::system::error_code ec;
  p.put_eof(ec);
  if (!ec && p.is_done()) return state_ = State::done;
  return fail("connection closed by the server");
}

bool ResponseReader::header_done() const {
  return parser_->p.is_header_done();
}

int ResponseReader::status() const {
  return header_done() ? static_cast<int>(parser_->p.get().result_int()) : 0;
}

bool ResponseReader::body_truncated() const {
  return !parser_->p.is_done();
}

}  // namespace drpilot::net
