// `drpilot check-config --online` reaches every etcd endpoint of the cluster
// section: it names the leader when there is one, and fails, naming the
// endpoint, when one does not answer.

#include <gtest/gtest.h>

#include <fstream>
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

// Until a controller can run as a cluster member, a configured cluster is
// refused at start, never ignored (a lone controller would act beside the
// cluster's leader).
TEST(ClusterRun, AConfiguredClusterIsRefusedBeforeAnythingStarts) {
  const std::string dir = testing::make_temp_dir("drpilot-cluster-run");
  const std::string file = dir + "/c.yaml";
  testing::write_file(file, config("http://127.0.0.1:1") + "journal:\n  path: " + dir + "/j.db\n");
  testing::CommandResult r = testing::run_command({DRPILOT_BINARY, "run", "-c", file});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("has a 'cluster' section"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("nothing was started"), std::string::npos) << r.output;
  EXPECT_FALSE(std::ifstream(dir + "/j.db").good()) << "the journal was created";
  testing::remove_tree(dir);
}

}  // namespace
}  // namespace drpilot
