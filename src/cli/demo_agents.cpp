#include "cli/demo_agents.h"

#include <stdexcept>

#include "agent/options.h"
#include "aws/bootstrap_config.h"
#include "aws/credentials.h"
#include "cli/log.h"
#include "cli/random_seed.h"
#include "config/secrets.h"
#include "probe/dynamo_check.h"

namespace drpilot::cli {

AgentRun::AgentRun(net::Loop& loop, const core::Clock& clock, const config::Config& cfg,
                   const std::string& name, agent::EventLog log) {
  std::string error;
  const config::AgentConfig* section = cfg.find_agent(name);
  std::optional<std::string> key;
  if (section) {
    key = config::resolve_secret(section->key, error);
    if (!key) throw std::runtime_error("agent " + name + ": cannot read its key: " + error);
  }
  auto options = agent::options_from_config(cfg, name, key.value_or(""), error);
  if (!options) throw std::runtime_error(error);
  options_ = std::move(*options);
  // Nonces must not repeat across restarts: a fresh seed every run.
  options_.seed = random_seed();
  options_.log = std::move(log);
  bool dynamodb = false;
  for (const probe::ProbeTarget& t : options_.targets)
    dynamodb |= t.check->kind == config::CheckKind::dynamodb;
  if (dynamodb) {
    auto creds = aws::load_credentials(aws::credential_options_from_config(cfg), error);
    if (!creds) {
      throw std::runtime_error("agent " + name +
                               ": AWS credentials for its data region's checks: " + error);
    }
    probe_ = std::make_unique<probe::DataProbe>(*creds, options_.seed ^ 0x5eed);
    options_.runner = probe_->runner();
  }
  agent_ = std::make_unique<agent::Agent>(loop, clock, options_);
}

AgentRun::~AgentRun() {
  if (agent_) agent_->stop();
  agent_.reset();
  probe_.reset();
}

DemoAgents::DemoAgents(net::Loop& loop, const core::Clock& clock, const config::Config& cfg)
    : loop_(loop), clock_(clock), cfg_(cfg) {}

void DemoAgents::start() {
  for (const config::AgentConfig& a : cfg_.agents) {
    auto run = std::make_unique<AgentRun>(
        loop_, clock_, cfg_, a.name,
        [name = a.name](const std::string& event, const std::vector<agent::EventField>& fields) {
          std::vector<Field> all{{"agent", name}};
          all.insert(all.end(), fields.begin(), fields.end());
          log_fields("agent_" + event, all);
        });
    run->agent().start();
    log_event("agent", {{"name", a.name},
                        {"site", a.site},
                        {"healthz", "http://" + a.listen.host + ":" +
                                        std::to_string(run->agent().healthz_port()) + "/healthz"},
                        {"output", a.output_path.empty() ? "none" : a.output_path}});
    agents_.push_back(std::move(run));
  }
}

void DemoAgents::stop() {
  for (auto& a : agents_) a->agent().stop();
}

}  // namespace drpilot::cli
