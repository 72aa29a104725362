#pragma once
// The response side of a health check's HTTP exchange, without the socket:
// bytes in as they arrive, the status and the first `max_body` bytes of the
// (de-chunked) body out. Parsing is Beast's; this decides when enough has
// been read. Pure, so it is tested and fuzzed on its own.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "net/failure.h"

namespace drpilot::net {

class ResponseReader {
 public:
  enum class State { more, done, failed };

  ResponseReader(std::size_t max_header, std::size_t max_body);
  ~ResponseReader();
  ResponseReader(const ResponseReader&) = delete;
  ResponseReader& operator=(const ResponseReader&) = delete;

  // Bytes that arrived. `done` once the status and enough of the body are in
  // (the rest is never read); `failed` with error() set.
  State feed(std::string_view bytes);
  // The peer closed the connection.
  State eof();

  bool header_done() const;
  int status() const;
  const std::string& body() const { return body_; }
  bool body_truncated() const;  // stopped at max_body before the message ended
  // When failed: "malformed HTTP response: ...", "response header too large",
  // "connection closed by the server", without the phase.
  const std::string& error() const { return error_; }

 private:
  struct Parser;
  State fail(const std::string& why);

  std::unique_ptr<Parser> parser_;
  std::size_t max_body_;
  std::string pending_;  // received, not yet taken by the parser
  std::string body_;
  std::string error_;
  State state_ = State::more;
};

}  // namespace drpilot::net
