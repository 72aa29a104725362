// drpilot agent -c FILE --name NAME: the agent beside the application in one
// site. Loads the shared configuration, reads the agent's key, and runs the
// agent until SIGINT or SIGTERM.

#include <csignal>
#include <iostream>
#include <random>

#include "agent/agent.h"
#include "agent/options.h"
#include "cli/commands.h"
#include "cli/log.h"
#include "config/config.h"
#include "config/secrets.h"
#include "net/loop.h"

namespace drpilot::cli {

int run_agent(const std::string& config_path, const std::string& name) {
  config::LoadResult loaded = config::load_config_file(config_path);
  if (!loaded.ok()) {
    std::cerr << loaded.error_text();
    std::cerr << "drpilot: the configuration has " << loaded.errors.size()
              << (loaded.errors.size() == 1 ? " error" : " errors")
              << "; the agent did not start\n";
    return 1;
  }
  const config::Config& cfg = *loaded.config;
  const config::AgentConfig* section = cfg.find_agent(name);
  std::string error;
  std::optional<std::string> key;
  if (section) {
    key = config::resolve_secret(section->key, error);
    if (!key) {
      std::cerr << "drpilot: agent " << name << ": cannot read its key: " << error << "\n";
      return 1;
    }
  }
  auto options = agent::options_from_config(cfg, name, key.value_or(""), error);
  if (!options) {
    std::cerr << "drpilot: " << error << "\n";
    return 1;
  }
  // Nonces must not repeat across restarts: a fresh seed every run.
  std::random_device entropy;
  options->seed = (static_cast<std::uint64_t>(entropy()) << 32) ^ entropy();
  options->log = [](const std::string& event, const std::vector<agent::EventField>& fields) {
    log_fields(event, fields);
  };

  net::Loop loop;
  core::SystemClock clock;
  agent::Agent agent(loop, clock, *options);
  try {
    agent.start();
  } catch (const std::exception& e) {
    std::cerr << "drpilot: " << e.what() << "\n";
    return 1;
  }
  std::string controllers;
  for (const std::string& c : options->controllers)
    controllers += (controllers.empty() ? "" : ",") + c;
  std::string targets;
  for (const auto& t : options->targets) targets += (targets.empty() ? "" : ",") + t.target;
  log_event("agent_started",
            {{"name", options->name},
             {"site", options->site},
             {"healthz", "http://" + options->listen.host + ":" +
                             std::to_string(agent.healthz_port()) + "/healthz"},
             {"controllers", controllers.empty() ? "none" : controllers},
             {"checks", targets.empty() ? "none" : targets},
             {"output", options->apply.output_path.empty() ? "none" : options->apply.output_path}});
  loop.on_signals({SIGINT, SIGTERM}, [&](int sig) {
    log_event("shutdown", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    agent.stop();
    loop.stop();
  });
  loop.run();
  return 0;
}

}  // namespace drpilot::cli
