#pragma once
// An agent as it runs: its options from the configuration, its key, and the
// DataProbe its local data region's dynamodb checks need. `drpilot agent`
// runs one; `drpilot demo` runs every agent of the file in its own process,
// beside the lab and the controller.

#include <memory>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "config/config.h"
#include "net/loop.h"

namespace drpilot::probe {
class DataProbe;
}
namespace drpilot::aws {
class CredentialProvider;
class CredentialWatch;
}  // namespace drpilot::aws

namespace drpilot::cli {

class AgentRun {
 public:
  // Throws std::runtime_error naming what is wrong (unknown agent, key or
  // credentials that cannot be read).
  AgentRun(net::Loop& loop, const core::Clock& clock, const config::Config& cfg,
           const std::string& name, agent::EventLog log);
  ~AgentRun();
  agent::Agent& agent() { return *agent_; }
  const agent::AgentOptions& options() const { return options_; }

 private:
  // Refreshes the AWS credentials when due and logs their alerts when they
  // start and end; every second.
  void watch_credentials();

  const core::Clock& clock_;
  agent::AgentOptions options_;
  std::shared_ptr<aws::CredentialProvider> credentials_;
  std::unique_ptr<aws::CredentialWatch> credential_watch_;
  std::unique_ptr<probe::DataProbe> probe_;
  std::unique_ptr<agent::Agent> agent_;
  // Last: destroyed first, so its callback never sees the rest gone.
  std::unique_ptr<net::Timer> credential_timer_;
};

class DemoAgents {
 public:
  DemoAgents(net::Loop& loop, const core::Clock& clock, const config::Config& cfg);
  void start();  // throws std::runtime_error
  void stop();

 private:
  net::Loop& loop_;
  const core::Clock& clock_;
  const config::Config& cfg_;
  std::vector<std::unique_ptr<AgentRun>> agents_;
};

}  // namespace drpilot::cli
