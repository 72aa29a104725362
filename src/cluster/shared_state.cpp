#include "cluster/shared_state.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "store/codec.h"

namespace drpilot::cluster {

using nlohmann::json;

bool SharedState::newer_than(const SharedState& o) const {
  if (plan.term != o.plan.term) return plan.term > o.plan.term;
  return plan.generation > o.plan.generation;
}

std::string encode(const SharedState& s) {
  json verified = json::object();
  for (const auto& [name, g] : s.verified) verified[name] = g;
  return json{{"plan", store::to_json(s.plan)},
              {"released", store::to_json(s.released)},
              {"overrides", store::to_json(s.overrides)},
              {"verified", verified},
              {"config_digest", s.config_digest}}
      .dump();
}

SharedState decode_shared_state(const std::string& text) {
  // A NUL byte would end the parser's input early: `{...}<NUL>junk` is no JSON.
  json j = text.find('\0') == std::string::npos ? json::parse(text, nullptr, false)
                                                : json(json::value_t::discarded);
  if (j.is_discarded()) throw std::runtime_error("the cluster state is not JSON");
  if (!j.is_object()) throw std::runtime_error("the cluster state must be an object");
  for (const char* key : {"plan", "released", "overrides", "verified", "config_digest"}) {
    if (!j.contains(key)) throw std::runtime_error(std::string("the cluster state has no ") + key);
  }
  SharedState s;
  s.plan = store::plan_from_json(j["plan"]);
  s.released = store::plan_from_json(j["released"]);
  if (s.released.generation > s.plan.generation)
    throw std::runtime_error("the cluster state's released plan is newer than its plan");
  s.overrides = store::overrides_from_json(j["overrides"]);
  if (!j["verified"].is_object())
    throw std::runtime_error("the cluster state's verified must be an object");
  for (const auto& [name, g] : j["verified"].items()) {
    if (!g.is_number_unsigned())
      throw std::runtime_error("the cluster state's verified." + name + " must be a generation");
    s.verified[name] = g.get<std::uint64_t>();
  }
  if (!j["config_digest"].is_string())
    throw std::runtime_error("the cluster state's config_digest must be text");
  s.config_digest = j["config_digest"].get<std::string>();
  return s;
}

}  // namespace drpilot::cluster
