#include "providers/reconciler.h"

#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "net/loop.h"

namespace drpilot::providers {

std::string_view to_string(SyncState s) {
  switch (s) {
    case SyncState::in_sync:
      return "in sync";
    case SyncState::converging:
      return "converging";
    case SyncState::failing:
      return "failing";
  }
  return "unknown";
}

std::string_view to_string(ReconcileEvent::Kind k) {
  switch (k) {
    case ReconcileEvent::Kind::started:
      return "started";
    case ReconcileEvent::Kind::applying:
      return "applying";
    case ReconcileEvent::Kind::applied:
      return "applied";
    case ReconcileEvent::Kind::verified:
      return "verified";
    case ReconcileEvent::Kind::failed:
      return "failed";
    case ReconcileEvent::Kind::refused:
      return "refused";
  }
  return "unknown";
}

namespace {

struct Work {
  std::shared_ptr<const Target> target;
  std::uint64_t revision = 0;  // bumped by every set_target, even for the same generation
};

std::string count(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string join_steps(const std::vector<std::string>& steps) {
  std::string s;
  for (const std::string& step : steps) s += (s.empty() ? "" : "; ") + step;
  return s;
}

}  // namespace

struct Reconciler::Worker {
  Worker(Reconciler& r, std::unique_ptr<Provider> p, net::Backoff b, std::uint64_t applied,
         std::uint64_t verified, std::uint64_t seed, bool is_local)
      : owner(r), provider(std::move(p)), backoff(b), rng(seed), local(is_local) {
    status.name = provider->name();
    status.kind = std::string(provider->kind());
    status.where = provider->where();
    status.applied_generation = applied;
    status.verified_generation = verified;
  }

  Reconciler& owner;
  std::unique_ptr<Provider> provider;
  net::Backoff backoff;
  std::mt19937_64 rng;  // touched by the worker thread only, like the two below
  const bool local;
  std::uint64_t backoff_generation = 0;
  int backoff_attempt = 0;
  std::thread thread;
  std::atomic<bool> stopping{false};

  mutable std::mutex mutex;
  std::condition_variable wake;
  Work work;                        // guarded by mutex
  ProviderStatus status;            // guarded by mutex
  std::uint64_t done_revision = 0;  // guarded by mutex: the revision last verified or refused

  void run();
  bool attempt(const Work& w);
  void refuse(const Work& w, const std::string& msg);
  void on_failure(const Work& w, const Failure& f);
  void emit(ReconcileEvent::Kind kind, std::uint64_t generation, std::string message,
            std::vector<std::string> steps = {});
  // Waits until `until` or until a newer revision arrives; false when stopping.
  bool wait_retry(std::uint64_t revision, core::SteadyTime until);
};

void Reconciler::Worker::emit(ReconcileEvent::Kind kind, std::uint64_t generation,
                              std::string message, std::vector<std::string> steps) {
  ReconcileEvent e;
  e.kind = kind;
  e.provider = provider->name();
  e.generation = generation;
  e.message = std::move(message);
  e.steps = std::move(steps);
  {
    std::lock_guard lock(mutex);
    e.applied_generation = status.applied_generation;
    e.verified_generation = status.verified_generation;
  }
  std::weak_ptr<std::atomic<bool>> alive = owner.alive_;
  Sink& sink = owner.sink_;
  owner.loop_.post([alive, &sink, e = std::move(e)] {
    auto a = alive.lock();
    if (a && a->load()) sink(e);
  });
}

void Reconciler::Worker::run() {
  {
    std::lock_guard lock(mutex);
    provider->resume(status.verified_generation);
  }
  std::uint64_t started = 0;  // the generation whose start was reported
  for (;;) {
    Work w;
    {
      std::unique_lock lock(mutex);
      wake.wait(lock,
                [&] { return stopping.load() || (work.target && work.revision != done_revision); });
      if (stopping.load()) return;
      w = work;
    }
    const std::uint64_t gen = w.target->generation;
    std::uint64_t applied;
    {
      std::lock_guard lock(mutex);
      applied = status.applied_generation;
    }
    if (gen < applied) {
      // A deposed or restored controller must never overwrite a newer plan.
      refuse(w, provider->name() + " refused generation " + std::to_string(gen) + ": generation " +
                    std::to_string(applied) + " was already applied");
      continue;
    }
    if (started != gen) {
      started = gen;
      emit(ReconcileEvent::Kind::started, gen,
           provider->name() + " started on generation " + std::to_string(gen));
    }
    attempt(w);
  }
}

// Nothing is done for `w` until a newer target arrives.
void Reconciler::Worker::refuse(const Work& w, const std::string& msg) {
  {
    std::lock_guard lock(mutex);
    done_revision = w.revision;
    status.failures = std::max(status.failures, 1);
    status.last_error = msg;
    status.last_error_at = owner.time_.now();
  }
  emit(ReconcileEvent::Kind::refused, w.target->generation, msg);
}

// One attempt at `w`: diff, apply, verify. Returns true when verified.
bool Reconciler::Worker::attempt(const Work& w) {
  const Target& t = *w.target;
  const std::uint64_t gen = t.generation;
  auto first = provider->diff(t);
  if (auto* f = std::get_if<Failure>(&first)) {
    on_failure(w, *f);
    return false;
  }
  const Changes& changes = std::get<Changes>(first);
  if (!changes.empty()) {
    {
      std::lock_guard lock(mutex);
      // A newer target arrived while reading: act on that one instead.
      if (work.revision != w.revision) return false;
    }
    if (!local && owner.permit_) {
      if (const std::string why = owner.permit_(); !why.empty()) {
        refuse(w, provider->name() + " held generation " + std::to_string(gen) + ": " + why);
        return false;
      }
    }
    emit(ReconcileEvent::Kind::applying, gen,
         provider->name() + " applying " + count(changes.steps.size(), "change", "changes") +
             " for generation " + std::to_string(gen) + ": " + join_steps(changes.steps),
         changes.steps);
    std::optional<Failure> applied = provider->apply(t, changes);
    {
      // Even a partly failed apply may have changed the world: from now on no
      // older generation may be applied.
      std::lock_guard lock(mutex);
      status.applied_generation = std::max(status.applied_generation, gen);
      status.last_changes = changes.steps;
    }
    if (applied) {
      on_failure(w, *applied);
      return false;
    }
    emit(ReconcileEvent::Kind::applied, gen,
         provider->name() + " applied generation " + std::to_string(gen), changes.steps);
    auto again = provider->diff(t);
    if (auto* f = std::get_if<Failure>(&again)) {
      Failure verify = *f;
      verify.reason = "reading back after the change: " + verify.reason;
      on_failure(w, verify);
      return false;
    }
    const Changes& left = std::get<Changes>(again);
    if (!left.empty()) {
      on_failure(w,
                 fail("after the change " + count(left.steps.size(), "difference", "differences") +
                      " remain: " + join_steps(left.steps)));
      return false;
    }
  }
  {
    std::lock_guard lock(mutex);
    status.verified_generation = std::max(status.verified_generation, gen);
    status.failures = 0;
    status.last_error.clear();
    done_revision = w.revision;
  }
  emit(ReconcileEvent::Kind::verified, gen,
       provider->name() + " verified generation " + std::to_string(gen) +
           (changes.empty() ? ": already in sync" : ": in sync"));
  return true;
}

void Reconciler::Worker::on_failure(const Work& w, const Failure& f) {
  const core::TimePoint now = owner.time_.now();
  core::Duration wait;
  bool report;
  {
    std::lock_guard lock(mutex);
    ++status.failures;
    // The same failure again is not news: report a failure when it starts
    // or changes, so that a long outage is one journal line, not thousands.
    report = f.reason != status.last_error;
    status.last_error = f.reason;
    status.last_error_at = now;
  }
  // The backoff grows per target: a new plan starts again from a short wait.
  if (backoff_generation != w.target->generation) {
    backoff_generation = w.target->generation;
    backoff_attempt = 0;
  }
  core::Duration delay = net::full_jitter(backoff, backoff_attempt++, rng);
  if (f.permanent) delay = backoff.cap;  // will not heal by itself: retry at the slowest pace
  if (f.retry_after) {
    const core::Duration asked = std::min(*f.retry_after, backoff.server_wait_cap);
    delay = std::max(delay, asked);
  }
  wait = delay;
  {
    std::lock_guard lock(mutex);
    status.next_attempt_at = now + delay;
  }
  if (report) {
    std::string msg = provider->name() + " failed on generation " +
                      std::to_string(w.target->generation) + ": " + f.reason;
    if (f.permanent) msg += " (retrying every " + core::format_duration(backoff.cap) + ")";
    emit(ReconcileEvent::Kind::failed, w.target->generation, msg);
  }
  wait_retry(w.revision, owner.time_.steady_now() + wait);
}

bool Reconciler::Worker::wait_retry(std::uint64_t revision, core::SteadyTime until) {
  std::unique_lock lock(mutex);
  // A new target ends the wait, the server's too: a failover must not sit
  // out a rate limit asked for about an older plan. At worst the API
  // answers 429 again, and that wait is honoured for the new target.
  owner.time_.wait_until(lock, wake, until,
                         [&] { return stopping.load() || work.revision != revision; });
  return !stopping.load();
}

Reconciler::Reconciler(net::Loop& loop, Sink sink, std::uint64_t seed)
    : loop_(loop),
      time_(loop.time()),
      sink_(std::move(sink)),
      seed_(seed),
      alive_(std::make_shared<std::atomic<bool>>(true)) {}

Reconciler::~Reconciler() {
  stop();
}

void Reconciler::add(std::unique_ptr<Provider> provider, net::Backoff backoff,
                     std::uint64_t applied, std::uint64_t verified, bool local) {
  auto w = std::make_unique<Worker>(*this, std::move(provider), backoff, applied, verified,
                                    seed_ + workers_.size() * 7919, local);
  w->provider->set_stop_flag(&w->stopping);
  if (last_target_) {
    // Added after a target was set: start from the newest one.
    w->work = Work{last_target_, revision_};
    w->status.target_generation = last_target_->generation;
  }
  Worker* raw = w.get();
  raw->thread = std::thread([raw] { raw->run(); });
  workers_.push_back(std::move(w));
}

void Reconciler::set_target(const Target& target, bool local_only) {
  auto shared = std::make_shared<const Target>(target);
  last_target_ = shared;
  ++revision_;
  for (const auto& w : workers_) {
    if (local_only && !w->local) continue;
    {
      std::lock_guard lock(w->mutex);
      w->work = Work{shared, revision_};
      w->status.target_generation = target.generation;
    }
    w->wake.notify_all();
  }
}

void Reconciler::stop() {
  alive_->store(false);
  for (const auto& w : workers_) {
    {
      std::lock_guard lock(w->mutex);
      w->stopping.store(true);
    }
    w->wake.notify_all();
  }
  for (const auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  workers_.clear();
}

std::vector<ProviderStatus> Reconciler::status() const {
  std::vector<ProviderStatus> out;
  for (const auto& w : workers_) {
    std::lock_guard lock(w->mutex);
    ProviderStatus s = w->status;
    if (s.failures > 0) {
      s.state = SyncState::failing;
    } else if (w->work.target && w->done_revision == w->work.revision &&
               s.verified_generation >= s.target_generation) {
      s.state = SyncState::in_sync;
    } else {
      s.state = SyncState::converging;
    }
    out.push_back(std::move(s));
  }
  return out;
}

bool Reconciler::all_verified(std::uint64_t generation) const {
  for (const auto& w : workers_) {
    std::lock_guard lock(w->mutex);
    if (w->status.verified_generation < generation) return false;
  }
  return true;
}

}  // namespace drpilot::providers
