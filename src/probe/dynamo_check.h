#pragma once
// The dynamodb checks of a data region: `describe` (the table ACTIVE and
// every replica ACTIVE; any other or unknown status is not) and `sentinel`
// (a strongly consistent GetItem of an item that must exist). A check whose
// request AWS refused for its credentials (or that had none valid to sign
// with) is inconclusive, never a failure: expired credentials must not make
// a region down and move data. The DynamoDB client blocks, so checks run on
// worker threads, one per data region: a region that hangs until its
// timeout never delays another region's checks.

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "aws/credential_source.h"
#include "probe/check.h"

namespace drpilot::net {
class Loop;
class WorkQueue;
}  // namespace drpilot::net

namespace drpilot::aws {
struct DynamoResult;
}

namespace drpilot::probe {

// What a DescribeTable or GetItem result says about the region, with a
// one-line detail ("table orders ACTIVE, replicas eu-west-1 ACTIVE,
// us-east-1 ACTIVE (global table version 2019.11.21)").
CheckOutcome judge_describe(const aws::DynamoResult& r, const std::string& table);
CheckOutcome judge_sentinel(const aws::DynamoResult& r, const std::string& table);

// Thread-safe: schedulers on several check loops share one.
class DataProbe {
 public:
  // Each check signs with what `credentials` holds when it runs.
  DataProbe(std::shared_ptr<aws::CredentialSource> credentials, std::uint64_t seed);
  ~DataProbe();
  DataProbe(const DataProbe&) = delete;
  DataProbe& operator=(const DataProbe&) = delete;

  // Runs a dynamodb check; `done` runs on `loop`'s thread once, unless the
  // DataProbe is destroyed first.
  void run(net::Loop& loop, const ProbeTarget& t, std::function<void(CheckOutcome)> done);
  // A Scheduler runner: dynamodb checks here, the others as run_check does.
  std::function<void(net::Loop&, const ProbeTarget&, std::function<void(CheckOutcome)>)> runner();

 private:
  std::shared_ptr<aws::CredentialSource> credentials_;
  std::mutex mutex_;  // guards seed_ and workers_
  std::uint64_t seed_;
  std::map<std::string, std::unique_ptr<net::WorkQueue>> workers_;  // by data region
  // Cleared when the probe goes: results still on their way are dropped.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace drpilot::probe
