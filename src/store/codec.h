#pragma once
// JSON forms of the core's types, for the journal and the API. Decoding
// validates: a field of the wrong type or an unknown enum value is an error.

#include <nlohmann/json.hpp>

#include <string>

#include "core/model.h"
#include "core/plan.h"
#include "core/spec.h"

namespace drpilot::store {

nlohmann::json to_json(const core::Verdict& v);
nlohmann::json to_json(const core::Plan& p);
nlohmann::json to_json(const core::RecordPlan& r);
// The persistent part: drained, pinned, frozen (a switchover is one-shot).
nlohmann::json to_json(const core::Overrides& o);

// Throw std::runtime_error with a description of what is wrong.
core::Verdict verdict_from_json(const nlohmann::json& j);
core::Plan plan_from_json(const nlohmann::json& j);
core::RecordPlan record_from_json(const std::string& key, const nlohmann::json& j);
// Whether two record plans store alike (every field to_json writes).
bool same_stored(const core::RecordPlan& a, const core::RecordPlan& b);
core::Overrides overrides_from_json(const nlohmann::json& j);

}  // namespace drpilot::store
