#pragma once
// The HTTP API: GET /healthz, /api/v1/status, /api/v1/history for anyone,
// POST /api/v1/commands/{drain,undrain,pin,unpin,freeze,resume,switchover}
// for callers with an operator token, and POST /api/v1/agents/report for
// agents, which sign with their own keys. Status and history can be made to
// need a token too (any role); /healthz never does.
//
// Routing, authentication and validation are a plain function of the request
// (decide), tested and fuzzed without sockets. The server runs on a thread
// of its own: what needs the controller's state runs on the control loop,
// and what is slow -- rendering a large status document, reading the
// journal's history -- runs on the API's thread, never on the control loop.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api/status_query.h"
#include "core/commands.h"
#include "net/http.h"
#include "net/loop.h"

namespace drpilot::api {

// A reply as a status code and a JSON body.
using Reply = std::pair<int, nlohmann::json>;

// What the API reads and asks; implemented by the controller.
class Backend {
 public:
  virtual ~Backend() = default;
  // On the control loop: an immutable copy of what `q` asks for. The
  // returned function renders it into the reply, on another thread.
  virtual std::function<net::ServerResponse()> status(const StatusQuery& q) = 0;
  // On the API's thread, concurrently with the control loop: newest first,
  // `before_id` pages backwards.
  virtual nlohmann::json history(std::size_t limit, std::optional<std::int64_t> before_id) = 0;
  // Any thread: the control loop ticked recently.
  virtual bool live() = 0;
  // Any thread: "" when all is well, else what /healthz should add ("the
  // journal is read-only: ..."): the controller works, but not fully.
  virtual std::string degraded() { return ""; }
  // On the control loop. Carries out an operator command: {status, body} as
  // the reply. The body has "message" (and "generation") on success, "error"
  // otherwise.
  virtual Reply command(const core::Command& cmd) = 0;
  // On the control loop: the same, answered through `done` (on the control
  // loop, possibly later: a cluster's leader acknowledges a command once the
  // cluster stored it).
  virtual void command(const core::Command& cmd, std::function<void(Reply)> done) {
    done(command(cmd));
  }
  // Any thread: "" when this controller is the acting leader of a cluster,
  // else why not (GET /healthz/leader: 200 only on the leader).
  virtual std::string not_leading() { return "not a cluster member: every controller acts alone"; }
  // On the control loop. POST /api/v1/agents/report: a signed agent report,
  // answered with the site's signed assignment (api/agent_protocol.h).
  virtual net::ServerResponse agent_report(const net::ServerRequest& req);
};

// A JSON reply as every endpoint sends it (indented, invalid UTF-8 replaced).
net::ServerResponse json_response(int status, const nlohmann::json& body);

// What a request asks for once it is routed, authenticated and validated.
struct Action {
  enum class Kind { reply, healthz, healthz_leader, status, history, command, agent_report };
  Kind kind = Kind::reply;
  net::ServerResponse reply;  // Kind::reply: the answer itself (an error, usually)
  StatusQuery status;
  std::size_t limit = 100;  // history
  std::optional<std::int64_t> before;
  core::Command command;
};

// A bearer token the API accepts ("Authorization: Bearer SECRET").
struct Token {
  std::string name;          // journaled as who gave a command
  bool may_operate = false;  // the operator role; else read only
  std::string secret;
};

// Who may call what.
struct Access {
  std::vector<Token> tokens;  // no operator token: operator commands are disabled
  bool read_token_required = false;
  // One operator token named "operator": the plain api.token.
  static Access operator_token(std::string secret);
};

// The token `req` presents, or nullptr when it presents none or a wrong one.
// Every configured token is compared, each in constant time.
const Token* authenticate(const net::ServerRequest& req, const Access& access);

Action decide(const net::ServerRequest& req, const Access& access);

// Which Host headers the API answers (DNS rebinding: a web page whose name
// resolves to the API's address must not be able to use it).
struct HostPolicy {
  std::vector<std::string> names;  // lower case; an IPv6 address without brackets
  bool any = false;                // a wildcard listen address without configured names
};
// The listen address (and localhost, 127.0.0.1 and ::1 when it is loopback)
// plus `configured`; any Host when the address is a wildcard and nothing is configured.
HostPolicy host_policy(const std::string& listen_address,
                       const std::vector<std::string>& configured);
// "" when `req` may be answered, else the 421 reason. /healthz and signed
// agent reports answer any Host.
std::string check_host(const net::ServerRequest& req, const HostPolicy& policy);

// The body a request may carry, decided from its head before the body is
// read: an operator command with the right token, a signed agent report, or
// (anything else, unauthenticated) a little.
inline constexpr std::size_t kMaxAnonymousBody = 1024;
inline constexpr std::size_t kMaxCommandBody = 16 * 1024;
inline constexpr std::size_t kMaxAgentReportBody = 2 * 1024 * 1024;
std::size_t body_limit(const net::ServerRequest& head, const Access& access);

// GET /healthz: 200 "ok" while the control loop runs (with "degraded: ..."
// after it when `degraded` says why), 503 otherwise.
net::ServerResponse healthz_response(bool live, const std::string& degraded = "");
// GET /healthz/leader, for load balancers in front of a cluster: 200 on the
// acting leader only.
net::ServerResponse healthz_leader_response(const std::string& not_leading);

// decide() and carrying the action out at once, on the calling thread.
net::ServerResponse route(Backend& backend, const net::ServerRequest& req, const Access& access);

struct ApiOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (see ApiServer::port)
  Access access;
  HostPolicy hosts{{}, true};  // the Host headers it answers (see host_policy)
  // Both set: HTTPS with this PEM certificate chain and key.
  std::string tls_certificate_file;
  std::string tls_key_file;
};

class ApiServer {
 public:
  // `control`: the loop the backend's state belongs to. Throws
  // std::runtime_error naming a TLS file that cannot be loaded.
  ApiServer(net::Loop& control, Backend& backend, ApiOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds (throws std::runtime_error naming the address) and starts the
  // API's thread.
  void start();
  // Closes every connection and joins the thread. Idempotent.
  void stop();
  std::uint16_t port() const { return server_->port(); }

 private:
  void handle(const net::ServerRequest& req, net::Responder respond);
  net::ServerOptions server_options(const ApiOptions& o) const;

  net::Loop& control_;
  Backend& backend_;
  const Access access_;
  const HostPolicy hosts_;
  net::Loop loop_;  // the API's own
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // read on the API thread only
};

}  // namespace drpilot::api
