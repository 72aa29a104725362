#include "probe/scheduler.h"

#include <algorithm>

#include "core/hysteresis.h"
#include "net/loop.h"

namespace drpilot::probe {

struct Scheduler::Entry {
  explicit Entry(const ProbeTarget& t) : target(t), counter(t.check->hysteresis) {}
  ProbeTarget target;
  // This scheduler's own view of the target, from the results it reported:
  // while a transition is pending the target is checked at the edge interval.
  core::HysteresisCounter counter;
  SteadyTime due{};       // when the armed check is due (slot-rounded)
  std::uint64_t seq = 0;  // bumped on every arming
  bool running = false;   // a check is in flight
  bool retired = false;   // removed or replaced: drop its results
};

namespace {

SteadyTime round_up(SteadyTime t, Millis slot) {
  const auto since = t.time_since_epoch();
  const auto rem = since % slot;
  return rem == decltype(rem)::zero() ? t : t + (slot - rem);
}

}  // namespace

Scheduler::Scheduler(net::Loop& loop, const core::Clock& clock, std::string vantage, Sink sink,
                     std::uint64_t seed, Runner runner)
    : loop_(loop),
      clock_(clock),
      vantage_(std::move(vantage)),
      sink_(std::move(sink)),
      runner_(std::move(runner)),
      rng_(seed),
      timer_(loop),
      heartbeat_(loop) {
  beat();
}

Scheduler::~Scheduler() {
  stop();
}

core::Duration Scheduler::next_delay(const config::CheckConfig& c, bool pending,
                                     core::Duration took, double jitter_draw) {
  const core::Duration base = pending ? c.edge_interval : c.interval;
  // jitter_draw in [-1, 1] spreads the interval by up to +/- jitter_percent.
  const double spread = static_cast<double>(base.count()) * c.jitter_percent / 100.0 * jitter_draw;
  const core::Duration period{
      static_cast<std::int64_t>(static_cast<double>(base.count()) + spread)};
  // Intervals run start to start; a slow check is followed at once, not overlapped.
  // `took` comes from the wall clock: a backward step makes it negative, which
  // must not push the next check past one period.
  return std::max(core::Duration{0}, period - std::max(core::Duration{0}, took));
}

bool Scheduler::set_aside(const CheckOutcome& out, const config::CheckConfig& check,
                          Millis loop_lag) {
  if (out.ok) return false;
  if (out.failure == net::Failure::local) return true;
  // A lag of a tenth of the timeout (at least 25 ms) is enough for a reply
  // that was in time to be read too late.
  return out.failure == net::Failure::timeout &&
         loop_lag > std::max(Millis{25}, check.timeout / 10);
}

void Scheduler::set_targets(const std::vector<ProbeTarget>& targets) {
  std::map<std::string, std::shared_ptr<Entry>> next;
  for (const ProbeTarget& t : targets) {
    auto it = entries_.find(t.target);
    // Only an unchanged target keeps its rhythm and its check in flight; any
    // change (port, path, interval, ...) starts afresh, so a result obtained
    // with the old settings is never counted and a new interval applies at once.
    const bool same = it != entries_.end() && it->second->target.address == t.address &&
                      *it->second->target.check == *t.check;
    if (same) {
      it->second->target = t;
      next[t.target] = it->second;
      entries_.erase(it);
      continue;
    }
    auto e = std::make_shared<Entry>(t);
    next[t.target] = e;
    std::uniform_int_distribution<std::int64_t> first(
        0, std::max<std::int64_t>(0, t.check->interval.count() - 1));
    arm(e, core::Duration{first(rng_)});
  }
  for (auto& [name, e] : entries_) e->retired = true;
  entries_ = std::move(next);
}

void Scheduler::stop() {
  stopped_ = true;
  heartbeat_.cancel();
  timer_.cancel();
  timer_at_ = SteadyTime{};
  for (auto& [name, e] : entries_) e->retired = true;
  entries_.clear();
  due_ = {};
}

LoadReport Scheduler::load() const {
  return gauge_.report(loop_.time().steady_now());
}

void Scheduler::beat() {
  gauge_.expect_heartbeat(loop_.time().steady_now() + LoadGauge::kHeartbeat);
  heartbeat_.start(LoadGauge::kHeartbeat, [this] {
    gauge_.heartbeat(loop_.time().steady_now());
    if (on_beat_) on_beat_();
    if (!stopped_) beat();
  });
}

Millis Scheduler::slot_for(core::Duration interval) {
  const Millis want = interval / 20;
  for (Millis s : {Millis{50}, Millis{20}, Millis{10}, Millis{5}, Millis{2}}) {
    if (want >= s) return s;
  }
  return Millis{1};
}

void Scheduler::arm(const std::shared_ptr<Entry>& e, core::Duration delay) {
  e->due = round_up(loop_.time().steady_now() + delay, slot_for(delay));
  due_.push({e->due, ++e->seq, e});
  wake_for(e->due);
}

// Keeps the one timer armed for the earliest due time.
void Scheduler::wake_for(SteadyTime at) {
  if (timer_at_ != SteadyTime{} && timer_at_ <= at) return;
  timer_at_ = at;
  const auto delay = std::max(Millis{0}, std::chrono::ceil<Millis>(at - loop_.time().steady_now()));
  timer_.start(delay, [this] {
    timer_at_ = SteadyTime{};
    run_due();
  });
}

void Scheduler::run_due() {
  const SteadyTime now = loop_.time().steady_now();
  while (!due_.empty() && due_.top().at <= now) {
    Due d = due_.top();
    due_.pop();
    if (d.seq == d.entry->seq) fire(d.entry);
  }
  if (!due_.empty() && !stopped_) wake_for(due_.top().at);
}

void Scheduler::fire(const std::shared_ptr<Entry>& e) {
  if (e->retired || e->running) return;
  e->running = true;
  const SteadyTime steady_start = loop_.time().steady_now();
  gauge_.started(e->due, steady_start);
  const core::TimePoint started = clock_.now();
  runner_(loop_, e->target, [this, e, started, steady_start](CheckOutcome out) {
    e->running = false;
    if (e->retired) return;
    const SteadyTime steady_end = loop_.time().steady_now();
    gauge_.completed(steady_end);
    const core::TimePoint now = clock_.now();
    std::uniform_real_distribution<double> jitter(-1.0, 1.0);
    if (set_aside(out, *e->target.check, gauge_.loop_lag_since(steady_start, steady_end))) {
      // Neither an observation nor a step of the counter: the next check
      // comes at the usual time and decides.
      gauge_.set_aside(steady_end);
      arm(e, next_delay(*e->target.check, e->counter.pending(), now - started, jitter(rng_)));
      return;
    }
    core::Observation o;
    o.target = e->target.target;
    o.vantage = vantage_;
    o.ok = out.ok;
    o.inconclusive = !out.ok && out.inconclusive;
    o.latency = out.latency;
    o.detail = std::move(out.detail);
    o.at = now;
    e->counter.observe(o);
    sink_(o);
    if (e->retired) return;  // the sink may have reconfigured us
    arm(e, next_delay(*e->target.check, e->counter.pending(), o.at - started, jitter(rng_)));
  });
}

}  // namespace drpilot::probe
