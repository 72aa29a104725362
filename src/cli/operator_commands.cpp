// drpilot drain / undrain / pin / unpin / freeze / resume / switchover: the
// operator's commands, sent to the controller's API with its bearer token.

#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/client.h"
#include "cli/commands.h"

namespace drpilot::cli {
namespace {

std::string default_who() {
  const char* user = std::getenv("USER");
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::string who = user && *user ? user : "operator";
  if (host[0]) who += std::string("@") + host;
  return who;
}

}  // namespace

int operator_command(const core::Command& given, const ConnectionOptions& options) {
  std::string error;
  auto c = connect_to_controller(options, TokenNeed::operate, error);
  if (!c) {
    std::cerr << "drpilot: " << error << "\n";
    return 1;
  }
  core::Command cmd = given;
  if (cmd.who.empty()) cmd.who = default_who();
  nlohmann::json body = {{"who", cmd.who}, {"why", cmd.why}, {"force", cmd.force}};
  if (!cmd.site.empty()) body["site"] = cmd.site;
  if (!cmd.record.empty()) body["record"] = cmd.record;
  if (!cmd.data_region.empty()) body["data_region"] = cmd.data_region;
  if (!cmd.group.empty()) body["group"] = cmd.group;
  Fetched f = fetch(*c, "POST", "/api/v1/commands/" + cmd.name,
                    "is the controller running? use --api URL or -c FILE", &body);
  if (!f.ok) {
    std::cerr << "drpilot: " << f.error << "\n";
    return 1;
  }
  std::printf("%s (plan generation %s)\n", f.body.value("message", "done").c_str(),
              f.body.contains("generation") ? f.body["generation"].dump().c_str() : "-");
  return 0;
}

}  // namespace drpilot::cli
