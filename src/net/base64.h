#pragma once
// Standard base64 (RFC 4648 section 4, with padding): etcd's JSON gateway
// carries every key and value in it.

#include <optional>
#include <string>
#include <string_view>

namespace drpilot::net {

std::string base64_encode(std::string_view bytes);
// The bytes, or nullopt when `text` is not canonical padded base64 (a wrong
// length, a character outside the alphabet, padding in the middle, or
// non-zero bits after the last byte).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace drpilot::net
