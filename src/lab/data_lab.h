#pragma once
// The lab's data regions: for each, a dynalite child process and, in front
// of it, the region's endpoint, which makes the regions together behave like
// one DynamoDB global table:
//
//   - DescribeTable (and CreateTable / UpdateTable) show the table with
//     every lab region as an ACTIVE replica, global table version 2019.11.21;
//   - a successful write (PutItem, UpdateItem, DeleteItem, BatchWriteItem,
//     TransactWriteItems) reaches every other region after the replication
//     delay, in order per source and destination (see Replicator);
//   - CreateTable, DeleteTable and UpdateTable apply to every region at once
//     (a global table's structure is shared); ReplicaUpdates are answered
//     as done.
//
// Faults act on the endpoint, and a region that is down (broken, refused,
// blackholed) takes no replicated writes either, as in a regional outage:
// they wait, in order, until it is healed. Its own writes accepted before
// the fault still go out, unless its replication is paused.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "lab/data_region.h"
#include "lab/dynalite_process.h"
#include "lab/replication_pump.h"

namespace drpilot::lab {

struct DataLabOptions {
  std::string node_modules;                        // where dynalite is installed
  std::map<std::string, std::string> aws_regions;  // region name → AWS region, when it differs
};

class DataLab {
 public:
  DataLab(net::Loop& loop, const config::LabConfig& cfg, DataLabOptions options);
  ~DataLab();
  // Starts the dynalites, waits until they listen, then opens the endpoints.
  // Throws std::runtime_error (a missing node or dynalite names the fix).
  void start();
  void stop();

  DataRegion* find(const std::string& name);
  const std::vector<std::unique_ptr<DataRegion>>& regions() const { return regions_; }
  DynaliteProcess& process(const DataRegion& r);
  // The region's fault, and whether it takes replicated writes meanwhile.
  void set_fault(DataRegion& r, Fault f, int slow_ms);
  // Null until start().
  ReplicationPump* pump() { return pump_.get(); }

 private:
  void serve(DataRegion& region, const net::ServerRequest& req, net::Responder respond);
  void change_table(DataRegion& region, const std::string& op, const net::ServerRequest& req,
                    net::Responder respond);
  std::uint16_t port_of(const DataRegion& r);

  net::Loop& loop_;
  config::LabConfig cfg_;
  DataLabOptions options_;
  std::vector<std::string> replica_names_;  // the AWS regions, in configuration order
  std::vector<std::unique_ptr<DataRegion>> regions_;
  std::vector<std::unique_ptr<DynaliteProcess>> processes_;  // same order
  std::unique_ptr<ReplicationPump> pump_;
};

}  // namespace drpilot::lab
