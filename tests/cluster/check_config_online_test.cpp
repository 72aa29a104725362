// `drpilot check-config --online` reaches every etcd endpoint of the cluster
// section: it names the leader when there is one, and fails, naming the
// endpoint, when one does not answer.

#include <gtest/gtest.h>

#include <string>

#include "support/etcd_cluster.h"
#include "support/process.h"

namespace drpilot {
namespace {

std::string config(const std::string& endpoints) {
  return R"(sites:
  - name: ams
    endpoints: [192.0.2.1]
records:
  - name: www.example.test
    sites: [ams]
cluster:
  members:
    - name: ams-ctl
      api: http://127.0.0.1:8080
  etcd:
    prefix: /online-test/
    timeout: 500ms
    endpoints: [)" +
         endpoints + "]\n";
}

TEST(CheckConfigOnline, EveryEtcdEndpointMustAnswer) {
  testing::EtcdCluster etcd(1);
  if (!etcd.ok()) GTEST_SKIP() << etcd.why();
  const std::string dir = testing::make_temp_dir("drpilot-online");
  const std::string file = dir + "/c.yaml";

  testing::write_file(file, config(etcd.endpoint(0)));
  testing::CommandResult r =
      testing::run_command({DRPILOT_BINARY, "check-config", "-c", file, "--online"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("etcd at " + etcd.endpoint(0) + ": reachable"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("no leader elected"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 cluster member"), std::string::npos) << r.output;

  ASSERT_EQ(etcd.etcdctl({"put", "/online-test/leader", "ams-ctl"}).exit_code, 0);
  r = testing::run_command({DRPILOT_BINARY, "check-config", "-c", file, "--online"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("leader ams-ctl in term"), std::string::npos) << r.output;

  // Without --online nothing is reached: a dead endpoint is no error.
  const std::string dead = "http://127.0.0.1:" + std::to_string(testing::free_port());
  testing::write_file(file, config(etcd.endpoint(0) + ", " + dead));
  r = testing::run_command({DRPILOT_BINARY, "check-config", "-c", file});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = testing::run_command({DRPILOT_BINARY, "check-config", "-c", file, "--online"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("etcd at " + dead + ": connect"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not every etcd endpoint answered"), std::string::npos) << r.output;
  testing::remove_tree(dir);
}

}  // namespace
}  // namespace drpilot
