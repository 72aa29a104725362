#include "dns/name.h"

#include <cstring>

namespace drpilot::dns {
namespace {

// Compression pointers may not point into the fixed header: no name lives
// there, and such pointers are a classic way to confuse parsers.
constexpr std::size_t kFirstNameOffset = 12;

bool is_plain(std::uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '*';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

}  // namespace

WireError read_name(const std::uint8_t* msg, std::size_t len, std::size_t& pos, std::uint8_t* out,
                    std::size_t& out_size) {
  std::size_t cur = pos;
  std::size_t run_start = pos;  // first octet of the label run being read
  std::size_t resume = 0;       // where the caller continues after a compressed name
  bool jumped = false;
  std::size_t size = 0;
  for (;;) {
    if (cur >= len) return WireError::truncated;
    const std::uint8_t octet = msg[cur];
    const std::uint8_t kind = octet & 0xC0;
    if (kind == 0xC0) {
      if (cur + 1 >= len) return WireError::truncated;
      const std::size_t target = (std::size_t(octet & 0x3F) << 8) | msg[cur + 1];
      if (target < kFirstNameOffset || target >= run_start) return WireError::bad_pointer;
      if (!jumped) {
        resume = cur + 2;
        jumped = true;
      }
      cur = run_start = target;
      continue;
    }
    if (kind != 0) return WireError::bad_label_type;
    const std::size_t label = octet;
    if (size + 1 + label > kMaxNameSize) return WireError::name_too_long;
    if (cur + 1 + label > len) return WireError::truncated;
    std::memcpy(out + size, msg + cur, 1 + label);
    size += 1 + label;
    cur += 1 + label;
    if (label == 0) break;
  }
  pos = jumped ? resume : cur;
  out_size = size;
  return WireError::none;
}

void lower_name(std::uint8_t* name, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    if (name[i] >= 'A' && name[i] <= 'Z') name[i] = std::uint8_t(name[i] - 'A' + 'a');
  }
}

// Written straight into the result: a length octet is reserved where each
// label starts and filled in when the label ends.
std::optional<std::string> name_to_wire(std::string_view text) {
  if (text.empty() || text == ".") return std::string(1, '\0');
  std::string wire;
  wire.reserve(text.size() + 2);
  std::size_t start = 0;  // where the current label's length octet is
  wire += '\0';
  auto end_label = [&]() {
    const std::size_t size = wire.size() - start - 1;
    if (size == 0 || size > kMaxLabelSize) return false;
    wire[start] = char(size);
    start = wire.size();
    wire += '\0';
    return true;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '.') {
      if (!end_label()) return std::nullopt;
      ++i;
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= text.size()) return std::nullopt;
      if (i + 3 < text.size() && is_digit(text[i + 1]) && is_digit(text[i + 2]) &&
          is_digit(text[i + 3])) {
        const int value =
            (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (value > 255) return std::nullopt;
        wire += lower(char(value));
        i += 4;
      } else {
        wire += lower(text[i + 1]);
        i += 2;
      }
      continue;
    }
    wire += lower(c);
    ++i;
  }
  // A name ending in an unescaped dot leaves no pending label: its reserved
  // octet is the root's.
  if (wire.size() - start - 1 > 0 && !end_label()) return std::nullopt;
  if (wire.size() > kMaxNameSize) return std::nullopt;
  return wire;
}

std::string wire_to_text(const std::uint8_t* wire, std::size_t size) {
  std::string text;
  std::size_t i = 0;
  while (i < size && wire[i] != 0) {
    const std::size_t label = wire[i++];
    for (std::size_t k = 0; k < label && i < size; ++k, ++i) {
      const std::uint8_t c = wire[i];
      if (is_plain(c)) {
        text += char(c);
      } else if (c == '.' || c == '\\') {
        text += '\\';
        text += char(c);
      } else {
        text += '\\';
        text += char('0' + c / 100);
        text += char('0' + c / 10 % 10);
        text += char('0' + c % 10);
      }
    }
    text += '.';
  }
  return text.empty() ? std::string(".") : text;
}

}  // namespace drpilot::dns
