// libFuzzer target for a health check's response reader: any bytes from the
// checked site, cut into pieces at any places (the first byte of the input
// picks the piece size, the second the body window). Whatever arrives, the
// reader ends in one state and stays there, never holds more body than its
// window, gives a status only with a complete header, and says why it failed.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_input.h"
#include "net/response_reader.h"

using drpilot::net::ResponseReader;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  const std::size_t window = static_cast<std::size_t>(data[1]) * 16;  // 0 .. 4080
  std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);
  ResponseReader r(1024, window);
  ResponseReader::State s = ResponseReader::State::more;
  for (std::size_t at = 0; at < in.size(); at += piece) {
    const ResponseReader::State before = s;
    s = r.feed(in.substr(at, piece));
    FUZZ_CHECK(before == ResponseReader::State::more || s == before);
    FUZZ_CHECK(r.body().size() <= window);
  }
  if (s == ResponseReader::State::more) s = r.eof();
  FUZZ_CHECK(s != ResponseReader::State::more);
  if (s == ResponseReader::State::done) {
    FUZZ_CHECK(r.header_done());
    FUZZ_CHECK(r.status() >= 0 && r.status() <= 999);
  } else {
    FUZZ_CHECK(!r.error().empty());
  }
  FUZZ_CHECK(r.body().size() <= window);
  return 0;
}
