#include "probe/canary.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "aws/dynamodb.h"
#include "net/loop.h"

namespace drpilot::probe {

using nlohmann::json;

struct Canary::Source {
  const CanaryGroup* group = nullptr;
  const CanaryRegion* region = nullptr;
  std::int64_t newest_written_ms = 0;  // guarded by Canary::mutex_
};

namespace {

constexpr core::Duration kMinPoll{10};
constexpr core::Duration kMaxPoll{200};

std::int64_t ms(core::TimePoint t) {
  return t.time_since_epoch().count();
}

// The heartbeat's written_at_ms in a GetItem reply; 0 when there is none.
std::int64_t written_at(const json& reply) {
  if (!reply.is_object()) return 0;
  auto item = reply.find("Item");
  if (item == reply.end() || !item->is_object()) return 0;
  auto at = item->find("written_at_ms");
  if (at == item->end() || !at->is_object()) return 0;
  auto n = at->find("N");
  if (n == at->end() || !n->is_string()) return 0;
  const std::string& text = n->get_ref<const std::string&>();
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && p == text.data() + text.size() ? v : 0;
}

}  // namespace

std::string canary_item_key(const std::string& vantage, const std::string& region) {
  return "drpilot-canary/" + vantage + "/" + region;
}

Canary::Canary(net::Loop& loop, const core::Clock& clock, CanaryOptions options,
               SampleSink on_sample, WriteSink on_write)
    : loop_(loop),
      clock_(clock),
      options_(std::move(options)),
      on_sample_(std::move(on_sample)),
      on_write_(std::move(on_write)) {}

Canary::~Canary() {
  stop();
}

void Canary::start() {
  for (const CanaryGroup& g : options_.groups) {
    for (const CanaryRegion& r : g.regions) {
      auto s = std::make_unique<Source>();
      s->group = &g;
      s->region = &r;
      sources_.push_back(std::move(s));
    }
  }
  for (auto& s : sources_) {
    Source* src = s.get();
    threads_.emplace_back([this, src] { write_loop(*src); });
    for (const CanaryRegion& to : src->group->regions) {
      if (to.name == src->region->name) continue;
      threads_.emplace_back([this, src, &to] { read_loop(*src, to); });
    }
  }
}

void Canary::stop() {
  *alive_ = false;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

bool Canary::sleep_for(core::Duration d) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, d, [&] { return stopping_; });
}

template <class F>
void Canary::post(F f) {
  loop_.post([alive = alive_, f = std::move(f)] {
    if (*alive) f();
  });
}

void Canary::write_loop(Source& s) {
  aws::DynamoOptions o;
  o.region = s.region->aws_region;
  o.endpoint = s.region->endpoint;
  o.timeout = options_.timeout;
  o.connect_timeout = std::min(options_.timeout, core::Duration{1'000});
  o.max_attempts = 1;  // the next heartbeat is the retry
  o.tls_verify = options_.tls_verify;
  aws::DynamoClient client(o, options_.credentials, seed_++);
  const std::string key = canary_item_key(options_.vantage, s.region->name);
  core::TimePoint next = clock_.now();
  for (;;) {
    const core::TimePoint at = clock_.now();
    const json item = {{s.group->key, {{"S", key}}},
                       {"written_at_ms", {{"N", std::to_string(ms(at))}}}};
    const aws::DynamoResult r =
        client.call("PutItem", {{"TableName", s.group->table}, {"Item", item}});
    if (r.ok) {
      {
        std::lock_guard lock(mutex_);
        s.newest_written_ms = ms(at);
      }
      wake_.notify_all();
      post([this, g = s.group->group, from = s.region->name, at] { on_write_(g, from, at); });
    }
    next += s.group->interval;
    const core::TimePoint now = clock_.now();
    if (next < now) next = now;  // a slow call: no burst to catch up
    if (!sleep_for(next - now)) return;
  }
}

void Canary::read_loop(Source& s, const CanaryRegion& to) {
  aws::DynamoOptions o;
  o.region = to.aws_region;
  o.endpoint = to.endpoint;
  o.timeout = options_.timeout;
  o.connect_timeout = std::min(options_.timeout, core::Duration{1'000});
  o.max_attempts = 1;
  o.tls_verify = options_.tls_verify;
  aws::DynamoClient client(o, options_.credentials, seed_++);
  const json request = {
      {"TableName", s.group->table},
      {"Key", {{s.group->key, {{"S", canary_item_key(options_.vantage, s.region->name)}}}}},
      {"ConsistentRead", true}};
  std::int64_t seen_ms = 0;  // the newest heartbeat already sampled
  core::Duration estimate{0};
  for (;;) {
    std::int64_t due_ms = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || s.newest_written_ms > seen_ms; });
      if (stopping_) return;
      due_ms = s.newest_written_ms;
    }
    // Nothing to see before about half the lag last measured.
    const core::TimePoint due{core::Duration{due_ms}};
    const core::TimePoint first = due + estimate / 2;
    if (first > clock_.now() && !sleep_for(first - clock_.now())) return;
    const core::Duration poll = std::clamp(estimate / 10, kMinPoll, kMaxPoll);
    std::optional<core::TimePoint> missed;  // the last read that did not show it yet
    for (;;) {
      const core::TimePoint sent = clock_.now();
      const aws::DynamoResult r = client.call("GetItem", request);
      const core::TimePoint back = clock_.now();
      // The read happened somewhere between sending and the reply.
      const core::TimePoint read_at = sent + (back - sent) / 2;
      const std::int64_t got = r.ok ? written_at(r.body) : 0;
      if (got > seen_ms) {
        seen_ms = got;
        // It arrived between the last read that missed it and this one:
        // the midpoint, rather than this read, keeps polling from adding
        // half a poll interval to every sample.
        const core::TimePoint seen_at =
            missed && read_at - *missed <= 2 * poll ? *missed + (read_at - *missed) / 2 : read_at;
        core::LagSample sample{s.group->group, s.region->name, to.name,
                               core::TimePoint{core::Duration{got}}, seen_at};
        estimate = std::max(sample.lag(), core::Duration{0});
        post([this, sample] { on_sample_(sample); });
      }
      if (r.ok) missed = read_at;
      if (seen_ms >= due_ms) break;
      // Overdue for longer than a heartbeat interval: replication is stalled
      // or slow; poll at a quarter of the interval, enough to see it return.
      const bool overdue = back - due > s.group->interval;
      if (!sleep_for(overdue ? std::max(poll, s.group->interval / 4) : poll)) return;
      std::lock_guard lock(mutex_);
      due_ms = s.newest_written_ms;
    }
  }
}

}  // namespace drpilot::probe
