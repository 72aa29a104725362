// What an agent checks: its own site (and its local data region) from
// inside, and the sites it cross-checks from outside: every other site by
// default, those listed in cross_check, or none with [].

#include "agent/targets.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace drpilot::agent {
namespace {

config::Config load(const std::string& cross_check) {
  const std::string text =
      "checks:\n  - name: web\n    type: http\n    path: /healthz\n"
      "  - name: tls\n    type: tcp\n    port: 443\n"
      "sites:\n"
      "  - name: ams\n    endpoints: [192.0.2.1]\n    checks: [web]\n"
      "  - name: nyc\n    endpoints: [192.0.2.2]\n    checks: [web, tls]\n"
      "  - name: fra\n    endpoints: [192.0.2.3]\n    checks: [web]\n"
      "records:\n  - name: www.example.test\n    sites: [ams, nyc, fra]\n"
      "agents:\n  - name: ams-agent\n    site: ams\n"
      "    key: 0123456789abcdef0123456789abcdef\n"
      "    controllers: [http://127.0.0.1:8080]\n" +
      cross_check;
  config::LoadResult r = config::load_config_string(text, "test.yaml", "/tmp");
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.ok() ? *r.config : config::Config{};
}

std::vector<std::string> names(const std::vector<probe::ProbeTarget>& targets) {
  std::vector<std::string> out;
  for (const probe::ProbeTarget& t : targets) out.push_back(t.target);
  return out;
}

TEST(AgentTargets, EveryOtherSiteIsCrossCheckedByDefault) {
  const config::Config c = load("");
  const config::AgentConfig& a = c.agents.front();
  std::string error;
  EXPECT_EQ(names(agent_targets(c, a, error)), std::vector<std::string>{"ams/web"});
  EXPECT_EQ(cross_checked_sites(c, a), (std::vector<std::string>{"nyc", "fra"}));
  EXPECT_EQ(names(cross_check_targets(c, a)),
            (std::vector<std::string>{"nyc/web", "nyc/tls", "fra/web"}));
}

TEST(AgentTargets, OnlyTheListedSitesOrNone) {
  config::Config c = load("    cross_check: [fra]\n");
  EXPECT_EQ(names(cross_check_targets(c, c.agents.front())), std::vector<std::string>{"fra/web"});
  c = load("    cross_check: []\n");
  EXPECT_TRUE(cross_checked_sites(c, c.agents.front()).empty());
  EXPECT_TRUE(cross_check_targets(c, c.agents.front()).empty());
}

}  // namespace
}  // namespace drpilot::agent
