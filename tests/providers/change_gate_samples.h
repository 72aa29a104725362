#pragma once
// What the change gate's tests hand it: targets with two records (www and
// api, on ams or fra) and hook commands.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "providers/change_gate.h"

namespace drpilot::providers::gate_samples {

using V = std::vector<std::string>;

inline RecordTarget rt(const std::string& name, V sites, V addresses, std::string reason = "why") {
  RecordTarget r;
  r.name = name;
  r.type = core::RecordType::A;
  r.sites = std::move(sites);
  r.addresses = std::move(addresses);
  r.reason = std::move(reason);
  return r;
}

// www on ams or fra; api stays on ams unless `api_fra`.
inline Target target(std::uint64_t gen, const std::string& www, bool api_fra = false) {
  Target t;
  t.generation = gen;
  const std::string addr = www == "ams" ? "192.0.2.1" : "198.51.100.1";
  t.records.push_back(rt("www.example.test", {www}, {addr}, "www goes to " + www));
  t.records.push_back(api_fra ? rt("api.example.test", {"fra"}, {"198.51.100.1"}, "api moves")
                              : rt("api.example.test", {"ams"}, {"192.0.2.1"}));
  return t;
}

inline config::HookCommand hook(V argv) {
  config::HookCommand h;
  h.command = std::move(argv);
  h.timeout = core::Duration{5'000};
  return h;
}

}  // namespace drpilot::providers::gate_samples
