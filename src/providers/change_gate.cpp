#include "providers/change_gate.h"

#include "net/loop.h"
#include "net/work_queue.h"

namespace drpilot::providers {
namespace {

std::string comma(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

// The first non-empty line of a hook's output, at most 200 characters.
std::string first_line(const std::string& output) {
  std::size_t start = output.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return "";
  std::size_t end = output.find_first_of("\r\n", start);
  std::string line =
      output.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (line.size() > 200) line = line.substr(0, 200) + "...";
  return line;
}

std::string command_text(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

ChangeGate::ChangeGate(net::Loop& loop, config::HooksConfig hooks, Runner runner, Release release,
                       Report report)
    : loop_(loop),
      hooks_(std::move(hooks)),
      runner_(std::move(runner)),
      release_(std::move(release)),
      report_(std::move(report)),
      alive_(std::make_shared<bool>(true)) {}

ChangeGate::~ChangeGate() {
  *alive_ = false;
}

void ChangeGate::reconfigure(config::HooksConfig hooks) {
  hooks_ = std::move(hooks);
}

HookJob ChangeGate::job(const std::string& kind, const std::vector<config::HookCommand>& commands,
                        const Target& before, const Target& after) const {
  HookJob j;
  j.kind = kind;
  j.commands = commands;
  for (const RecordChange& c : changes_between(before, after)) {
    j.runs.push_back({{"DRPILOT_HOOK", kind},
                      {"DRPILOT_RECORD", c.record},
                      {"DRPILOT_FROM_SITES", comma(c.from_sites)},
                      {"DRPILOT_TO_SITES", comma(c.to_sites)},
                      {"DRPILOT_FROM_ADDRESSES", comma(c.from_addresses)},
                      {"DRPILOT_TO_ADDRESSES", comma(c.to_addresses)},
                      {"DRPILOT_GENERATION", std::to_string(after.generation)},
                      {"DRPILOT_REASON", c.reason}});
  }
  return j;
}

void ChangeGate::start(std::optional<Target> released, const Target& current) {
  // Nothing was ever released: the first answer needs no one's consent.
  release(released ? *released : current);
  post_baseline_ = released_;
  posted_ = released_->generation;
  // What was let through before a restart is where the world stands; the
  // current plan goes to the hooks only if it moves something from there.
  if (released && (released->generation != current.generation ||
                   !changes_between(*released, current).empty())) {
    offer(current);
  }
}

void ChangeGate::release(const Target& t) {
  released_ = t;
  held_back_.clear();
  last_veto_.clear();
  release_(t);
}

void ChangeGate::offer(const Target& target) {
  const bool moves = !released_ || !changes_between(*released_, target).empty();
  if (hooks_.pre_change.empty() || !moves) {
    pending_.reset();
    if (retry_) retry_->cancel();
    release(target);
    return;
  }
  pending_ = std::make_shared<const Target>(target);
  if (retry_) retry_->cancel();
  if (!pre_running_) run_pre();
}

void ChangeGate::run_pre() {
  std::shared_ptr<const Target> checked = pending_;
  if (!checked) return;
  pre_running_ = true;
  HookJob j = job("pre_change", hooks_.pre_change, *released_, *checked);
  std::weak_ptr<bool> alive = alive_;
  runner_(std::move(j), [this, alive, checked](std::vector<HookResult> results) {
    auto a = alive.lock();
    if (a && *a) on_pre_done(checked, std::move(results));
  });
}

void ChangeGate::on_pre_done(std::shared_ptr<const Target> checked,
                             std::vector<HookResult> results) {
  pre_running_ = false;
  if (pending_ != checked) {
    // A newer target arrived meanwhile: it is the one that matters now.
    if (pending_) run_pre();
    return;
  }
  for (const HookResult& r : results) {
    if (r.ok()) continue;
    // What the hook said is usually the reason: it goes into both sentences.
    const std::string said = first_line(r.output);
    held_back_ = "generation " + std::to_string(checked->generation) +
                 " is held back: " + command_text(r.command) + " " + r.outcome() +
                 (said.empty() ? "" : ": " + said);
    const std::string message = "pre_change hook " + command_text(r.command) +
                                " vetoed generation " + std::to_string(checked->generation) + " (" +
                                r.outcome() + (said.empty() ? "" : ": " + said) +
                                "); the world stays at generation " +
                                std::to_string(released_->generation);
    // Asked again every veto_retry: the same answer again is not news.
    if (message != last_veto_) report_("vetoed", message, results, checked->generation);
    last_veto_ = message;
    retry_ = std::make_unique<net::Timer>(loop_);
    std::weak_ptr<bool> alive = alive_;
    retry_->start(hooks_.veto_retry, [this, alive] {
      auto a = alive.lock();
      if (a && *a && pending_ && !pre_running_) run_pre();
    });
    return;
  }
  report_("allowed", "pre_change hooks allowed generation " + std::to_string(checked->generation),
          results, checked->generation);
  pending_.reset();
  release(*checked);
}

void ChangeGate::verified(std::uint64_t generation) {
  if (!released_ || generation < released_->generation || posted_ >= released_->generation) return;
  posted_ = released_->generation;
  const Target before = post_baseline_ ? *post_baseline_ : Target{};
  post_baseline_ = released_;
  if (hooks_.post_change.empty()) return;
  HookJob j = job("post_change", hooks_.post_change, before, *released_);
  if (j.runs.empty()) return;
  const std::uint64_t gen = released_->generation;
  std::weak_ptr<bool> alive = alive_;
  runner_(std::move(j), [this, alive, gen](std::vector<HookResult> results) {
    auto a = alive.lock();
    if (!a || !*a) return;
    std::string outcome;
    for (const HookResult& r : results) {
      outcome += (outcome.empty() ? "" : "; ") + (r.record.empty() ? "" : r.record + ": ") +
                 command_text(r.command) + " " + r.outcome();
    }
    report_("post_change",
            "post_change hooks ran for generation " + std::to_string(gen) + ": " + outcome, results,
            gen);
  });
}

// ---- the hook thread ----------------------------------------------------------

struct HookThread::Impl {
  Impl(net::Loop& l, HookPolicy p) : loop(l), policy(std::move(p)) {}
  net::Loop& loop;
  const HookPolicy policy;
  net::WorkQueue queue;  // last: its thread stops before the rest goes

  std::vector<HookResult> run(const HookJob& j) const {
    std::vector<HookResult> results;
    for (const HookEnv& env : j.runs) {
      for (const config::HookCommand& c : j.commands) {
        results.push_back(run_hook(c, env, policy));
        for (const auto& [k, v] : env) {
          if (k == "DRPILOT_RECORD") results.back().record = v;
        }
        // A pre_change veto is final: the remaining hooks need not be asked.
        if (!results.back().ok() && j.kind == "pre_change") return results;
      }
    }
    return results;
  }
};

HookThread::HookThread(net::Loop& loop, HookPolicy policy)
    : impl_(std::make_shared<Impl>(loop, std::move(policy))) {}

HookThread::~HookThread() = default;

ChangeGate::Runner HookThread::runner() {
  std::weak_ptr<Impl> weak = impl_;
  return [weak](HookJob job, std::function<void(std::vector<HookResult>)> done) {
    auto impl = weak.lock();
    if (!impl) return;
    Impl* self = impl.get();
    self->queue.push([self, job = std::move(job), done = std::move(done)]() mutable {
      std::vector<HookResult> results = self->run(job);
      self->loop.post([done = std::move(done), results = std::move(results)]() mutable {
        done(std::move(results));
      });
    });
  };
}

}  // namespace drpilot::providers
