#pragma once
// Times as AWS writes them in credentials: AWS_CREDENTIAL_EXPIRATION and the
// container credentials endpoint's Expiration.

#include <optional>
#include <string_view>

#include "core/time.h"

namespace drpilot::aws {

// ISO 8601 with a zone: "2026-01-31T12:00:00Z", with optional fractional
// seconds (dropped) and a "+01:00" style offset instead of Z. Nothing when
// it is anything else, a time without a zone included (it is ambiguous).
std::optional<core::TimePoint> parse_iso8601(std::string_view s);

}  // namespace drpilot::aws
