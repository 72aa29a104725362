#include "agent/options.h"

#include <algorithm>

#include "agent/targets.h"

namespace drpilot::agent {

std::optional<AgentOptions> options_from_config(const config::Config& cfg, const std::string& name,
                                                std::string key, std::string& error) {
  const config::AgentConfig* a = cfg.find_agent(name);
  if (!a) {
    std::string known;
    for (const config::AgentConfig& x : cfg.agents) known += (known.empty() ? "" : ", ") + x.name;
    error = cfg.path + " has no agent named '" + name + "'" +
            (known.empty() ? " (it has no 'agents' section)" : " (it has: " + known + ")");
    return std::nullopt;
  }
  AgentOptions o;
  o.name = a->name;
  o.site = a->site;
  o.key = std::move(key);
  o.controllers = a->controllers;
  o.controller_ca_file = a->controller_ca_file;
  o.report_interval = a->report_interval;
  // Short, so one dead controller costs little, yet a busy one has time:
  // within [500ms, 3s], and no longer than the interval.
  o.report_timeout = std::clamp(a->report_interval, core::Duration{500}, core::Duration{3'000});
  o.listen = a->listen;
  o.apply.template_path = a->template_path;
  o.apply.output_path = a->output_path;
  o.apply.follow_symlink = a->follow_symlink;
  o.apply.reload = a->reload;
  o.apply.reload_timeout = a->reload_timeout;
  // The reload gets only what the configuration names, and never sees the key.
  o.apply.reload_policy.pass_env = a->reload_environment;
  if (!o.key.empty()) o.apply.reload_policy.secrets.push_back(o.key);
  o.targets = agent_targets(cfg, *a, error);
  if (!error.empty()) return std::nullopt;
  o.cross_targets = cross_check_targets(cfg, *a);
  return o;
}

}  // namespace drpilot::agent
