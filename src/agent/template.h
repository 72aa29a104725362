#pragma once
// The configuration template: text with {{variable}} placeholders (spaces
// inside the braces are allowed). One pass, so a value that itself contains
// "{{" is written as it is, never expanded again. There is no escape: a
// template cannot produce a literal "{{".

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace drpilot::agent {

// A variable's value, or nothing with `why` saying why it has none.
using TemplateLookup =
    std::function<std::optional<std::string>(const std::string& name, std::string& why)>;

// The rendered text, or nothing with `error` as "<name>:<line>: ..." naming
// the variable: an unknown (or ambiguous) variable, an empty "{{}}", or a
// "{{" with no "}}" after it on the same line.
std::optional<std::string> render_template(std::string_view text, const std::string& name,
                                           const TemplateLookup& lookup, std::string& error);

}  // namespace drpilot::agent
