#pragma once
// Domain names on the wire (RFC 1035 §3.1, §4.1.4): reading them out of
// untrusted messages, and converting between wire and presentation form.
//
// Internally a name is kept in uncompressed wire form (length-prefixed labels
// ending with the zero-length root label) because that form is unambiguous
// (labels may contain dots or any byte) and compares with one memcmp once
// lower-cased.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dns/wire_error.h"

namespace drpilot::dns {

inline constexpr std::size_t kMaxNameSize = 255;  // wire octets, root label included
inline constexpr std::size_t kMaxLabelSize = 63;

// Reads the (possibly compressed) name that starts at `pos` in `msg`.
// On success writes the uncompressed wire form (original case) to `out`
// (capacity kMaxNameSize), its size to `out_size`, and moves `pos` just past
// the name as it sits in the message (i.e. past the first pointer, if any).
//
// Loop protection: every pointer must point strictly before the start of the
// label run that contains it, so each jump goes backwards and the walk always
// ends; pointers into the 12-byte header are rejected too. Length protection:
// the uncompressed name may not exceed 255 octets.
WireError read_name(const std::uint8_t* msg, std::size_t len, std::size_t& pos, std::uint8_t* out,
                    std::size_t& out_size);

// ASCII lower-casing of a wire-form name. Length octets are at most 63, below
// 'A', so they are never altered.
void lower_name(std::uint8_t* name, std::size_t size);

// Presentation form → wire form, lower-cased. Accepts an optional trailing dot,
// "" or "." for the root, and the RFC 1035 escapes `\.`, `\\` and `\DDD`.
// Returns nothing for empty labels, labels over 63 octets or names over 255.
std::optional<std::string> name_to_wire(std::string_view text);

// Wire form → presentation form with a trailing dot ("www.example.test.",
// root is "."). Bytes other than letters, digits, '-' and '_' are escaped so
// the result parses back to the same name. `wire` must be a valid name.
std::string wire_to_text(const std::uint8_t* wire, std::size_t size);
inline std::string wire_to_text(std::string_view wire) {
  return wire_to_text(reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size());
}

}  // namespace drpilot::dns
