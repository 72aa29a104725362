// Failover time in the lab: from the moment a fault is injected into the
// preferred site to the first DNS answer that names the other site.
//
// It runs the real `drpilot demo` with examples/lab.yaml (checks every 250 ms,
// edge interval 100 ms, fall 3, timeout 300 ms), moved to free ports and with a
// short hold-down so that trials follow each other quickly (the hold-down only
// delays failback, never failover). Each trial waits until both sites are up
// and ams is answered, waits a random fraction of the check interval so the
// fault lands at a random phase of the check cycle, injects the fault through
// the lab's control API, and queries the embedded DNS over UDP every
// millisecond until the answer is nyc. Then it heals ams and waits for
// failback before the next trial.
//
// The fault "unreachable" is the site that keeps running while nobody
// outside reaches it (its uplink or load balancer is gone): it needs its own
// lab, with each site and its agent in a network namespace and the
// controller in another (outside_world.h; root only). The fault closes ams's
// HTTP port to the outside; its own agent still sees it up, so the
// controller and nyc's agent, which sees ams from outside, decide.
//
//   bench_rto [--trials N] [--faults break,blackhole,refuse,unreachable] [--seed N]
//             [--drpilot PATH] [--example PATH]

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "dns/client.h"
#include "lab_bench.h"
#include "outside_world.h"
#include "support/process.h"

namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using drpilot::testing::Process;

struct Options {
  int trials = 20;
  std::vector<std::string> faults = {"break", "blackhole"};
  unsigned seed = 1;
  std::string drpilot = DRPILOT_BINARY;
  std::string example = DRPILOT_EXAMPLE;
};

using drpilot::bench::die;
using drpilot::bench::Failure;
using drpilot::bench::LabPorts;
using drpilot::bench::percentile;
using drpilot::bench::split;
using drpilot::bench::wait_for;

std::vector<std::string> answer(const LabPorts& p) {
  auto m = drpilot::dns::query("127.0.0.1", p.dns, "www.example.test", 1, 200ms);
  std::vector<std::string> out;
  if (!m) return out;
  for (const auto& rr : m->answers) {
    if (auto* a = std::get_if<drpilot::dns::AddressData>(&rr.data)) out.push_back(a->address);
  }
  return out;
}

void lab(const LabPorts& p, const std::string& site, const std::string& action) {
  drpilot::bench::lab_action(p.control, "/sites/" + site + "/" + action);
}

bool both_sites_up(const LabPorts& p) {
  const nlohmann::json j = drpilot::bench::status(p.api);
  if (j.is_null()) return false;
  int up = 0;
  for (const auto& s : j.value("sites", nlohmann::json::array()))
    up += s.value("verdict", "") == "up";
  return up == 2;
}

// One trial: milliseconds from the fault to the first answer naming nyc.
double trial(const LabPorts& p, const std::string& fault, std::mt19937& rng) {
  const std::vector<std::string> ams = {"127.0.0.11"}, nyc = {"127.0.0.12"};
  if (!wait_for([&] { return answer(p) == ams && both_sites_up(p); }, 30s)) {
    die("ams was not answered with both sites up within 30s");
  }
  std::this_thread::sleep_for(
      std::chrono::milliseconds(std::uniform_int_distribution<>(0, 249)(rng)));
  const auto fault_at = Steady::now();
  lab(p, "ams", fault);
  while (answer(p) != nyc) {
    if (Steady::now() - fault_at > 30s) die(fault + ": no failover to nyc within 30s");
    std::this_thread::sleep_for(1ms);
  }
  const double ms = std::chrono::duration<double, std::milli>(Steady::now() - fault_at).count();
  lab(p, "ams", "heal");
  return ms;
}

// One trial of "unreachable": milliseconds from closing ams's front door to
// the first answer naming nyc.
double unreachable_trial(drpilot::bench::OutsideWorld& w, std::mt19937& rng) {
  const std::vector<std::string> ams = {w.site_address("ams")}, nyc = {w.site_address("nyc")};
  if (!wait_for([&] { return w.answer() == ams && w.settled(); }, 30s)) {
    die("ams was not answered with both sites up within 30s");
  }
  std::this_thread::sleep_for(
      std::chrono::milliseconds(std::uniform_int_distribution<>(0, 249)(rng)));
  const auto fault_at = Steady::now();
  w.cut_off("ams");
  while (w.answer() != nyc) {
    if (Steady::now() - fault_at > 30s) die("unreachable: no failover to nyc within 30s");
    std::this_thread::sleep_for(1ms);
  }
  const double ms = std::chrono::duration<double, std::milli>(Steady::now() - fault_at).count();
  w.restore("ams");
  return ms;
}

Options parse(int argc, char** argv) {
  Options o;
  drpilot::bench::parse_args(
      argc, argv,
      "usage: bench_rto [--trials N] [--faults break,blackhole,refuse,unreachable] [--seed N]\n"
      "                 [--drpilot PATH] [--example PATH]\n",
      [&](const std::string& a, const auto& value) {
        if (a == "--trials") {
          o.trials = std::atoi(value().c_str());
        } else if (a == "--faults") {
          o.faults = split(value());
        } else if (a == "--seed") {
          o.seed = static_cast<unsigned>(std::strtoul(value().c_str(), nullptr, 10));
        } else if (a == "--drpilot") {
          o.drpilot = value();
        } else if (a == "--example") {
          o.example = value();
        } else {
          return false;
        }
        return true;
      });
  if (o.trials < 1) die("--trials must be at least 1");
  for (const std::string& f : o.faults) {
    if (f != "break" && f != "blackhole" && f != "refuse" && f != "unreachable") {
      die("unknown fault '" + f + "'");
    }
    if (f == "unreachable") {
      if (const std::string why = drpilot::bench::OutsideWorld::unavailable(); !why.empty()) {
        die("the fault 'unreachable' cuts links between network namespaces: " + why);
      }
    }
  }
  return o;
}

int run(const Options& opt) {
  const LabPorts p = LabPorts::pick();

  drpilot::bench::TempDir dir("bench-rto");
  drpilot::testing::write_file(dir.path + "/lab.yaml", drpilot::bench::lab_config(opt.example, p));
  std::map<std::string, std::vector<double>> results;
  Process demo({opt.drpilot, "demo", "-c", dir.path + "/lab.yaml"}, dir.path + "/demo.log");
  try {
    std::mt19937 rng(opt.seed);
    std::printf(
        "bench_rto: %s with examples/lab.yaml (interval 250ms, edge 100ms, fall 3, "
        "timeout 300ms), %d trials per fault\n",
        opt.drpilot.c_str(), opt.trials);
    for (const std::string& fault : opt.faults) {
      if (fault == "unreachable") continue;  // its own lab, below
      for (int t = 0; t < opt.trials; ++t) {
        const double ms = trial(p, fault, rng);
        results[fault].push_back(ms);
        std::printf("  %-9s trial %2d: %7.1f ms\n", fault.c_str(), t + 1, ms);
        std::fflush(stdout);
      }
    }
  } catch (const Failure& e) {
    std::cerr << "bench_rto: " << e.what() << "\n---- log of drpilot demo ----\n" << demo.log();
    return 1;
  }
  demo.stop(SIGTERM);
  if (std::find(opt.faults.begin(), opt.faults.end(), "unreachable") != opt.faults.end()) {
    std::mt19937 rng(opt.seed);
    std::printf(
        "  unreachable: each site and its agent in a network namespace, the controller "
        "in another\n");
    drpilot::bench::OutsideWorld world(opt.drpilot);
    try {
      for (int t = 0; t < opt.trials; ++t) {
        const double ms = unreachable_trial(world, rng);
        results["unreachable"].push_back(ms);
        std::printf("  %-11s trial %2d: %7.1f ms\n", "unreachable", t + 1, ms);
        std::fflush(stdout);
      }
    } catch (const Failure& e) {
      std::cerr << "bench_rto: " << e.what() << "\n---- log of the controller ----\n"
                << world.controller_log();
      return 1;
    }
  }

  std::printf("\n%-11s %6s %9s %9s %9s %9s\n", "fault", "trials", "min", "median", "p90", "max");
  for (const std::string& fault : opt.faults) {
    const std::vector<double>& v = results[fault];
    std::printf("%-11s %6zu %7.0fms %7.0fms %7.0fms %7.0fms\n", fault.c_str(), v.size(),
                percentile(v, 0), percentile(v, 0.5), percentile(v, 0.9), percentile(v, 1));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const Failure& e) {
    std::cerr << "bench_rto: " << e.what() << "\n";
    return 1;
  }
}
