// drpilot run / demo / lab: the long-running modes.

#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "aws/bootstrap.h"
#include "aws/bootstrap_config.h"
#include "aws/credential_provider.h"
#include "cli/commands.h"
#include "cli/controller.h"
#include "cli/demo_agents.h"
#include "cli/log.h"
#include "cli/port_file.h"
#include "config/config.h"
#include "lab/lab.h"
#include "net/loop.h"
#include "net/signal_thread.h"

namespace drpilot::cli {
namespace {

std::optional<config::Config> load_or_report(const std::string& path) {
  config::LoadResult r = config::load_config_file(path);
  if (!r.ok()) {
    std::cerr << r.error_text();
    std::cerr << "drpilot: the configuration has " << r.errors.size()
              << (r.errors.size() == 1 ? " error" : " errors") << "; nothing was started\n";
    return std::nullopt;
  }
  return std::move(r.config);
}

// A configuration with a cluster section runs as one of its members, never
// alone: a controller acting beside its leader would undo the cluster.
bool member_refused(config::Config& cfg, const std::string& member) {
  const std::string error = cfg.run_as_member(member);
  if (error.empty()) return false;
  std::cerr << "drpilot: " << error << "; nothing was started\n";
  return true;
}

// `api` and `dns` as bound (a configured port 0 is the one the system picked).
void print_demo_banner(const config::Config& cfg, const std::string& self,
                       const config::Endpoint& api_bound,
                       const std::vector<config::Endpoint>& dns_bound) {
  std::string dns = dns_bound.empty() ? "" : dns_bound.front().to_string();
  std::string dns_host = dns_bound.empty() ? "127.0.0.1" : dns_bound.front().host;
  std::string dns_port = dns_bound.empty() ? "53" : std::to_string(dns_bound.front().port);
  std::string record = cfg.records.empty() ? "www.example.test" : cfg.records.front().name;
  std::string first = cfg.lab.sites.empty() ? "ams" : cfg.lab.sites.front().name;
  std::string dig = "dig @" + dns_host + " -p " + dns_port + " " + record + " +short";
  std::printf("\ndrpilot demo is running (Ctrl-C stops it).\n\n");
  for (const config::LabSite& s : cfg.lab.sites) {
    const config::SiteConfig* site = cfg.find_site(s.name);
    std::printf("  site %-6s http://%s/   priority %d\n", s.name.c_str(),
                s.listen.to_string().c_str(), site ? site->spec.priority : 0);
  }
  std::printf("  DNS        %s (UDP and TCP)\n", dns.c_str());
  std::printf("  API        http://%s/api/v1/status\n", api_bound.to_string().c_str());
  std::printf("  journal    %s\n\n", cfg.journal_path.c_str());
  // The commands as they must be typed: with the defaults nothing extra, on
  // other addresses the flags that find this demo.
  const std::string api = "http://" + api_bound.to_string();
  const std::string api_flag = api == kDefaultApi ? "" : " --api " + api;
  const std::string lab =
      self + " lab" + (cfg.lab.control.to_string() == kDefaultLabControl ? "" : " -c " + cfg.path);
  std::printf("Try, in another terminal:\n");
  std::printf("  %-52s # the preferred site's address\n", dig.c_str());
  std::printf("  %-52s # its health check now fails (503)\n", (lab + " break " + first).c_str());
  std::printf("  %-52s # the next site's address within about a second\n", dig.c_str());
  std::printf("  %-52s # verdicts, the answer, and why\n", (self + " status" + api_flag).c_str());
  std::printf("  %-52s # back after the %s hold-down\n", (lab + " heal " + first).c_str(),
              core::format_duration(cfg.policy.hold_down).c_str());
  std::printf("  %-52s # what happened and why\n", (self + " history" + api_flag).c_str());
  const std::string ops = cfg.path == default_config_path() ? "" : " -c " + cfg.path;
  std::printf("  %-52s # take ams out by hand (then: undrain ams)\n",
              (self + " drain " + first + ops).c_str());
  std::printf("Other faults: %s refuse|blackhole SITE, %s slow SITE MS.\n\n", lab.c_str(),
              lab.c_str());
  std::fflush(stdout);
}

// The lab's data regions run dynalite from the source tree's node_modules
// (scripts/install-deps puts it there), unless DRPILOT_NODE_MODULES says
// where else.
lab::DataLabOptions lab_data_options(const config::Config& cfg) {
  lab::DataLabOptions o;
  const char* env = std::getenv("DRPILOT_NODE_MODULES");
  o.node_modules = env && *env ? env : std::string(DRPILOT_SOURCE_DIR) + "/node_modules";
  for (const config::DataRegionConfig& d : cfg.data_regions) o.aws_regions[d.name] = d.region;
  return o;
}

// The lab's data regions accept any signature; the demo signs with
// placeholder keys when the environment has none, so that it runs on a fresh
// machine.
void demo_credentials() {
  if (std::getenv("AWS_ACCESS_KEY_ID") || std::getenv("AWS_PROFILE")) return;
  setenv("AWS_ACCESS_KEY_ID", "lab", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "lab", 1);
}

// The demo's data regions start empty: what `drpilot bootstrap dynamodb`
// does (tables, replicas, sentinel items), with its output as log lines.
// Blocking: runs off the loop thread, since the lab answers from the loop.
bool bootstrap_lab(const config::Config& cfg) {
  std::string error;
  std::optional<aws::BootstrapPlan> plan = aws::bootstrap_plan_from_config(cfg, error);
  static const core::SystemClock clock;
  std::shared_ptr<aws::CredentialProvider> creds =
      plan ? aws::load_blocking(clock, aws::credential_options_from_config(cfg), error) : nullptr;
  if (!plan || !creds) {
    log_event("bootstrap_failed", {{"error", error}});
    return false;
  }
  plan->poll_interval = core::Duration{100};
  plan->wait_timeout = core::Duration{30'000};
  aws::DynamoOptions options;
  options.timeout = core::Duration{2'000};
  aws::BootstrapResult r =
      aws::bootstrap_dynamodb(*plan, aws::make_regional_call(plan->regions, creds, options, 1),
                              [](const std::string& line) {
                                log_event("bootstrap", {{"step", line}});
                              });
  if (!r.ok) log_event("bootstrap_failed", {{"error", r.error}});
  return r.ok;
}

// Runs the loop until SIGINT/SIGTERM; SIGHUP reloads the configuration.
int serve(std::shared_ptr<const config::Config> shared, bool with_lab, bool with_controller,
          const std::string& banner_self, const std::string& port_file_path,
          const std::string& member = "") {
  const config::Config& cfg = *shared;
  // First, before any thread starts: they all inherit the blocked signals.
  net::Loop loop;
  std::function<void(int)> on_signal;
  net::SignalThread signals({SIGHUP}, {SIGINT, SIGTERM},
                            [&](int sig) { loop.post([&, sig] { on_signal(sig); }); });
  core::SystemClock clock;
  std::unique_ptr<lab::Lab> lab;
  std::unique_ptr<Controller> controller;
  std::unique_ptr<DemoAgents> agents;
  PortFile port_file(port_file_path);
  nlohmann::json ports = nlohmann::json::object();
  int rc = 0;
  auto stop_all = [&] {
    if (agents) agents->stop();
    if (controller) controller->stop();
    if (lab) lab->stop();
    loop.stop();
  };
  // The controller (and, in the demo, the agents) once the lab is ready.
  auto start_controller = [&]() -> bool {
    try {
      controller = std::make_unique<Controller>(loop, shared, clock, member);
      controller->start();
      if (with_lab) {
        agents = std::make_unique<DemoAgents>(loop, clock, cfg);
        agents->start();
      }
      ports["api"] = controller->api_bound().to_string();
      ports["dns"] = nlohmann::json::array();
      for (const config::Endpoint& e : controller->dns_bound())
        ports["dns"].push_back(e.to_string());
      port_file.write(ports);
    } catch (const std::exception& e) {
      std::cerr << "drpilot: " << e.what() << "\n";
      return false;
    }
    // Loading a large configuration (the YAML tree is many times its size)
    // and starting leave freed memory behind: hand it back to the system.
    malloc_trim(0);
    if (!banner_self.empty()) {
      print_demo_banner(cfg, banner_self, controller->api_bound(), controller->dns_bound());
    }
    return true;
  };
  try {
    if (with_lab) {
      lab = std::make_unique<lab::Lab>(loop, cfg.lab, lab_data_options(cfg));
      lab->start();
      const std::string control =
          config::Endpoint{cfg.lab.control.host, lab->control_port()}.to_string();
      ports["lab_control"] = control;
      if (!with_controller) port_file.write(ports);
      std::string sites, regions;
      for (const auto& s : cfg.lab.sites)
        sites += (sites.empty() ? "" : ",") + s.name + "@" + s.listen.to_string();
      for (const auto& d : cfg.lab.data_regions)
        regions += (regions.empty() ? "" : ",") + d.name + "@" + d.listen.to_string();
      if (regions.empty()) {
        log_event("lab", {{"control", control}, {"sites", sites}});
      } else {
        log_event("lab", {{"control", control},
                          {"sites", sites},
                          {"data_regions", regions},
                          {"replication_delay", core::format_duration(cfg.lab.replication_delay)}});
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "drpilot: " << e.what() << "\n";
    return 1;
  }
  std::thread bootstrap;
  const bool bootstrap_first =
      with_lab && with_controller && !cfg.lab.data_regions.empty() && !cfg.table_groups.empty();
  if (bootstrap_first) {
    demo_credentials();
    bootstrap = std::thread([&] {
      const bool ok = bootstrap_lab(cfg);
      loop.post([&, ok] {
        if (!ok) {
          std::cerr << "drpilot: the lab's data regions could not be bootstrapped\n";
        } else if (start_controller()) {
          return;
        }
        rc = 1;
        stop_all();
      });
    });
  } else if (with_controller && !start_controller()) {
    if (lab) lab->stop();
    return 1;
  }
  on_signal = [&](int sig) {
    if (sig == SIGHUP) {
      if (controller) controller->reload();
      return;
    }
    log_event("shutdown", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    stop_all();
  };
  loop.run();
  if (bootstrap.joinable()) bootstrap.join();
  return rc;
}

}  // namespace

std::string default_config_path(const std::string& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string local = "examples/" + file;
  if (fs::exists(local, ec)) return local;
  std::string installed = std::string(DRPILOT_SOURCE_DIR) + "/" + local;
  if (fs::exists(installed, ec)) return installed;
  return local;
}

int run_controller(const std::string& config_path, const std::string& port_file,
                   const std::string& member) {
  auto cfg = load_or_report(config_path);
  if (!cfg) return 1;
  if (member_refused(*cfg, member)) return 1;
  return serve(std::make_shared<const config::Config>(std::move(*cfg)), false, true, "", port_file,
               member);
}

int run_lab(const std::string& config_path, const std::string& port_file) {
  auto cfg = load_or_report(config_path);
  if (!cfg) return 1;
  if (!cfg->lab.enabled) {
    std::cerr << "drpilot: " << config_path
              << " has no 'lab' section, so there is nothing to simulate\n";
    return 1;
  }
  return serve(std::make_shared<const config::Config>(std::move(*cfg)), true, false, "", port_file);
}

int run_demo(const std::string& config_path, const std::string& self,
             const std::string& port_file) {
  auto cfg = load_or_report(config_path);
  if (!cfg) return 1;
  if (!cfg->lab.enabled) {
    std::cerr << "drpilot: " << config_path
              << " has no 'lab' section; the demo needs simulated sites\n";
    return 1;
  }
  if (cfg->cluster.enabled()) {
    std::cerr << "drpilot: " << config_path
              << " has a 'cluster' section; the demo runs one controller: use a lab file "
                 "without one, or run each member with drpilot run --member NAME\n";
    return 1;
  }
  return serve(std::make_shared<const config::Config>(std::move(*cfg)), true, true, self,
               port_file);
}

}  // namespace drpilot::cli
