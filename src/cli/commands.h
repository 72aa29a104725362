#pragma once
// The subcommands. main.cpp parses the command line and calls these; each
// returns the process exit code (0 ok, 1 failure, 2 usage).

#include <optional>
#include <string>

#include "cli/client.h"
#include "core/commands.h"

namespace drpilot::cli {

// Where `drpilot demo`, `status` and `lab` look when not told otherwise.
std::string default_config_path(const std::string& file = "lab.yaml");
inline constexpr const char* kDefaultApi = "http://127.0.0.1:8080";
inline constexpr const char* kDefaultLabControl = "127.0.0.1:8079";

// `port_file` (may be empty): where to write the addresses bound, once
// listening (see port_file.h).
// `member`: the cluster member this controller is ("" without a cluster).
int run_controller(const std::string& config_path, const std::string& port_file,
                   const std::string& member);
int run_demo(const std::string& config_path, const std::string& self, const std::string& port_file);
// drpilot demo --ha (ha_demo.cpp).
int run_ha_demo(const std::string& config_path);
int run_lab(const std::string& config_path, const std::string& port_file);
// The agent named `name` in the configuration (agent_command.cpp).
int run_agent(const std::string& config_path, const std::string& name,
              const std::string& port_file);
// action: break | refuse | blackhole | slow | heal | status |
//         pause-replication | resume-replication
int lab_action(const std::string& action, const std::string& site, int slow_ms,
               const std::string& control, const std::string& config_path);
// Also reads every secret the file names unless `check_secrets` is false.
// `online`: also reach every etcd endpoint of the cluster section.
int check_config(const std::string& config_path, bool check_secrets, bool online);
int print_config_reference();
// `site` or `record` (at most one): only that part of the status.
int show_status(const ConnectionOptions& where, bool as_json, const std::string& site = "",
                const std::string& record = "");
int show_history(const ConnectionOptions& where, int limit, bool as_json,
                 const std::string& journal_path);
// drain, undrain, pin, unpin, freeze, resume, switchover.
int operator_command(const core::Command& cmd, const ConnectionOptions& where);

// drpilot dynamodb OPERATION: one DynamoDB call, the reply printed as JSON.
struct DynamoCommand {
  std::string operation;  // DescribeTable, GetItem, ...
  std::string region;
  std::string endpoint;  // empty: AWS's
  std::string profile;   // empty: the environment's credentials, else AWS_PROFILE/default
  std::string input;     // the request as JSON; "-": standard input; empty: {}
};
int dynamodb_command(const DynamoCommand& cmd);
// drpilot bootstrap dynamodb: the tables, replicas and sentinel items the
// configuration implies (aws/bootstrap_config.h), progress on standard
// output; with `dry_run`, only what it would do.
int bootstrap_dynamodb_command(const std::string& config_path, bool dry_run);

}  // namespace drpilot::cli
