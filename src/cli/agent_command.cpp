// drpilot agent -c FILE --name NAME: the agent beside the application in one
// site. Loads the shared configuration, reads the agent's key (and the AWS
// credentials when it checks its data region), and runs the agent until
// SIGINT or SIGTERM.
//
// Exit status: 0 after SIGINT or SIGTERM; 2 when the configuration cannot be
// used (invalid file, unknown agent, unreadable key or credentials), like a usage error: a
// restart cannot fix it, and systemd's RestartPreventExitStatus=2 can say so;
// 1 when it cannot start (its /healthz address is taken).

#include <csignal>
#include <iostream>
#include <memory>

#include "agent/agent.h"
#include "cli/commands.h"
#include "cli/demo_agents.h"
#include "cli/log.h"
#include "cli/port_file.h"
#include "config/config.h"
#include "net/loop.h"

namespace drpilot::cli {

int run_agent(const std::string& config_path, const std::string& name,
              const std::string& port_file_path) {
  config::LoadResult loaded = config::load_config_file(config_path);
  if (!loaded.ok()) {
    std::cerr << loaded.error_text();
    std::cerr << "drpilot: the configuration has " << loaded.errors.size()
              << (loaded.errors.size() == 1 ? " error" : " errors")
              << "; the agent did not start\n";
    return 2;
  }
  const config::Config& cfg = *loaded.config;
  net::Loop loop;
  core::SystemClock clock;
  std::unique_ptr<AgentRun> run;
  try {
    run = std::make_unique<AgentRun>(
        loop, clock, cfg, name,
        [](const std::string& event, const std::vector<agent::EventField>& fields) {
          log_fields(event, fields);
        });
  } catch (const std::exception& e) {
    std::cerr << "drpilot: " << e.what() << "\n";
    return 2;
  }
  agent::Agent& agent = run->agent();
  const agent::AgentOptions* options = &run->options();
  PortFile port_file(port_file_path);
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
             {"healthz",
              "http://" + config::Endpoint{options->listen.host, agent.healthz_port()}.to_string() +
                  "/healthz"},
             {"controllers", controllers.empty() ? "none" : controllers},
             {"checks", targets.empty() ? "none" : targets},
             {"output", options->apply.output_path.empty() ? "none" : options->apply.output_path}});
  loop.on_signals({SIGINT, SIGTERM}, [&](int sig) {
    log_event("shutdown", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    agent.stop();
    loop.stop();
  });
  // Last: whoever waits for the port file finds the start logged and may
  // signal the agent at once (SIGTERM is handled from here on).
  try {
    port_file.write(
        {{"healthz", config::Endpoint{options->listen.host, agent.healthz_port()}.to_string()}});
  } catch (const std::exception& e) {
    std::cerr << "drpilot: " << e.what() << "\n";
    return 1;
  }
  loop.run();
  return 0;
}

}  // namespace drpilot::cli
