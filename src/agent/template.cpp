#include "agent/template.h"

#include <algorithm>

namespace drpilot::agent {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// What is quoted back in an error: the variable as written, bounded, so a
// template full of garbage gives a readable message.
std::string shown(std::string_view s) {
  return std::string(s.substr(0, 80)) + (s.size() > 80 ? "..." : "");
}

}  // namespace

std::optional<std::string> render_template(std::string_view text, const std::string& name,
                                           const TemplateLookup& lookup, std::string& error) {
  std::string out;
  out.reserve(text.size());
  int line = 1;
  std::size_t pos = 0;
  auto fail = [&](const std::string& what) {
    error = name + ":" + std::to_string(line) + ": " + what;
    return std::nullopt;
  };
  while (pos < text.size()) {
    const std::size_t open = text.find("{{", pos);
    const std::string_view plain =
        text.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos);
    line += static_cast<int>(std::count(plain.begin(), plain.end(), '\n'));
    out.append(plain);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find("}}", open + 2);
    const std::size_t eol = text.find('\n', open + 2);
    if (close == std::string_view::npos || (eol != std::string_view::npos && eol < close)) {
      const std::size_t end = std::min(eol, text.size());
      return fail("unterminated '{{' (no '}}' on the same line) at '" +
                  shown(text.substr(open, end - open)) + "'");
    }
    const std::string var(trim(text.substr(open + 2, close - open - 2)));
    if (var.empty()) return fail("empty variable '{{}}'");
    std::string why;
    std::optional<std::string> value = lookup(var, why);
    if (!value) return fail(why.empty() ? "unknown variable '" + shown(var) + "'" : why);
    out += *value;
    pos = close + 2;
  }
  return out;
}

}  // namespace drpilot::agent
