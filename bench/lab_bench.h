#pragma once
// What the lab benchmarks share: examples/lab.yaml moved to free ports (so a
// running demo is not disturbed) with a short hold-down, HTTP to the lab and
// the API, percentiles, and failures that unwind (so child processes and
// temporary directories are cleaned up by their destructors).

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/http.h"

namespace drpilot::bench {

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
[[noreturn]] void die(const std::string& msg);

struct LabPorts {
  std::uint16_t dns = 0, api = 0, control = 0, site = 0;
  std::uint16_t regions[2] = {0, 0};  // eu-west-1, us-east-1
  std::uint16_t agents[2] = {0, 0};   // ams-agent, nyc-agent
  static LabPorts pick();
};

struct LabTweaks {
  std::string replication_delay;  // empty: as the example says
  std::string hold_down = "1s";
};

// examples/lab.yaml on the ports `p`, with `t` applied; the agents' template
// is the example's own (an absolute path), their output next to the file.
std::string lab_config(const std::string& example, const LabPorts& p, const LabTweaks& t = {});

net::ClientResult http(std::uint16_t port, const std::string& method, const std::string& target);
net::ClientResult http(const std::string& host, std::uint16_t port, const std::string& method,
                       const std::string& target);
// POST to the lab's control API: /sites/NAME/ACTION or /data-regions/NAME/ACTION.
void lab_action(std::uint16_t control, const std::string& path);
// The controller's status document; null when it does not answer.
nlohmann::json status(std::uint16_t api, const std::string& host = "127.0.0.1");

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds timeout);
std::vector<std::string> split(const std::string& s);  // at commas, empty items dropped

// Command-line options: `on(flag, value)` for each argument, where value()
// takes the next one (a missing one is a Failure); -h/--help prints `usage`
// and exits; `on` returns false for a flag it does not know.
void parse_args(int argc, char** argv, const std::string& usage,
                const std::function<bool(const std::string& flag,
                                         const std::function<std::string()>& value)>& on);

// A temporary directory, removed with everything in it.
struct TempDir {
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
};
double percentile(std::vector<double> v, double q);

}  // namespace drpilot::bench
