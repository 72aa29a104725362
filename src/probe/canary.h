#pragma once
// The replication canary of a table group: in every data region a writer puts
// a heartbeat item ({canary_key: "drpilot-canary/<vantage>/<region>",
// written_at_ms: N}) every canary_interval, and for every other region a
// reader polls for it; the first read that shows a newer heartbeat is one
// lag sample for that source -> destination pair, both instants taken from
// the same (this controller's) clock.
//
// Readers poll fast only while a heartbeat is due: they start at half the
// lag they last measured and poll every tenth of it (10-200 ms), so a
// sample's error is a few percent of the lag at a modest read rate. While a
// heartbeat is overdue the pair yields no samples; the writes the canary
// reports let the lag book show the stall as it grows.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aws/credential_source.h"
#include "core/lag.h"
#include "core/time.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::probe {

struct CanaryRegion {
  std::string name;        // the data region
  std::string aws_region;  // for signing
  std::string endpoint;    // empty: AWS's regional endpoint
};

struct CanaryGroup {
  std::string group;
  std::string table;
  std::string key = "pk";  // the table's string hash key attribute
  core::Duration interval{1'000};
  std::vector<CanaryRegion> regions;
};

struct CanaryOptions {
  std::string vantage = "controller";  // in the heartbeat's key: controllers do not collide
  std::vector<CanaryGroup> groups;
  std::shared_ptr<aws::CredentialSource> credentials;  // asked at every call
  core::Duration timeout{2'000};                       // one DynamoDB call
  bool tls_verify = true;
};

// The heartbeat item's key value.
std::string canary_item_key(const std::string& vantage, const std::string& region);

class Canary {
 public:
  using SampleSink = std::function<void(const core::LagSample&)>;
  using WriteSink =
      std::function<void(const std::string& group, const std::string& from, core::TimePoint at)>;

  // Both sinks run on the loop thread.
  Canary(net::Loop& loop, const core::Clock& clock, CanaryOptions options, SampleSink on_sample,
         WriteSink on_write);
  ~Canary();  // stops
  Canary(const Canary&) = delete;
  Canary& operator=(const Canary&) = delete;

  void start();
  // Stops every thread (each ends within one call's timeout).
  void stop();

 private:
  struct Source;  // one group's region: its writer and what it last wrote
  void write_loop(Source& s);
  void read_loop(Source& s, const CanaryRegion& to);
  bool sleep_for(core::Duration d);  // false when stopping
  template <class F>
  void post(F f);

  net::Loop& loop_;
  const core::Clock& clock_;
  CanaryOptions options_;
  SampleSink on_sample_;
  WriteSink on_write_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> seed_{1};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace drpilot::probe
