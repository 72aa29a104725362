#include "probe/load_gauge.h"

#include <algorithm>
#include <vector>

namespace drpilot::probe {
namespace {

// Heartbeats are kept as long as a check may be in flight.
constexpr Millis kBeatMemory{120'000};

std::int64_t epoch_second(SteadyTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Millis late(SteadyTime due, SteadyTime now) {
  return std::max(Millis{0}, std::chrono::duration_cast<Millis>(now - due));
}

}  // namespace

std::size_t LoadGauge::bin(Millis lateness) {
  std::size_t b = 0;
  for (std::int64_t v = lateness.count(); v > 0 && b + 1 < kBins; v >>= 1) ++b;
  return b;  // 0: under 1 ms; b: [2^(b-1), 2^b) ms
}

LoadGauge::Second& LoadGauge::second(SteadyTime now) {
  const std::int64_t e = epoch_second(now);
  Second& s = seconds_[static_cast<std::size_t>(e) % seconds_.size()];
  if (s.epoch != e) s = Second{e};
  return s;
}

void LoadGauge::started(SteadyTime due, SteadyTime now) {
  ++started_;
  const Millis l = late(due, now);
  Second& s = second(now);
  ++s.start[bin(l)];
  s.start_max = std::max(s.start_max, l);
}

void LoadGauge::heartbeat(SteadyTime now) {
  const Millis l = late(next_beat_, now);
  Second& s = second(now);
  ++s.loop[bin(l)];
  s.loop_max = std::max(s.loop_max, l);
  beats_.push_back({now, l});
  while (!beats_.empty() && now - beats_.front().at > kBeatMemory) beats_.pop_front();
  next_beat_ = SteadyTime{};  // until the timer is armed again
}

Millis LoadGauge::loop_lag_since(SteadyTime since, SteadyTime now) const {
  Millis worst{0};
  // Newest first: stop at the first heartbeat before `since`.
  for (auto it = beats_.rbegin(); it != beats_.rend() && it->at >= since; ++it) {
    worst = std::max(worst, it->late);
  }
  if (next_beat_ != SteadyTime{}) worst = std::max(worst, late(next_beat_, now));
  return worst;
}

void LoadGauge::completed(SteadyTime now) {
  ++completed_;
  ++second(now).completed;
  if (first_second_ < 0) first_second_ = epoch_second(now);
}

void LoadGauge::set_aside(SteadyTime now) {
  ++set_aside_;
  ++second(now).set_aside;
}

Lateness LoadGauge::summarize(SteadyTime now, bool loop) const {
  const std::int64_t e = epoch_second(now);
  std::array<std::uint64_t, kBins> bins{};
  Lateness out;
  for (const Second& s : seconds_) {
    if (s.epoch < 0 || s.epoch > e || e - s.epoch >= static_cast<std::int64_t>(seconds_.size())) {
      continue;
    }
    const auto& src = loop ? s.loop : s.start;
    for (std::size_t b = 0; b < kBins; ++b) {
      bins[b] += src[b];
      out.samples += src[b];
    }
    out.max = std::max(out.max, loop ? s.loop_max : s.start_max);
  }
  // The upper edge of the bin holding the 99th percentile, capped by the max.
  const std::uint64_t rank = out.samples - out.samples / 100;
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < kBins && out.samples; ++b) {
    seen += bins[b];
    if (seen >= rank) {
      out.p99 = std::min(out.max, Millis{b == 0 ? 0 : (std::int64_t{1} << b) - 1});
      break;
    }
  }
  return out;
}

LoadReport LoadGauge::report(SteadyTime now) const {
  LoadReport r;
  r.start = summarize(now, false);
  r.loop = summarize(now, true);
  r.started = started_;
  r.completed = completed_;
  r.set_aside = set_aside_;
  const std::int64_t e = epoch_second(now);
  std::uint64_t done = 0;
  for (const Second& s : seconds_) {
    if (s.epoch >= 0 && s.epoch <= e && e - s.epoch < static_cast<std::int64_t>(seconds_.size())) {
      r.set_aside_recent += s.set_aside;
      if (s.epoch < e) done += s.completed;  // the current second is not over
    }
  }
  // The complete seconds of the window that the gauge has seen.
  if (first_second_ >= 0 && e > first_second_) {
    const std::int64_t span =
        std::min<std::int64_t>(e - first_second_, static_cast<std::int64_t>(seconds_.size()) - 1);
    r.completed_per_second = static_cast<double>(done) / static_cast<double>(span);
  }
  r.window = kWindow;
  return r;
}

std::string overload_alert(const LoadReport& checks, const Lateness& control) {
  // Well above what a loaded but healthy loop shows (a few milliseconds).
  constexpr Millis kLate{100};
  constexpr Millis kControlLate{500};
  std::vector<std::string> parts;
  if (checks.start.p99 > kLate) {
    parts.push_back("checks start up to " + std::to_string(checks.start.max.count()) +
                    "ms late (99th percentile " + std::to_string(checks.start.p99.count()) + "ms)");
  }
  if (checks.loop.max > kLate) {
    parts.push_back("the check loops stalled for up to " + std::to_string(checks.loop.max.count()) +
                    "ms");
  }
  if (checks.set_aside_recent > 0) {
    parts.push_back(std::to_string(checks.set_aside_recent) +
                    " failed results were set aside rather than counted against their sites");
  }
  if (control.max > kControlLate) {
    parts.push_back("the control loop lagged by up to " + std::to_string(control.max.count()) +
                    "ms");
  }
  if (parts.empty()) return "";
  std::string s =
      "controller overloaded over the last " + std::to_string(checks.window.count() / 1000) + "s: ";
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? "; " : "") + parts[i];
  return s +
         " (no site is judged on those results; fewer targets, longer intervals or more "
         "check_threads help)";
}

}  // namespace drpilot::probe
