#pragma once
// Drives the Replicator on the event loop: reads the new images it needs
// from the source region's dynalite, sends due writes to the destination
// regions' dynalites, retries what failed, and sleeps until the next write
// is due.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lab/dynamo_wire.h"
#include "lab/replicator.h"
#include "net/loop.h"

namespace drpilot::lab {

class ReplicationPump {
 public:
  // `ports`: each region's dynalite.
  ReplicationPump(net::Loop& loop, std::map<std::string, std::uint16_t> ports,
                  std::chrono::milliseconds delay);

  // A write that `source` accepted just now.
  void record(const std::string& source, const std::vector<ReplicationStep>& steps);
  void pause(const std::string& source);
  void resume(const std::string& source);
  // Whether `destination` takes replicated writes (not while it is down).
  void set_receiving(const std::string& destination, bool receiving);
  // No more deliveries (the lab is stopping).
  void stop();

  const Replicator& replicator() const { return replicator_; }
  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t dropped() const { return dropped_; }

 private:
  void pump();
  void deliver(const Replicator::Delivery& d);

  net::Loop& loop_;
  std::map<std::string, std::uint16_t> ports_;
  Replicator replicator_;
  net::Timer timer_;
  bool stopped_ = false;
  std::uint64_t delivered_ = 0, dropped_ = 0;
};

}  // namespace drpilot::lab
