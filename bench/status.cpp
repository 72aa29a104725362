// The status document at scale, in process: N sites with one check each (seen
// by the controller's vantage) and N/10 failover records of ten sites. For the
// whole document, a page of 100 and one site: the copy taken on the control
// loop (the snapshot), the rendering to JSON and its text (both on the API's
// thread), and the size.
//
//   build/bench/bench_status [--sites 10000] [--runs 5]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "api/status_view.h"
#include "config/config.h"
#include "core/engine.h"

using namespace drpilot;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int sites = 10'000, runs = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--sites") {
      sites = std::atoi(argv[i + 1]);
    } else if (a == "--runs") {
      runs = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: bench_status [--sites 10000] [--runs 5]\n");
      return 2;
    }
  }
  std::string y = "checks: [{name: web, type: tcp, port: 80, interval: 1s}]\nsites:\n";
  for (int i = 0; i < sites; ++i) {
    y += "  - {name: s" + std::to_string(i) + ", endpoints: [10." + std::to_string(i >> 16 & 255) +
         "." + std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255) +
         "], priority: " + std::to_string(1 + i % 10) + ", checks: [web]}\n";
  }
  y += "records:\n";
  for (int r = 0; r < sites / 10; ++r) {
    y += "  - {name: r" + std::to_string(r) + ".bench.test, sites: [";
    for (int j = 0; j < 10; ++j) y += (j ? ", s" : "s") + std::to_string(r * 10 + j);
    y += "]}\n";
  }
  config::LoadResult loaded = config::load_config_string(y, "bench.yaml", "/tmp");
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s", loaded.error_text().c_str());
    return 1;
  }
  auto cfg = std::make_shared<const config::Config>(std::move(*loaded.config));
  core::FakeClock clock;
  core::Engine engine(cfg->engine_spec(), clock);
  for (int round = 0; round < 3; ++round) {
    clock.advance(std::chrono::milliseconds(1'000));
    std::vector<core::Observation> obs;
    for (int i = 0; i < sites; ++i) {
      obs.push_back({"s" + std::to_string(i) + "/web", "controller", true,
                     std::chrono::milliseconds(1), "status 200", clock.now()});
    }
    engine.observe(obs);
  }
  std::printf("%d sites, %d records\n", sites, sites / 10);
  std::printf("| document | snapshot (control loop) | render + text (API thread) | size |\n");
  std::printf("|---|---|---|---|\n");
  for (const auto& [label, query] :
       {std::pair<const char*, api::StatusQuery>{"whole", {}},
        std::pair<const char*, api::StatusQuery>{"page of 100", {.limit = 100}},
        std::pair<const char*, api::StatusQuery>{"one site", {.site = "s4242"}}}) {
    std::vector<double> snap_ms, render_ms;
    std::size_t size = 0;
    for (int k = 0; k < runs; ++k) {
      auto t0 = Clock::now();
      api::StatusSnapshot s = api::snapshot_status(engine, cfg, {}, clock.now(), query);
      snap_ms.push_back(ms_since(t0));
      t0 = Clock::now();
      size = api::render_status(s).size();
      render_ms.push_back(ms_since(t0));
    }
    if (std::getenv("BENCH_STATUS_SPLIT")) {
      api::StatusSnapshot s = api::snapshot_status(engine, cfg, {}, clock.now(), query);
      auto t = Clock::now();
      nlohmann::json doc = nlohmann::json::parse(api::render_status(s));
      const double dom = ms_since(t);
      t = Clock::now();
      const std::size_t pretty = doc.dump(2).size();
      const double d2 = ms_since(t);
      t = Clock::now();
      const std::size_t compact = doc.dump().size();
      const double d0 = ms_since(t);
      std::printf("  dom %.1f ms, dump(2) %.1f ms (%zu), dump() %.1f ms (%zu)\n", dom, d2, pretty,
                  d0, compact);
    }
    if (std::getenv("BENCH_STATUS_KEYS")) {
      api::StatusSnapshot s = api::snapshot_status(engine, cfg, {}, clock.now(), query);
      const nlohmann::json doc = nlohmann::json::parse(api::render_status(s));
      for (const auto& [k, v] : doc.items()) std::printf("  %s %zu\n", k.c_str(), v.dump().size());
    }
    std::printf("| %s | %.2f ms | %.2f ms | %.0f KiB |\n", label, median(snap_ms),
                median(render_ms), static_cast<double>(size) / 1024);
  }
  return 0;
}
