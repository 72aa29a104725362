#include "providers/hook_output.h"

#include <algorithm>

#include "core/utf8.h"

namespace drpilot::providers {
namespace {

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
    } else if (const std::size_t n = c >= 0x80 ? core::utf8_length(scrubbed, i) : 0; n > 0) {
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
