#include "lab/replication_pump.h"

#include <algorithm>
#include <cstdio>

#include "lab/dynamo_call.h"

namespace drpilot::lab {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::vector<std::string> names(const std::map<std::string, std::uint16_t>& ports) {
  std::vector<std::string> out;
  for (const auto& [name, port] : ports) out.push_back(name);
  return out;
}

// A write to a table the destination does not have yet (still CREATING
// there) is tried again this many times (some 15 s), then given up.
constexpr int kMissingTableAttempts = 20;

std::chrono::milliseconds backoff(int attempt) {
  return std::min<std::chrono::milliseconds>(50ms * (1 << std::min(attempt, 5)), 1s);
}

}  // namespace

ReplicationPump::ReplicationPump(net::Loop& loop, std::map<std::string, std::uint16_t> ports,
                                 std::chrono::milliseconds delay)
    : loop_(loop), ports_(std::move(ports)), replicator_(names(ports_), delay), timer_(loop) {}

void ReplicationPump::record(const std::string& source, const std::vector<ReplicationStep>& steps) {
  const auto now = Clock::now();
  for (const ReplicationStep& s : steps) {
    if (s.change) {
      replicator_.record(source, now, *s.change);
      continue;
    }
    // The item's new image, read right after the write, holds the write's
    // place in the order until it arrives.
    const std::uint64_t ticket = replicator_.reserve(source, now);
    dynamo_call(loop_, ports_.at(source), "GetItem", image_request(s.table, s.key_json),
                [this, ticket, source, table = s.table, key = s.key_json](net::ClientResult r) {
                  if (stopped_) return;
                  std::optional<Change> c;
                  if (r.ok && r.status == 200) c = change_from_image(table, key, r.body);
                  if (!c) {
                    ++dropped_;
                    std::fprintf(
                        stderr,
                        "lab: replication from %s: cannot read the new image of an item "
                        "in %s (%s); it is not replicated\n",
                        source.c_str(), table.c_str(),
                        r.ok ? ("status " + std::to_string(r.status)).c_str() : r.error.c_str());
                  }
                  replicator_.fill(ticket, std::move(c));
                  pump();
                });
  }
  pump();
}

void ReplicationPump::pause(const std::string& source) {
  replicator_.pause(source);
  pump();
}

void ReplicationPump::resume(const std::string& source) {
  replicator_.resume(source);
  pump();
}

void ReplicationPump::set_receiving(const std::string& destination, bool receiving) {
  if (receiving) {
    replicator_.release(destination);
  } else {
    replicator_.hold(destination);
  }
  pump();
}

void ReplicationPump::stop() {
  stopped_ = true;
  timer_.cancel();
}

void ReplicationPump::pump() {
  if (stopped_) return;
  const auto now = Clock::now();
  for (const Replicator::Delivery& d : replicator_.start(now)) deliver(d);
  timer_.cancel();
  if (auto wake = replicator_.next_wake()) {
    auto after = std::chrono::ceil<std::chrono::milliseconds>(*wake - Clock::now());
    timer_.start(std::max(after, 0ms), [this] { pump(); });
  }
}

void ReplicationPump::deliver(const Replicator::Delivery& d) {
  dynamo_call(loop_, ports_.at(d.destination), d.change.operation, d.change.body,
              [this, d](net::ClientResult r) {
                if (stopped_) return;
                const auto now = Clock::now();
                auto outcome = Replicator::Outcome::delivered;
                std::string why;
                if (!r.ok || r.status >= 500) {
                  // The destination's server is down or failing: it will be back.
                  outcome = Replicator::Outcome::retry;
                } else if (r.status != 200) {
                  const bool missing_table = is_error(r.body, "ResourceNotFoundException");
                  outcome = missing_table && d.attempt < kMissingTableAttempts
                                ? Replicator::Outcome::retry
                                : Replicator::Outcome::dropped;
                  why = r.body;
                }
                if (outcome == Replicator::Outcome::delivered) ++delivered_;
                if (outcome == Replicator::Outcome::dropped) {
                  ++dropped_;
                  std::fprintf(stderr, "lab: replication %s -> %s: %s refused, dropped: %s\n",
                               d.source.c_str(), d.destination.c_str(), d.change.operation.c_str(),
                               why.c_str());
                }
                replicator_.finish(d, outcome, now + backoff(d.attempt));
                pump();
              });
}

}  // namespace drpilot::lab
