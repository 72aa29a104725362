#pragma once
// Talking to a running controller from the command line: finding it (--api,
// -c FILE, or the demo's configuration), its token, and one JSON request.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace drpilot::cli {

struct Fetched {
  bool ok = false;
  nlohmann::json body;
  std::string error;  // one line, ready to print after "drpilot: "
};

// One request to `base` + `path`; a JSON reply with status 200 is ok.
// `hint` is appended when the controller cannot be reached.
Fetched fetch(const std::string& base, const std::string& method, const std::string& path,
              const std::string& hint, const nlohmann::json* body = nullptr,
              const std::string& token = "");

struct ConnectionOptions {
  std::string api;          // --api URL
  std::string token;        // --token TOKEN
  std::string config_path;  // -c FILE
};

struct Connection {
  std::string api;
  std::string token;
};

// The API URL: --api, else the configuration's api.listen, else the default.
// With `need_token`, the token: --token, else DRPILOT_TOKEN, else the one the
// configuration names; without -c or --api the demo's configuration
// (examples/lab.yaml) is read, so that commands work as typed next to it.
std::optional<Connection> connect_to_controller(const ConnectionOptions& options, bool need_token,
                                                std::string& error);

}  // namespace drpilot::cli
