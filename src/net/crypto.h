#pragma once
// The few cryptographic primitives drpilot needs, on OpenSSL's libcrypto:
// SHA-256 and HMAC-SHA256 (webhook signatures, later AWS SigV4) and a
// comparison of secrets whose time does not depend on where they differ.

#include <string>
#include <string_view>

namespace drpilot::net {

// Raw 32-octet digests.
std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);

// Lower-case hexadecimal, two digits per octet.
std::string to_hex(std::string_view bytes);

// True when a and b are equal; the time taken depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace drpilot::net
