#include "providers/hook_output.h"

#include <algorithm>

namespace drpilot::providers {
namespace {

// Length of the well-formed UTF-8 sequence starting at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  }
  return n;
}

std::string scrub(std::string_view raw, const std::vector<std::string>& secrets) {
  std::string out(raw);
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (std::size_t at = out.find(secret); at != std::string::npos;
         at = out.find(secret, at + 8)) {
      out.replace(at, secret.size(), "[secret]");
    }
  }
  return out;
}

}  // namespace

std::string clean_output(std::string_view raw, const std::vector<std::string>& secrets) {
  const std::string scrubbed = scrub(raw, secrets);
  std::string out;
  out.reserve(scrubbed.size());
  for (std::size_t i = 0; i < scrubbed.size();) {
    const unsigned char c = static_cast<unsigned char>(scrubbed[i]);
    if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7F)) {
      out += static_cast<char>(c);
      ++i;
    } else if (const std::size_t n = c >= 0x80 ? utf8_length(scrubbed, i) : 0; n > 0) {
      out.append(scrubbed, i, n);
      i += n;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

OutputCapture::OutputCapture(std::size_t cap, std::size_t longest_secret)
    : cap_(cap), keep_(cap + longest_secret) {}

void OutputCapture::append(std::string_view bytes) {
  total_ += bytes.size();
  const std::size_t room = keep_ - std::min(keep_, kept_.size());
  kept_.append(bytes.substr(0, room));
}

std::string OutputCapture::text(const std::vector<std::string>& secrets) const {
  // Scrub before cutting, so that a secret straddling the cap is not half shown.
  std::string scrubbed = scrub(kept_, secrets);
  const bool cut = scrubbed.size() > cap_ || total_ > kept_.size();
  // A UTF-8 sequence cut by the cap becomes '?' in clean_output.
  if (scrubbed.size() > cap_) scrubbed.resize(cap_);
  std::string out = clean_output(scrubbed, {});
  if (cut) {
    const std::size_t shown = std::min(cap_, kept_.size());
    out += "... (" + std::to_string(total_ - shown) + " more bytes)";
  }
  return out;
}

}  // namespace drpilot::providers
