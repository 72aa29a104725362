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
//   bench_rto [--trials N] [--faults break,blackhole,refuse] [--seed N]
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
#include "net/http.h"
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

struct Ports {
  std::uint16_t dns = 0, api = 0, control = 0, site = 0;
};

// Thrown on any failure, so that the demo process and the temporary directory
// are cleaned up by their destructors before the program exits.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
[[noreturn]] void die(const std::string& msg) {
  throw Failure(msg);
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) die("examples/lab.yaml no longer contains '" + from + "'");
  text.replace(at, from.size(), to);
}

// examples/lab.yaml as the demo runs it, on free ports, with a short hold-down.
std::string bench_config(const std::string& example, const Ports& p) {
  std::string text = drpilot::testing::read_file(example);
  const std::string site = std::to_string(p.site);
  replace_once(text, "127.0.0.1:5353", "127.0.0.1:" + std::to_string(p.dns));
  replace_once(text, "127.0.0.1:8080", "127.0.0.1:" + std::to_string(p.api));
  replace_once(text, "127.0.0.1:8079", "127.0.0.1:" + std::to_string(p.control));
  replace_once(text, "port: 8000", "port: " + site);
  replace_once(text, "127.0.0.11:8000", "127.0.0.11:" + site);
  replace_once(text, "127.0.0.12:8000", "127.0.0.12:" + site);
  replace_once(text, "hold_down: 10s", "hold_down: 1s");
  replace_once(text, "min_interval: 5s", "min_interval: 0s");
  replace_once(text, "flap_max_changes: 10", "flap_max_changes: 1000");
  return text;
}

std::vector<std::string> answer(const Ports& p) {
  auto m = drpilot::dns::query("127.0.0.1", p.dns, "www.example.test", 1, 200ms);
  std::vector<std::string> out;
  if (!m) return out;
  for (const auto& rr : m->answers) {
    if (auto* a = std::get_if<drpilot::dns::AddressData>(&rr.data)) out.push_back(a->address);
  }
  return out;
}

drpilot::net::ClientResult http(std::uint16_t port, const std::string& method,
                                const std::string& target) {
  drpilot::net::ClientRequest req;
  req.method = method;
  req.host = "127.0.0.1";
  req.port = port;
  req.target = target;
  req.timeout = 2s;
  req.max_body = 1 << 20;
  return drpilot::net::http_request_sync(req);
}

void lab(const Ports& p, const std::string& site, const std::string& action) {
  auto r = http(p.control, "POST", "/sites/" + site + "/" + action);
  if (!r.ok || r.status != 200) die("lab " + action + " " + site + " failed: " + r.error + r.body);
}

bool both_sites_up(const Ports& p) {
  auto r = http(p.api, "GET", "/api/v1/status");
  if (!r.ok || r.status != 200) return false;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return false;
  int up = 0;
  for (const auto& s : j.value("sites", nlohmann::json::array()))
    up += s.value("verdict", "") == "up";
  return up == 2;
}

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  return drpilot::testing::wait_until(cond, timeout, 5ms);
}

// One trial: milliseconds from the fault to the first answer naming nyc.
double trial(const Ports& p, const std::string& fault, std::mt19937& rng) {
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

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
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
    } else if (a == "-h" || a == "--help") {
      std::cout << "usage: bench_rto [--trials N] [--faults break,blackhole,refuse] [--seed N]\n"
                   "                 [--drpilot PATH] [--example PATH]\n";
      std::exit(0);
    } else {
      die("unknown argument '" + a + "' (try --help)");
    }
  }
  if (o.trials < 1) die("--trials must be at least 1");
  for (const std::string& f : o.faults) {
    if (f != "break" && f != "blackhole" && f != "refuse") die("unknown fault '" + f + "'");
  }
  return o;
}

int run(const Options& opt) {
  Ports p;
  p.dns = drpilot::testing::free_port();
  p.api = drpilot::testing::free_port();
  p.control = drpilot::testing::free_port();
  do {
    p.site = drpilot::testing::free_port("127.0.0.11");
  } while (!drpilot::testing::free_port_on("127.0.0.12", p.site));

  struct TempDir {
    std::string path = drpilot::testing::make_temp_dir("bench-rto");
    ~TempDir() { drpilot::testing::remove_tree(path); }
  } dir;
  drpilot::testing::write_file(dir.path + "/lab.yaml", bench_config(opt.example, p));
  std::map<std::string, std::vector<double>> results;
  Process demo({opt.drpilot, "demo", "-c", dir.path + "/lab.yaml"}, dir.path + "/demo.log");
  try {
    std::mt19937 rng(opt.seed);
    std::printf(
        "bench_rto: %s with examples/lab.yaml (interval 250ms, edge 100ms, fall 3, "
        "timeout 300ms), %d trials per fault\n",
        opt.drpilot.c_str(), opt.trials);
    for (const std::string& fault : opt.faults) {
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

  std::printf("\n%-9s %6s %9s %9s %9s %9s\n", "fault", "trials", "min", "median", "p90", "max");
  for (const std::string& fault : opt.faults) {
    const std::vector<double>& v = results[fault];
    std::printf("%-9s %6zu %7.0fms %7.0fms %7.0fms %7.0fms\n", fault.c_str(), v.size(),
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
