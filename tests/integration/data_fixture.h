#pragma once
// The lab with data regions, as an operator runs it on separate hosts: the
// lab (two sites and two DynamoDB-compatible regions replicating with a
// 300 ms delay), `drpilot bootstrap dynamodb`, the controller (`drpilot
// run`), and one `drpilot agent` per site, all real processes on loopback.
// The agents read their own copy of the configuration, as they would on
// their own hosts, so that a test can make the controller's view differ.

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "integration/lab_fixture.h"

namespace drpilot::testing {

class DataFixture : public LabFixture {
 protected:
  static constexpr const char* kApiToken = "data-api-7c41e2-0001";
  static constexpr const char* kAgentKey = "data-agent-key-93b0d5";
  static constexpr const char* kGroup = "shop";

  void SetUp() override;
  void TearDown() override;

  // The configuration with the data side; the web checks use `web_port`
  // (the lab sites' port, or a dead one to cut the reader off the sites).
  std::string data_config(std::uint16_t web_port) const;
  // The lab, the tables, the controller and (when `with_agents`) the agents,
  // each waited for; returns with both sites up, www answered by ams, both
  // regions up and, with agents, both assignments applied.
  void start_world(bool with_agents = true);
  void start_agent(const std::string& name);

  nlohmann::json status();
  // The table group's entry in the status, and a site's assignment in it
  // (empty objects while the controller has none).
  nlohmann::json group();
  nlohmann::json assignment(const std::string& site);
  // The group's lag from `from` to `to` (empty before the first sample).
  nlohmann::json lag(const std::string& from, const std::string& to);
  // The phase of the group's planned write move ("none", "paused", ...).
  std::string move_phase();
  std::uint64_t generation();  // the plan's
  nlohmann::json agent_status(const std::string& name);
  // The journal's events, oldest first.
  std::vector<nlohmann::json> history();
  // The first event of `kind` whose message holds every one of `parts`
  // (null when none does).
  nlohmann::json find_event(const std::string& kind, const std::vector<std::string>& parts);

  std::string output_path(const std::string& site) const { return dir_ + "/" + site + ".env"; }
  std::string reload_log(const std::string& site) const {
    return dir_ + "/" + site + "-reloads.log";
  }
  // The agent's rendered file as KEY -> value (empty when it does not exist).
  std::map<std::string, std::string> rendered(const std::string& site) const;
  bool wait_rendered(const std::string& site, const std::string& key, const std::string& value,
                     std::chrono::milliseconds timeout);

  std::string agents_config_path_;  // the agents' copy
  std::uint16_t eu_port_ = 0, us_port_ = 0, dead_port_ = 0;
  std::map<std::string, std::uint16_t> agent_ports_;  // by agent name
  std::map<std::string, std::unique_ptr<Process>> agents_;
};

// A KEY=VALUE file's lines (what the test's template renders).
std::map<std::string, std::string> parse_env(const std::string& text);

}  // namespace drpilot::testing
