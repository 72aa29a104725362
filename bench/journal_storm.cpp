// A verdict storm at scale, in process: N sites with one check each and N/10
// failover records of ten sites, all up; then half the sites fail at once.
// The results arrive as the check threads deliver them (batches of the
// results of a few milliseconds), and each batch is one engine step and one
// journal transaction on the control loop, as in the controller. Reported:
// how long the control loop spends per batch in the engine and in the journal
// (median, p99, worst), how many transactions and plan generations the storm
// made, and the journal's size.
//
//   build/bench/bench_journal_storm [--sites 10000] [--batch 50]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/engine.h"
#include "store/journal.h"

using namespace drpilot;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Stats {
  std::vector<double> v;
  void add(double x) { v.push_back(x); }
  double at(double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
  }
};

}  // namespace

int main(int argc, char** argv) {
  int sites = 10'000, batch = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--sites") {
      sites = std::atoi(argv[i + 1]);
    } else if (a == "--batch") {
      batch = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: bench_journal_storm [--sites 10000] [--batch 50]\n");
      return 2;
    }
  }
  core::FakeClock clock;
  core::EngineSpec spec;
  spec.freshness = std::chrono::milliseconds(5'000);
  for (int i = 0; i < sites; ++i) {
    core::SiteSpec s;
    s.name = "s" + std::to_string(i);
    s.priority = 1 + i % 10;
    s.ipv4 = {"10.0.0.1"};
    spec.sites.push_back(s);
    spec.targets.push_back({core::target_name(s.name, "web"), s.name, "web", {2, 3}});
  }
  for (int r = 0; r < sites / 10; ++r) {
    core::RecordSpec rec;
    rec.name = "r" + std::to_string(r) + ".bench.test";
    for (int j = 0; j < 10; ++j) rec.sites.push_back("s" + std::to_string(r * 10 + j));
    spec.records.push_back(rec);
  }
  const std::string dir = std::filesystem::temp_directory_path() /
                          ("drpilot-bench-storm-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/journal.db";
  core::Engine engine(spec, clock);
  store::Journal journal(path);

  Stats engine_ms, journal_ms;
  int transactions = 0, generations = 0;
  // One round of results for every site, in batches; with `storm`, every
  // other site fails (so every record loses its active site half the time and
  // fails over).
  auto round = [&](bool storm, bool measure) {
    clock.advance(std::chrono::milliseconds(1'000));
    std::vector<core::Observation> obs;
    for (int i = 0; i < sites; ++i) {
      const bool ok = !storm || i % 2 == 1;
      obs.push_back({core::target_name("s" + std::to_string(i), "web"), "controller", ok,
                     std::chrono::milliseconds(1), ok ? "status 200" : "status 503", clock.now()});
      if (static_cast<int>(obs.size()) < batch && i + 1 < sites) continue;
      auto t0 = Clock::now();
      const core::EngineStep step = engine.observe(obs);
      const double e = ms_since(t0);
      t0 = Clock::now();
      journal.record_step(step.target_changes, step.site_changes, clock.now(),
                          step.plan_changed ? &engine.plan() : nullptr);
      const double j = ms_since(t0);
      if (measure) {
        engine_ms.add(e);
        journal_ms.add(j);
        transactions += !step.target_changes.empty() || !step.site_changes.empty();
        generations += step.plan_changed;
      }
      obs.clear();
    }
  };
  for (int k = 0; k < 3; ++k) round(false, false);  // everything up
  const auto storm = Clock::now();
  for (int k = 0; k < 4; ++k) round(true, true);  // half fail: fall 3
  const double total = ms_since(storm);
  std::printf("sites %d, records %d, batches of %d results\n", sites, sites / 10, batch);
  std::printf("| | median | p99 | worst |\n|---|---|---|---|\n");
  std::printf("| engine step per batch | %.2f ms | %.2f ms | %.2f ms |\n", engine_ms.at(0.5),
              engine_ms.at(0.99), engine_ms.at(1.0));
  std::printf("| journal per batch | %.2f ms | %.2f ms | %.2f ms |\n", journal_ms.at(0.5),
              journal_ms.at(0.99), journal_ms.at(1.0));
  std::printf(
      "storm: %d sites down, %d transactions, %d plan generations, %.0f ms of control "
      "loop in all; journal %.1f MiB\n",
      static_cast<int>(
          std::count_if(engine.site_verdicts().begin(), engine.site_verdicts().end(),
                        [](const auto& kv) { return kv.second.state == core::Health::down; })),
      transactions, generations, total,
      static_cast<double>(std::filesystem::file_size(path) +
                          std::filesystem::file_size(path + "-wal")) /
          (1 << 20));
  std::filesystem::remove_all(dir);
  return 0;
}
