#pragma once
// Talking to a running controller from the command line: finding it (--api,
// -c FILE, or the demo's configuration), its token, and one JSON request.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>

namespace drpilot::cli {

struct Fetched {
  bool ok = false;
  nlohmann::json body;
  std::string error;  // one line, ready to print after "drpilot: "
};

struct ConnectionOptions {
  std::string api;          // --api URL
  std::string token;        // --token TOKEN
  std::string ca_file;      // --ca-file FILE
  std::string config_path;  // -c FILE
};

struct Connection {
  std::string api;
  std::string token;    // empty: none is sent
  std::string ca_file;  // empty: the system's trust store
};

// One request to `c.api` + `path` (with c's token, trusting c's CA file); a
// JSON reply with status 200 is ok. `hint` is appended when the controller
// cannot be reached.
Fetched fetch(const Connection& c, const std::string& method, const std::string& path,
              const std::string& hint, const nlohmann::json* body = nullptr);

// GET `path` on the API at `api` with a short timeout (1 s to connect, 2 s
// in all), trusting `ca_file` when given: the status (0 when nothing
// answered) and the body's first line, or the error.
std::pair<int, std::string> probe_member(const std::string& api, const std::string& path,
                                         const std::string& ca_file = "");

// What a command needs: reading works without a token unless the controller
// asks for one (then any role will do); operator commands need an operator token.
enum class TokenNeed { read, operate };

// The API URL: --api, else the configuration's api.listen (https when it has a
// certificate), else the default. The CA file: --ca-file, else DRPILOT_CA_FILE,
// else the configuration's api.tls_certificate_file. The token: --token, else
// DRPILOT_TOKEN, else one the configuration names (an operator token to
// operate; for reading a read token first) -- required to operate, sent if
// found to read. Without -c or --api the demo's configuration
// (examples/lab.yaml) is read, so that commands work as typed next to it.
std::optional<Connection> connect_to_controller(const ConnectionOptions& options, TokenNeed need,
                                                std::string& error);

}  // namespace drpilot::cli
