#pragma once
// The order and timing of replication between the lab's data regions, free
// of sockets and clocks so that it can be tested step by step.
//
// Every write a region accepts is queued for every other region. Per
// source → destination pair the writes go out one at a time, in the order
// they were recorded, each not before `delay` after it was written (as a
// global table's replication lag). A paused source keeps queueing; when it
// resumes, writes whose delay has passed go at once, the rest when due. A
// held destination (a region that is down, as in a regional outage) takes
// nothing until it is released; its writes wait in order. A delivery that
// failed is tried again (the same write, so the order holds) not before the
// time the caller names.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lab/change.h"

namespace drpilot::lab {

class Replicator {
 public:
  using Time = std::chrono::steady_clock::time_point;

  Replicator(std::vector<std::string> regions, std::chrono::milliseconds delay);

  // A write `source` accepted at `at`, ready to replay.
  void record(const std::string& source, Time at, Change change);
  // A write whose replayed form is not known yet (its new image is being
  // read): it holds its place in the order until fill().
  std::uint64_t reserve(const std::string& source, Time at);
  // nullopt: nothing to replay after all (the place is given up).
  void fill(std::uint64_t ticket, std::optional<Change> change);

  void pause(const std::string& source);
  void resume(const std::string& source);
  bool paused(const std::string& source) const;
  void hold(const std::string& destination);
  void release(const std::string& destination);
  bool held(const std::string& destination) const;

  struct Delivery {
    std::string source, destination;
    std::uint64_t id = 0;
    Change change;
    Time written;
    int attempt = 0;  // 0 the first time
  };
  // The deliveries that may go now; each pair has at most one under way
  // until finish() is called for it.
  std::vector<Delivery> start(Time now);
  enum class Outcome { delivered, dropped, retry };
  // `retry_at` only for Outcome::retry.
  void finish(const Delivery& d, Outcome outcome, Time retry_at = {});
  // When start() may next have something, if anything is waiting that does
  // not depend on finish() or fill().
  std::optional<Time> next_wake() const;

  // Writes from `source` not yet delivered everywhere / to `destination`.
  std::size_t queued(const std::string& source) const;
  std::size_t queued(const std::string& source, const std::string& destination) const;
  const std::vector<std::string>& regions() const { return regions_; }
  std::chrono::milliseconds delay() const { return delay_; }

 private:
  struct Entry {
    std::uint64_t id = 0;
    Time written;
    bool ready = false;
    std::optional<Change> change;  // ready without a change: skipped
  };
  struct Link {
    std::deque<std::shared_ptr<Entry>> queue;
    bool busy = false;
    int attempt = 0;
    Time not_before;  // after a failed attempt
  };
  using Pair = std::pair<std::string, std::string>;

  std::shared_ptr<Entry> add(const std::string& source, Time at, std::optional<Change> change,
                             bool ready);
  // The first entry that still has something to deliver; nullptr if none.
  static const Entry* head(const Link& l);
  std::optional<Time> due(const Pair& p, const Link& l) const;

  std::vector<std::string> regions_;
  std::chrono::milliseconds delay_;
  std::map<Pair, Link> links_;
  std::set<std::string> paused_;
  std::set<std::string> held_;
  std::map<std::uint64_t, std::weak_ptr<Entry>> reserved_;
  std::uint64_t next_id_ = 1;
};

}  // namespace drpilot::lab
