#pragma once
// UTF-8 well-formedness, for the places that clean text before showing it
// (the status JSON, hook output). Pure.

#include <cstddef>
#include <string_view>

namespace drpilot::core {

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 when it is
// not one (overlong forms, surrogates and code points past U+10FFFF are not).
std::size_t utf8_length(std::string_view s, std::size_t i);

}  // namespace drpilot::core
