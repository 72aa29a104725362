#pragma once
// What the fuzz targets share: cutting an input into text fields, reading
// small numbers and strings from raw bytes, and checking an invariant (a
// violation prints what failed and traps, so libFuzzer keeps the input).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "fuzz check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      __builtin_trap();                                                                    \
    }                                                                                      \
  } while (0)

namespace drpilot::fuzz {

// A name as the agent protocol allows it: 1 to `max` of [A-Za-z0-9._-].
inline bool is_name(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The text up to the next '\n' (or the end), taken off the front of `in`.
inline std::string next_line(std::string_view& in) {
  const std::size_t nl = in.find('\n');
  std::string line(in.substr(0, nl));
  in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
  return line;
}

// The text up to `separator` (or the end), taken off the front of `in`.
inline std::string next_part(std::string_view& in, std::string_view separator) {
  const std::size_t at = in.find(separator);
  std::string part(in.substr(0, at));
  in.remove_prefix(at == std::string_view::npos ? in.size() : at + separator.size());
  return part;
}

// Reads raw bytes front to back; past the end every read gives zeros.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }

  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }

  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | byte();
    return v;
  }

  // A string of at most `max` bytes, its length in the first byte.
  std::string text(std::size_t max) {
    std::size_t n = byte() % (max + 1);
    std::string s;
    while (n-- > 0 && !empty()) s += static_cast<char>(byte());
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

inline bool has_control_char(std::string_view s) {
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

}  // namespace drpilot::fuzz
