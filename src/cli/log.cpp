#include "cli/log.h"

#include <cstdio>
#include <mutex>

#include "core/time.h"

namespace drpilot::cli {
namespace {

std::string quote(const std::string& v) {
  bool plain = !v.empty();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\\') plain = false;
  }
  if (plain) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::mutex mu;  // one for every kind of call: lines never interleave

template <typename Fields>
void write_line(const std::string& event, const Fields& fields) {
  std::string line = core::format_time(core::SystemClock().now()) + " event=" + event;
  for (const Field& f : fields) line += " " + f.first + "=" + quote(f.second);
  line += "\n";
  std::lock_guard<std::mutex> lock(mu);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace

void log_event(const std::string& event, std::initializer_list<Field> fields) {
  write_line(event, fields);
}

void log_fields(const std::string& event, const std::vector<Field>& fields) {
  write_line(event, fields);
}

}  // namespace drpilot::cli
