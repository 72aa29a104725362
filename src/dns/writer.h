#pragma once
// A bounded, append-only writer over a caller's buffer. Writes past the limit
// are not performed and make overflow() sticky, so a response is built with
// straight-line code and checked once per section instead of after every
// field; rewind() undoes a section that did not fit.

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace drpilot::dns {

class Writer {
 public:
  Writer(std::uint8_t* buf, std::size_t limit) : buf_(buf), limit_(limit) {}

  void u8(std::uint8_t v) {
    if (reserve(1)) buf_[size_++] = v;
  }
  void u16(std::uint16_t v) {
    if (!reserve(2)) return;
    buf_[size_++] = std::uint8_t(v >> 8);
    buf_[size_++] = std::uint8_t(v);
  }
  void u32(std::uint32_t v) {
    if (!reserve(4)) return;
    for (int shift = 24; shift >= 0; shift -= 8) buf_[size_++] = std::uint8_t(v >> shift);
  }
  void bytes(const void* data, std::size_t n) {
    if (!reserve(n)) return;
    if (n != 0) std::memcpy(buf_ + size_, data, n);
    size_ += n;
  }
  std::size_t size() const { return size_; }
  std::size_t limit() const { return limit_; }
  bool overflow() const { return overflow_; }
  std::uint8_t* data() { return buf_; }

  // Lowering the limit below size() is allowed: the next write overflows.
  void set_limit(std::size_t limit) { limit_ = limit; }
  void rewind(std::size_t pos) {
    if (pos < size_) size_ = pos;
    overflow_ = false;
  }

 private:
  bool reserve(std::size_t n) {
    if (overflow_ || size_ > limit_ || n > limit_ - size_) {
      overflow_ = true;
      return false;
    }
    return true;
  }

  std::uint8_t* buf_;
  std::size_t limit_;
  std::size_t size_ = 0;
  bool overflow_ = false;
};

}  // namespace drpilot::dns
