// drpilot's command line: parses arguments and hands over to commands.h.

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"

namespace {

std::string self_name(const char* argv0) {
  std::string s = argv0 ? argv0 : "drpilot";
  return s.find('/') == std::string::npos ? "drpilot" : s;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace drpilot::cli;
  CLI::App app{
      "drpilot: automatic regional failover. It checks every site, decides where traffic "
      "should go, serves that decision from its own DNS, and records why.\n"
      "Start with `drpilot demo`, then `drpilot lab break ams` and `drpilot status`."};
  app.set_version_flag("--version", std::string("drpilot ") + DRPILOT_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  std::string config_path;
  bool as_json = false;
  std::string port_file;
  const std::string port_file_help =
      "Once listening, write the addresses bound here as JSON (with the pid): with port 0 in "
      "the configuration, the ports the system picked. Removed on exit.";

  auto* run = app.add_subcommand("run", "Run the controller: checks, planner, journal, DNS, API.");
  run->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  run->add_option("--port-file", port_file, port_file_help);
  std::string member;
  run->add_option("--member", member,
                  "Which member of the configuration's cluster this controller is (also "
                  "DRPILOT_MEMBER); needed when the file has a 'cluster' section")
      ->envname("DRPILOT_MEMBER");

  auto* demo = app.add_subcommand(
      "demo",
      "Run the local demo: simulated sites, the controller and the embedded DNS, "
      "all on loopback (defaults to examples/lab.yaml).");
  demo->add_option("-c,--config", config_path, "Configuration file with a 'lab' section");
  demo->add_option("--port-file", port_file, port_file_help);
  bool ha = false;
  demo->add_flag("--ha", ha,
                 "Three controllers as one cluster on a local three-member etcd, each its own "
                 "process on 127.0.0.1, .2 and .3 (defaults to examples/lab-ha.yaml): kill the "
                 "leader and watch another take over");

  auto* agent = app.add_subcommand(
      "agent",
      "Run an agent beside the application in one site: local checks, signed reports to the "
      "controllers, the site's configuration applied, /healthz for load balancers.");
  agent->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  std::string agent_name;
  agent->add_option("--name", agent_name, "The agent's name in the file's 'agents' section")
      ->required();
  agent->add_option("--port-file", port_file, port_file_help);
  agent->footer(
      "Example: drpilot agent -c /etc/drpilot/drpilot.yaml --name ams-agent\n"
      "Templates to start from: examples/agent/drpilot.env.tmpl, "
      "examples/agent/drpilot-data.php.tmpl.\n"
      "Runs until SIGINT or SIGTERM (exit 0). Exit 2: the configuration cannot be used "
      "(invalid file, unknown agent, unreadable key); exit 1: it cannot start (the /healthz "
      "address is taken).");

  auto* lab = app.add_subcommand(
      "lab", "Run the simulated sites of a configuration's 'lab' section, or change their faults.");
  lab->add_option("-c,--config", config_path,
                  "Configuration file (defaults to examples/lab.yaml when running the lab)");
  std::string control;
  lab->add_option("--control", control, "Lab control address (default 127.0.0.1:8079)");
  lab->add_option("--port-file", port_file, port_file_help + " (when running the lab)");
  lab->require_subcommand(0, 1);
  lab->fallthrough();
  std::string site;
  int slow_ms = 0;
  std::string lab_action_name;
  for (const auto& [name, help] : std::vector<std::pair<std::string, std::string>>{
           {"break", "Make SITE answer 503 (a data region: 500) to every request."},
           {"refuse", "Close SITE's port: connections are refused."},
           {"blackhole", "SITE accepts connections and never answers."},
           {"heal", "Make SITE healthy again."}}) {
    auto* sub = lab->add_subcommand(name, help);
    sub->add_option("site", site, "Site or data region name, e.g. ams")->required();
    sub->callback([&lab_action_name, n = name] { lab_action_name = n; });
  }
  auto* slow = lab->add_subcommand("slow", "Delay SITE's answers by MS milliseconds.");
  slow->add_option("site", site, "Site or data region name, e.g. ams")->required();
  slow->add_option("ms", slow_ms, "Delay in milliseconds")
      ->required()
      ->check(CLI::Range(1, 600000));
  slow->callback([&] { lab_action_name = "slow"; });
  for (const auto& [name, help] : std::vector<std::pair<std::string, std::string>>{
           {"pause-replication",
            "Stop replicating writes from data region REGION (they queue up, in order)."},
           {"resume-replication", "Release REGION's queued writes and replicate again."}}) {
    auto* sub = lab->add_subcommand(name, help);
    sub->add_option("region", site, "Data region name, e.g. eu-west-1")->required();
    sub->callback([&lab_action_name, n = name] { lab_action_name = n; });
  }
  auto* lab_status = lab->add_subcommand(
      "status", "Show every lab site and data region: faults, replication and its queue.");
  lab_status->callback([&] { lab_action_name = "status"; });

  auto* check = app.add_subcommand("check-config",
                                   "Validate a configuration file; exit 0 if valid, 1 if not.");
  check->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  bool skip_secrets = false;
  check->add_flag("--skip-secrets", skip_secrets,
                  "Do not read the tokens and keys the file names (on a machine without them)");
  bool online = false;
  check->add_flag("--online", online,
                  "Also reach what the file names over the network: every etcd endpoint of the "
                  "cluster section (each must answer; the leader is shown)");

  ConnectionOptions where;
  auto connection = [&](CLI::App* sub, bool with_token) {
    sub->add_option(
        "--api", where.api,
        std::string("Controller API URL (default: from -c FILE, else ") + kDefaultApi + ")");
    sub->add_option("-c,--config", where.config_path,
                    "The controller's configuration file: its API address, certificate and "
                    "token");
    sub->add_option("--token", where.token,
                    std::string(with_token ? "Operator token"
                                           : "API token, if the API asks for "
                                             "one to read") +
                        " (default: DRPILOT_TOKEN, else the one -c FILE names, else the demo's)");
    sub->add_option("--ca-file", where.ca_file,
                    "PEM certificate(s) to trust for an https API: a private CA or the "
                    "controller's own certificate (default: DRPILOT_CA_FILE, else -c FILE's "
                    "api.tls_certificate_file, else the system's)");
  };

  auto* status = app.add_subcommand("status", "Show sites, verdicts, the current answer and why.");
  connection(status, false);
  status->add_flag("--json", as_json, "Print the raw status document");
  std::string status_site, status_record;
  auto* site_opt = status->add_option("--site", status_site,
                                      "Only this site and the records that answer with it");
  status->add_option("--record", status_record, "Only this record and its sites")
      ->excludes(site_opt);

  auto* history = app.add_subcommand("history", "Show what happened and why, oldest first.");
  connection(history, false);
  int limit = 50;
  history->add_option("-n,--limit", limit, "Number of events")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  std::string journal;
  history->add_option("--journal", journal, "Read this journal file directly instead of the API");
  history->add_flag("--json", as_json, "Print JSON");

  // Operator commands: journaled with who (--who, default $USER@host) and why (--reason).
  drpilot::core::Command op;
  auto operator_cmd = [&](const std::string& name, const std::string& help, bool site, bool record,
                          bool force) {
    CLI::App* sub = app.add_subcommand(name, help);
    if (record)
      sub->add_option("record", op.record, "Record name, e.g. www.example.com")->required();
    if (site) sub->add_option("site", op.site, "Site name, e.g. ams")->required();
    if (force) sub->add_flag("--force", op.force, "Do it even though no healthy site would answer");
    sub->add_option("--reason", op.why, "Why, for the journal");
    sub->add_option("--who", op.who,
                    "Your name, journaled beside the token's name (default: $USER@host)");
    connection(sub, true);
    sub->callback([&op, name] { op.name = name; });
    return sub;
  };
  operator_cmd("drain",
               "Take SITE out of every answer (refused if a record would have no healthy site "
               "left, unless --force).",
               true, false, true);
  operator_cmd("undrain", "Let SITE answer again, by the normal policy.", true, false, false);
  operator_cmd("pin", "Answer RECORD with SITE only, whatever its health, until unpin.", true, true,
               false);
  operator_cmd("unpin", "Let automation decide RECORD's answer again.", false, true, false);
  operator_cmd("freeze", "Stop every automatic change (checks go on) until resume.", false, false,
               false);
  operator_cmd("resume", "Lift a freeze, and any flap freeze.", false, false, false);
  // switchover RECORD SITE moves traffic; switchover --data REGION moves writes.
  CLI::App* switchover = app.add_subcommand(
      "switchover",
      "Move a failover RECORD to an up SITE now (a planned move; the failback policy applies "
      "afterwards), or, with --data REGION, move the write-primary of the table groups to "
      "REGION gracefully: writes pause (roles read-only), drpilot waits until REGION has seen a "
      "canary written after the pause and 10x the recent maximum replication lag has passed, "
      "switches, and resumes writes; every step is journaled.");
  switchover->add_option("record", op.record, "Record name, e.g. www.example.com");
  switchover->add_option("site", op.site, "Site name, e.g. ams");
  switchover->add_option("--data", op.data_region, "Move writes to this data region instead");
  switchover->add_option("--group", op.group,
                         "With --data: only this table group (default: every single-mode group)");
  switchover->add_option("--reason", op.why, "Why, for the journal");
  switchover->add_option("--who", op.who, "Who, for the journal (default: $USER@host)");
  connection(switchover, true);
  switchover->callback([&op] {
    op.name = "switchover";
    if (!op.data_region.empty()) {
      if (!op.record.empty() || !op.site.empty())
        throw CLI::ValidationError("switchover --data REGION takes no RECORD or SITE");
    } else if (op.record.empty() || op.site.empty()) {
      throw CLI::ValidationError(
          "switchover needs RECORD and SITE (or --data REGION to move writes)");
    } else if (!op.group.empty()) {
      throw CLI::ValidationError("--group goes with --data");
    }
  });

  app.add_subcommand("config-reference", "Print the configuration reference (Markdown).");

  DynamoCommand dynamo;
  auto* dynamodb = app.add_subcommand(
      "dynamodb",
      "Call one DynamoDB operation (DescribeTable, GetItem, PutItem, CreateTable, UpdateTable, "
      "ListTables, ...) with drpilot's credentials, signing and retries; print the reply as "
      "JSON. Example: drpilot dynamodb DescribeTable --region eu-west-1 "
      "'{\"TableName\": \"orders\"}'");
  dynamodb->add_option("operation", dynamo.operation, "Operation name, e.g. DescribeTable")
      ->required();
  dynamodb->add_option("json", dynamo.input,
                       "The operation's input as JSON, or - to read it from standard input "
                       "(default: {})");
  dynamodb->add_option("--region", dynamo.region, "AWS region, e.g. eu-west-1")->required();
  dynamodb->add_option("--endpoint", dynamo.endpoint,
                       "Endpoint URL (default: https://dynamodb.REGION.amazonaws.com)");
  dynamodb->add_option("--profile", dynamo.profile,
                       "Profile in ~/.aws/credentials (default: AWS_ACCESS_KEY_ID/... from the "
                       "environment, else AWS_PROFILE, else default)");

  auto* bootstrap = app.add_subcommand(
      "bootstrap", "Make what a configuration needs exist in the outside world.");
  bootstrap->require_subcommand(1);
  auto* bootstrap_dynamodb = bootstrap->add_subcommand(
      "dynamodb",
      "Create the configuration's DynamoDB tables where missing (on-demand, stream "
      "NEW_AND_OLD_IMAGES), add missing replicas in its data regions, wait until all are ACTIVE "
      "and write the sentinel items its checks read. Prints what it will do first; running it "
      "again changes nothing. A table's key comes from the sentinel checks' key (hash key "
      "first) or its group's canary_key.");
  bootstrap_dynamodb->add_option("-c,--config", config_path, "Configuration file (YAML)")
      ->required();
  bool dry_run = false;
  bootstrap_dynamodb->add_flag("--dry-run", dry_run, "Only print what it would do");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (run->parsed()) return run_controller(config_path, port_file, member);
  if (demo->parsed() && ha) {
    return run_ha_demo(config_path.empty() ? default_config_path("lab-ha.yaml") : config_path);
  }
  if (demo->parsed())
    return run_demo(config_path.empty() ? default_config_path() : config_path, self_name(argv[0]),
                    port_file);
  if (agent->parsed()) return run_agent(config_path, agent_name, port_file);
  if (lab->parsed()) {
    if (lab_action_name.empty())
      return run_lab(config_path.empty() ? default_config_path() : config_path, port_file);
    return lab_action(lab_action_name, site, slow_ms, control, config_path);
  }
  if (check->parsed()) return check_config(config_path, !skip_secrets, online);
  if (status->parsed()) return show_status(where, as_json, status_site, status_record);
  if (history->parsed()) return show_history(where, limit, as_json, journal);
  if (!op.name.empty()) return operator_command(op, where);
  if (app.got_subcommand("config-reference")) return print_config_reference();
  if (dynamodb->parsed()) return dynamodb_command(dynamo);
  if (bootstrap_dynamodb->parsed()) return bootstrap_dynamodb_command(config_path, dry_run);
  std::cerr << app.help();
  return 2;
}
