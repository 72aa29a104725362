// How long the embedded DNS takes to build its answer snapshot after a plan
// change, by the number of records in the zone: each record answers with
// one of two sites (failover), as drpilot's plans do. The snapshot is built
// whole for every new plan generation, off the query path (the servers keep
// answering from the previous one until it is swapped in), from inputs
// prepared once per configuration (names in wire form, addresses as RDATA),
// whose time is shown too.
//
//   build/bench/bench_snapshot [--records 1,1000,10000] [--runs 50]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "dns/snapshot.h"

using namespace drpilot;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::vector<int> sizes{1, 1000, 10000};
  int runs = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--runs") {
      runs = std::atoi(argv[i + 1]);
    } else if (a == "--records") {
      sizes.clear();
      for (std::string s = argv[i + 1]; !s.empty();) {
        const std::size_t comma = s.find(',');
        sizes.push_back(std::atoi(s.substr(0, comma).c_str()));
        s = comma == std::string::npos ? "" : s.substr(comma + 1);
      }
    } else {
      std::fprintf(stderr, "usage: bench_snapshot [--records 1,1000,10000] [--runs 50]\n");
      return 2;
    }
  }
  core::ZoneSpec zone;
  zone.name = "bench.test";
  zone.ns = {{"ns1.bench.test", {"192.0.2.53"}}};
  std::printf(
      "| records | runs | prepare (once per configuration) | median build | p90 | max |\n"
      "|---|---|---|---|---|---|\n");
  for (int n : sizes) {
    std::vector<core::SiteSpec> sites;
    std::vector<core::RecordSpec> records;
    core::Plan plan;
    plan.generation = 7;
    for (int i = 0; i < 2 * n; ++i) {
      core::SiteSpec s;
      s.name = "s" + std::to_string(i);
      s.ipv4 = {"10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
                std::to_string(i & 255)};
      sites.push_back(s);
    }
    for (int r = 0; r < n; ++r) {
      core::RecordSpec rec;
      rec.name = "r" + std::to_string(r) + ".bench.test";
      rec.sites = {"s" + std::to_string(2 * r), "s" + std::to_string(2 * r + 1)};
      records.push_back(rec);
      plan.records[rec.key()].sites = {rec.sites[r % 2]};
    }
    const auto p0 = Clock::now();
    const dns::SnapshotInputs inputs({zone}, sites, records);
    const double prepare = std::chrono::duration<double, std::milli>(Clock::now() - p0).count();
    std::vector<double> ms;
    std::shared_ptr<const dns::Snapshot> previous;
    for (int k = 0; k < runs; ++k) {
      const auto t0 = Clock::now();
      auto snap = dns::build_snapshot(inputs, plan);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (snap->node_count() < static_cast<std::size_t>(n)) return 1;
      // The replaced snapshot goes when its last reader lets go, not as
      // part of the build.
      previous = std::move(snap);
    }
    std::sort(ms.begin(), ms.end());
    std::printf("| %d | %d | %.2f ms | %.2f ms | %.2f ms | %.2f ms |\n", n, runs, prepare,
                ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.back());
  }
  return 0;
}
