#include "api/json_text.h"

#include <cassert>
#include <charconv>

#include "core/utf8.h"

namespace drpilot::api {

using core::utf8_length;

void JsonText::append_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain = 0;  // start of a run copied as it is
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(s.data() + plain, i - plain);
    if (c >= 0x80) {
      const std::size_t n = utf8_length(s, i);
      if (n) {
        out.append(s.data() + i, n);
        i += n;
      } else {
        out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
        ++i;
      }
    } else {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
      }
      ++i;
    }
    plain = i;
  }
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
}

void JsonText::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonText& JsonText::begin_object() {
  separate();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonText& JsonText::end_object() {
  assert(!first_.empty() && !after_key_);
  first_.pop_back();
  out_ += '}';
  return *this;
}

JsonText& JsonText::begin_array() {
  separate();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonText& JsonText::end_array() {
  assert(!first_.empty() && !after_key_);
  first_.pop_back();
  out_ += ']';
  return *this;
}

JsonText& JsonText::key(std::string_view k) {
  separate();
  append_string(out_, k);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonText& JsonText::value(std::string_view s) {
  separate();
  append_string(out_, s);
  return *this;
}

JsonText& JsonText::value(bool b) {
  separate();
  out_ += b ? "true" : "false";
  return *this;
}

JsonText& JsonText::value(std::int64_t n) {
  separate();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
  return *this;
}

JsonText& JsonText::value(std::uint64_t n) {
  separate();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
  return *this;
}

JsonText& JsonText::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonText& JsonText::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

}  // namespace drpilot::api
