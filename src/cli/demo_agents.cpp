#include "cli/demo_agents.h"

#include <stdexcept>

#include "agent/options.h"
#include "aws/bootstrap_config.h"
#include "aws/credential_provider.h"
#include "aws/credential_report.h"
#include "cli/log.h"
#include "cli/random_seed.h"
#include "config/secrets.h"
#include "probe/dynamo_check.h"

namespace drpilot::cli {

AgentRun::AgentRun(net::Loop& loop, const core::Clock& clock, const config::Config& cfg,
                   const std::string& name, agent::EventLog log)
    : clock_(clock) {
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
    // As the controller does: loaded now, then refreshed on the loop.
    credentials_ = aws::load_then_refresh(clock, aws::credential_options_from_config(cfg),
                                          aws::CredentialProvider::loop_fetch(loop), error);
    if (!credentials_) {
      throw std::runtime_error("agent " + name +
                               ": AWS credentials for its data region's checks: " + error);
    }
    credential_watch_ = std::make_unique<aws::CredentialWatch>();
    credential_watch_->update(credentials_->status(), clock_.now());
    probe_ = std::make_unique<probe::DataProbe>(credentials_, options_.seed ^ 0x5eed);
    options_.runner = probe_->runner();
    credential_timer_ = std::make_unique<net::Timer>(loop);
    credential_timer_->start(std::chrono::seconds(1), [this] { watch_credentials(); });
  }
  agent_ = std::make_unique<agent::Agent>(loop, clock, options_);
}

void AgentRun::watch_credentials() {
  credentials_->poll();
  const aws::CredentialStatus s = credentials_->status();
  const aws::CredentialNews news = credential_watch_->update(s, clock_.now());
  if (options_.log) {
    if (news.changed) {
      options_.log("aws_credentials",
                   {{"source", s.source}, {"expires", aws::expiry_time(s.expiration)}});
    }
    for (const std::string& text : news.started)
      options_.log("aws_credentials_alert", {{"state", "started"}, {"alert", text}});
    for (const std::string& text : news.ended)
      options_.log("aws_credentials_alert", {{"state", "ended"}, {"detail", text}});
  }
  credential_timer_->start(std::chrono::seconds(1), [this] { watch_credentials(); });
}

AgentRun::~AgentRun() {
  credential_timer_.reset();
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
