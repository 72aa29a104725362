// CRC-32 as zlib computes it (reflected polynomial 0xEDB88320, initial value
// and final XOR 0xFFFFFFFF), one table lookup per byte: replies are small and
// this keeps zlib out of the build.

#include <array>
#include <cstdint>
#include <string_view>

#include "aws/dynamodb.h"

namespace drpilot::aws {
namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}

constexpr std::array<std::uint32_t, 256> kTable = make_table();

}  // namespace

std::uint32_t crc32(std::string_view data) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = kTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

}  // namespace drpilot::aws
