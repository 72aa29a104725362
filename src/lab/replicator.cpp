#include "lab/replicator.h"

#include <algorithm>

namespace drpilot::lab {

Replicator::Replicator(std::vector<std::string> regions, std::chrono::milliseconds delay)
    : regions_(std::move(regions)), delay_(delay) {
  for (const std::string& s : regions_) {
    for (const std::string& d : regions_) {
      if (s != d) links_[{s, d}];
    }
  }
}

std::shared_ptr<Replicator::Entry> Replicator::add(const std::string& source, Time at,
                                                   std::optional<Change> change, bool ready) {
  auto e = std::make_shared<Entry>();
  e->id = next_id_++;
  e->written = at;
  e->ready = ready;
  e->change = std::move(change);
  for (auto& [pair, link] : links_) {
    if (pair.first == source) link.queue.push_back(e);
  }
  return e;
}

void Replicator::record(const std::string& source, Time at, Change change) {
  add(source, at, std::move(change), true);
}

std::uint64_t Replicator::reserve(const std::string& source, Time at) {
  auto e = add(source, at, std::nullopt, false);
  reserved_[e->id] = e;
  return e->id;
}

void Replicator::fill(std::uint64_t ticket, std::optional<Change> change) {
  auto it = reserved_.find(ticket);
  if (it == reserved_.end()) return;
  if (auto e = it->second.lock()) {
    e->change = std::move(change);
    e->ready = true;
  }
  reserved_.erase(it);
}

void Replicator::pause(const std::string& source) {
  paused_.insert(source);
}
void Replicator::resume(const std::string& source) {
  paused_.erase(source);
}
bool Replicator::paused(const std::string& source) const {
  return paused_.count(source) > 0;
}
void Replicator::hold(const std::string& destination) {
  held_.insert(destination);
}
void Replicator::release(const std::string& destination) {
  held_.erase(destination);
}
bool Replicator::held(const std::string& destination) const {
  return held_.count(destination) > 0;
}

const Replicator::Entry* Replicator::head(const Link& l) {
  for (const auto& e : l.queue) {
    if (!e->ready || e->change) return e.get();
  }
  return nullptr;
}

std::optional<Replicator::Time> Replicator::due(const Pair& p, const Link& l) const {
  if (l.busy || paused(p.first) || held(p.second)) return std::nullopt;
  const Entry* e = head(l);
  if (!e || !e->ready) return std::nullopt;
  // The delay runs from the write, not from a resume: a long pause drains at once.
  return std::max(e->written + delay_, l.attempt > 0 ? l.not_before : Time{});
}

std::vector<Replicator::Delivery> Replicator::start(Time now) {
  std::vector<Delivery> out;
  for (auto& [pair, link] : links_) {
    // Skipped places leave the queue as soon as they reach its front.
    while (!link.queue.empty() && link.queue.front()->ready && !link.queue.front()->change) {
      link.queue.pop_front();
    }
    auto when = due(pair, link);
    if (!when || *when > now) continue;
    const Entry& e = *link.queue.front();
    link.busy = true;
    out.push_back({pair.first, pair.second, e.id, *e.change, e.written, link.attempt});
  }
  return out;
}

void Replicator::finish(const Delivery& d, Outcome outcome, Time retry_at) {
  auto it = links_.find({d.source, d.destination});
  if (it == links_.end()) return;
  Link& link = it->second;
  if (link.queue.empty() || link.queue.front()->id != d.id) return;
  link.busy = false;
  if (outcome == Outcome::retry) {
    ++link.attempt;
    link.not_before = retry_at;
    return;
  }
  link.queue.pop_front();
  link.attempt = 0;
}

std::optional<Replicator::Time> Replicator::next_wake() const {
  std::optional<Time> wake;
  for (const auto& [pair, link] : links_) {
    auto when = due(pair, link);
    if (when && (!wake || *when < *wake)) wake = when;
  }
  return wake;
}

std::size_t Replicator::queued(const std::string& source, const std::string& destination) const {
  auto it = links_.find({source, destination});
  if (it == links_.end()) return 0;
  return std::count_if(it->second.queue.begin(), it->second.queue.end(),
                       [](const auto& e) { return !e->ready || e->change; });
}

std::size_t Replicator::queued(const std::string& source) const {
  std::size_t n = 0;
  for (const std::string& d : regions_) {
    if (d != source) n = std::max(n, queued(source, d));
  }
  return n;
}

}  // namespace drpilot::lab
