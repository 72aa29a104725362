#pragma once
// What a hook or a reload printed, made safe to report and journal: every
// configured secret replaced by "[secret]", control characters and NULs (and
// bytes that are not UTF-8) replaced by '?', newlines and tabs kept, and the
// whole cut to a bound with a note of how much was left out. Pure.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace drpilot::providers {

class OutputCapture {
 public:
  // Keeps the first `cap` bytes (plus enough to see a secret cut by the cap)
  // and counts the rest.
  explicit OutputCapture(std::size_t cap, std::size_t longest_secret = 0);
  void append(std::string_view bytes);
  std::size_t total() const { return total_; }
  // The cleaned text; "... (N more bytes)" ends it when output was left out.
  std::string text(const std::vector<std::string>& secrets) const;

 private:
  std::size_t cap_, keep_;
  std::string kept_;
  std::size_t total_ = 0;
};

// `raw` with every non-empty secret replaced by "[secret]", then every byte
// that is a control character other than '\n' and '\t', a NUL, DEL, or not
// part of well-formed UTF-8, replaced by '?'.
std::string clean_output(std::string_view raw, const std::vector<std::string>& secrets);

}  // namespace drpilot::providers
