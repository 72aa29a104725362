// Replication lag as drpilot measures it, and how fast a data-region outage
// reaches the application's configuration.
//
// It runs the real `drpilot demo` with examples/lab.yaml (two lab data
// regions on dynalite, the canary writing a heartbeat every second, agents
// reporting every 500 ms) on free ports.
//
//   1. Accuracy: for each lab replication delay (default 300 ms), the demo
//      runs for --seconds, then the lag p50 and max that drpilot reports for
//      both directions are read from its status and compared with the delay.
//   2. Outage to applied config: with the default delay, each trial breaks
//      ams's data region eu-west-1 (it answers 500) and reads ams's agent
//      output (lab-ams.env) every millisecond until it names us-east-1; then
//      heals eu-west-1 and waits until the agent has moved back (failback
//      after a 1 s hold-down).
//
//   bench_lag [--delays 300ms,1s] [--seconds N] [--trials N] [--drpilot PATH]
//             [--example PATH]

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lab_bench.h"
#include "support/process.h"

namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using drpilot::bench::die;
using drpilot::bench::Failure;
using drpilot::bench::LabPorts;
using drpilot::bench::split;
using drpilot::testing::Process;

struct Options {
  std::vector<std::string> delays = {"300ms"};
  int seconds = 30;
  int trials = 20;
  std::string drpilot = DRPILOT_BINARY;
  std::string example = DRPILOT_EXAMPLE;
};

// A demo on free ports, started, with every site and data region up.
struct Demo {
  LabPorts ports = LabPorts::pick();
  drpilot::bench::TempDir dir{"bench-lag"};
  std::unique_ptr<Process> process;

  Demo(const Options& o, const drpilot::bench::LabTweaks& t) {
    drpilot::testing::write_file(dir.path + "/lab.yaml",
                                 drpilot::bench::lab_config(o.example, ports, t));
    process = std::make_unique<Process>(
        std::vector<std::string>{o.drpilot, "demo", "-c", dir.path + "/lab.yaml"},
        dir.path + "/demo.log");
    if (!drpilot::bench::wait_for([&] { return all_up(); }, 60s))
      die("the demo's sites and data regions were not all up within 60s");
  }
  ~Demo() { process->stop(SIGTERM); }
  std::string log() const { return process->log(); }

  bool all_up() const {
    const nlohmann::json s = drpilot::bench::status(ports.api);
    if (s.is_null()) return false;
    int up = 0;
    for (const char* kind : {"sites", "data_regions"}) {
      for (const auto& x : s.value(kind, nlohmann::json::array()))
        up += x.value("verdict", "") == "up";
    }
    return up == 4;
  }
};

void accuracy(const Options& o, const std::string& delay) {
  drpilot::bench::LabTweaks t;
  t.replication_delay = delay;
  Demo demo(o, t);
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  const nlohmann::json s = drpilot::bench::status(demo.ports.api);
  if (s.is_null()) die("no status from the demo");
  for (const auto& g : s.value("table_groups", nlohmann::json::array())) {
    for (const auto& l : g.value("lag", nlohmann::json::array())) {
      std::printf("  delay %-6s %-10s -> %-10s samples %3d  p50 %5d ms  max %5d ms\n",
                  delay.c_str(), l.value("from", "").c_str(), l.value("to", "").c_str(),
                  l.value("samples", 0), l.value("p50_ms", 0), l.value("max_ms", 0));
    }
  }
  std::fflush(stdout);
}

std::string agent_region(const std::string& path) {
  std::string text;
  try {
    text = drpilot::testing::read_file(path);
  } catch (...) {
    return "";
  }
  const std::string key = "DRPILOT_DATA_REGION=";
  const size_t at = text.find(key);
  if (at == std::string::npos) return "";
  return text.substr(at + key.size(), text.find('\n', at) - at - key.size());
}

void outage(const Options& o) {
  Demo demo(o, {});
  const std::string file = demo.dir.path + "/lab-ams.env";
  const std::uint16_t control = demo.ports.control;
  std::mt19937 rng(1);
  std::vector<double> times;
  for (int t = 0; t < o.trials; ++t) {
    if (!drpilot::bench::wait_for(
            [&] { return agent_region(file) == "eu-west-1" && demo.all_up(); }, 60s))
      die("ams's agent did not use eu-west-1 with everything up within 60s");
    // A random phase of the 500 ms check cycle.
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<>(0, 499)(rng)));
    const auto fault_at = Steady::now();
    drpilot::bench::lab_action(control, "/data-regions/eu-west-1/break");
    while (agent_region(file) != "us-east-1") {
      if (Steady::now() - fault_at > 30s) die("ams's agent did not move to us-east-1 within 30s");
      std::this_thread::sleep_for(1ms);
    }
    const double ms = std::chrono::duration<double, std::milli>(Steady::now() - fault_at).count();
    times.push_back(ms);
    std::printf("  outage trial %2d: %7.1f ms\n", t + 1, ms);
    std::fflush(stdout);
    drpilot::bench::lab_action(control, "/data-regions/eu-west-1/heal");
  }
  std::printf("\n%-28s %6s %9s %9s %9s %9s\n", "", "trials", "min", "median", "p90", "max");
  std::printf("%-28s %6zu %7.0fms %7.0fms %7.0fms %7.0fms\n", "data outage -> agent applied",
              times.size(), drpilot::bench::percentile(times, 0),
              drpilot::bench::percentile(times, 0.5), drpilot::bench::percentile(times, 0.9),
              drpilot::bench::percentile(times, 1));
}

Options parse(int argc, char** argv) {
  Options o;
  drpilot::bench::parse_args(argc, argv,
                             "usage: bench_lag [--delays 300ms,1s] [--seconds N] [--trials N]\n"
                             "                 [--drpilot PATH] [--example PATH]\n",
                             [&](const std::string& a, const auto& value) {
                               if (a == "--delays") {
                                 o.delays = split(value());
                               } else if (a == "--seconds") {
                                 o.seconds = std::atoi(value().c_str());
                               } else if (a == "--trials") {
                                 o.trials = std::atoi(value().c_str());
                               } else if (a == "--drpilot") {
                                 o.drpilot = value();
                               } else if (a == "--example") {
                                 o.example = value();
                               } else {
                                 return false;
                               }
                               return true;
                             });
  if (o.seconds < 5) die("--seconds must be at least 5");
  if (o.trials < 0) die("--trials must not be negative");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    // The lab signs nothing it checks; placeholder credentials suffice.
    setenv("AWS_ACCESS_KEY_ID", "lab", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "lab", 1);
    std::printf(
        "bench_lag: %s with examples/lab.yaml (canary every 1s, dynamodb checks every "
        "500ms, fall 2, agents report every 500ms)\n",
        o.drpilot.c_str());
    for (const std::string& d : o.delays) accuracy(o, d);
    if (o.trials > 0) outage(o);
    return 0;
  } catch (const Failure& e) {
    std::cerr << "bench_lag: " << e.what() << "\n";
    return 1;
  }
}
