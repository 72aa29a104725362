// One probe target per site x check, addressed as the configuration says.

#include <gtest/gtest.h>

#include <map>

#include "probe/targets.h"
#include "support/check_settings.h"

namespace drpilot::probe {
namespace {

TEST(Targets, OnePerSiteAndCheckWithTheRightAddress) {
  config::LoadResult r = config::load_config_string(R"(checks:
  - name: web
    type: http
    port: 8080
  - name: db
    type: tcp
    port: 5432
    address: 192.0.2.99
sites:
  - name: ams
    endpoints: [192.0.2.1, 192.0.2.2]
    checks: [web, db]
  - name: fra
    endpoints: [198.51.100.1]
    check_address: 198.51.100.50
    checks: [web]
records:
  - name: www.example.test
    sites: [ams, fra]
)",
                                                    "targets.yaml", "/tmp");
  ASSERT_TRUE(r.ok()) << r.error_text();
  std::vector<ProbeTarget> targets = targets_from_config(*r.config);
  ASSERT_EQ(targets.size(), 3u);
  std::map<std::string, const ProbeTarget*> by_name;
  for (const ProbeTarget& t : targets) by_name[t.target] = &t;
  ASSERT_EQ(by_name.size(), 3u) << "target names are not unique";

  const ProbeTarget& ams_web = *by_name.at("ams/web");
  EXPECT_EQ(ams_web.site, "ams");
  EXPECT_EQ(ams_web.address, "192.0.2.1");  // the first endpoint
  EXPECT_EQ(ams_web.check->name, "web");
  EXPECT_EQ(ams_web.check->port, 8080);

  const ProbeTarget& ams_db = *by_name.at("ams/db");
  EXPECT_EQ(ams_db.address, "192.0.2.99");  // the check's own address wins
  EXPECT_EQ(ams_db.check->kind, config::CheckKind::tcp);

  const ProbeTarget& fra_web = *by_name.at("fra/web");
  EXPECT_EQ(fra_web.site, "fra");
  EXPECT_EQ(fra_web.address, "198.51.100.50");  // the site's check_address
}

}  // namespace
}  // namespace drpilot::probe
