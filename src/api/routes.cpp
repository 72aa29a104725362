// The API as a plain function of the request: routing, the bearer-token
// check and operator command bodies. No sockets here, so it is tested and
// fuzzed directly.

#include "api/api_server.h"
#include "net/json_reply.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <variant>

#include "api/agent_protocol.h"
#include "net/crypto.h"

namespace drpilot::api {
namespace {

using nlohmann::json;

constexpr std::string_view kCommands = "/api/v1/commands/";

net::ServerResponse error(int status, const std::string& message) {
  return json_response(status, {{"error", message}});
}

std::optional<long long> int_param(const net::ServerRequest& req, const std::string& key) {
  auto it = req.query.find(key);
  if (it == req.query.end()) return std::nullopt;
  long long v = 0;
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || p != it->second.data() + it->second.size()) return -1;
  return v;
}

net::ServerResponse unauthorized(const std::string& message) {
  net::ServerResponse r = error(401, message);
  r.headers.push_back({"WWW-Authenticate", "Bearer"});
  return r;
}

// The credential of "Authorization: Bearer SECRET", or nothing. The scheme
// name is case-insensitive (RFC 9110 section 11.1); the token is not.
std::optional<std::string_view> bearer(const net::ServerRequest& req) {
  auto it = req.headers.find("authorization");
  if (it == req.headers.end()) return std::nullopt;
  const std::string& h = it->second;
  constexpr std::string_view kScheme = "bearer ";
  if (h.size() < kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(h[i])) != kScheme[i]) return std::nullopt;
  }
  return std::string_view(h).substr(kScheme.size());
}

bool has_operator(const Access& access) {
  return std::any_of(access.tokens.begin(), access.tokens.end(),
                     [](const Token& t) { return t.may_operate && !t.secret.empty(); });
}

std::optional<std::string> text_field(const json& body, const char* key, std::string& err) {
  if (!body.contains(key) || body[key].is_null()) return std::string();
  if (!body[key].is_string()) {
    err = std::string("'") + key + "' must be a string";
    return std::nullopt;
  }
  std::string v = body[key].get<std::string>();
  if (v.size() > 500) {
    err = std::string("'") + key + "' is longer than 500 characters";
    return std::nullopt;
  }
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7f) {
      err = std::string("'") + key + "' holds a control character";
      return std::nullopt;
    }
  }
  return v;
}

// The command a body describes, or the 400 that says what is wrong with it.
// `caller`: the token's name, which is who the journal says gave the command.
std::variant<core::Command, net::ServerResponse> parse_command(const net::ServerRequest& req,
                                                               const std::string& name,
                                                               const std::string& caller) {
  json body = req.body.empty() ? json::object() : net::parse_json_reply(req.body);
  if (body.is_discarded() || !body.is_object()) {
    return error(400, "the body must be a JSON object such as {\"site\": \"ams\"}");
  }
  core::Command cmd;
  cmd.name = name;
  std::string err;
  auto site = text_field(body, "site", err);
  auto record = text_field(body, "record", err);
  auto who = text_field(body, "who", err);
  auto why = text_field(body, "why", err);
  auto data_region = text_field(body, "data_region", err);
  auto group = text_field(body, "group", err);
  if (!site || !record || !who || !why || !data_region || !group) return error(400, err);
  if (body.contains("force") && !body["force"].is_boolean()) {
    return error(400, "'force' must be true or false");
  }
  cmd.site = *site;
  cmd.record = *record;
  // The token says who it is; what the client says of itself is kept beside
  // it, never instead of it.
  cmd.who = who->empty() || *who == caller ? caller : caller + " (" + *who + ")";
  cmd.why = *why;
  cmd.data_region = *data_region;
  cmd.group = *group;
  cmd.force = body.value("force", false);
  return cmd;
}

Action reply(net::ServerResponse r) {
  Action a;
  a.kind = Action::Kind::reply;
  a.reply = std::move(r);
  return a;
}

// ?site=, ?record=, ?limit=, ?cursor= of a status request.
std::variant<StatusQuery, net::ServerResponse> status_query(const net::ServerRequest& req) {
  StatusQuery q;
  auto text = [&](const char* key) {
    auto it = req.query.find(key);
    return it == req.query.end() ? std::string() : it->second;
  };
  q.site = text("site");
  q.record = text("record");
  q.cursor = text("cursor");
  if (!q.site.empty() && !q.record.empty())
    return error(400, "ask for a site or a record, not both");
  auto limit = int_param(req, "limit");
  if (limit && (*limit < 1 || *limit > 100000))
    return error(400, "limit must be between 1 and 100000");
  if (limit) q.limit = static_cast<std::size_t>(*limit);
  if (!q.cursor.empty() && !parse_cursor(q.cursor)) {
    return error(400, "cursor must be the next_cursor of a previous page");
  }
  if ((!q.site.empty() || !q.record.empty()) && (q.limit || !q.cursor.empty())) {
    return error(400, "limit and cursor page the whole status; a site or a record is one page");
  }
  return q;
}

}  // namespace

net::ServerResponse json_response(int status, const json& body) {
  net::ServerResponse r;
  r.status = status;
  // A path or a configured value may hold bytes that are not UTF-8: they are
  // replaced in the reply, never allowed to make dump() throw.
  r.body = body.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  return r;
}

net::ServerResponse Backend::agent_report(const net::ServerRequest&) {
  return error(404, "this controller takes no agent reports");
}

Access Access::operator_token(std::string secret) {
  Access a;
  a.tokens.push_back({"operator", true, std::move(secret)});
  return a;
}

const Token* authenticate(const net::ServerRequest& req, const Access& access) {
  auto presented = bearer(req);
  if (!presented) return nullptr;
  // Every token is compared, so the time taken tells nothing about which
  // one (or how much of one) a guess matched.
  const Token* match = nullptr;
  for (const Token& t : access.tokens) {
    const bool equal = net::constant_time_equal(*presented, t.secret);
    if (equal && !t.secret.empty() && match == nullptr) match = &t;
  }
  return match;
}

Action decide(const net::ServerRequest& req, const Access& access) {
  if (req.path.rfind(kCommands, 0) == 0) {
    if (req.method != "POST") return reply(error(405, "use POST"));
    // Nothing about the command is looked at before the caller is known.
    if (!has_operator(access)) {
      return reply(
          unauthorized("operator commands are disabled: this controller has no operator token (set "
                       "api.token_file, api.token_env or api.tokens)"));
    }
    const Token* caller = authenticate(req, access);
    if (caller == nullptr) return reply(unauthorized("missing or wrong bearer token"));
    if (!caller->may_operate) {
      return reply(error(403, "token '" + caller->name +
                                  "' has the read role; operator commands need an operator "
                                  "token"));
    }
    auto parsed = parse_command(req, req.path.substr(kCommands.size()), caller->name);
    if (auto* r = std::get_if<net::ServerResponse>(&parsed)) return reply(std::move(*r));
    Action a;
    a.kind = Action::Kind::command;
    a.command = std::get<core::Command>(std::move(parsed));
    return a;
  }
  // Agents sign their reports with their own keys: no bearer token here.
  if (req.path == kAgentReportPath) {
    if (req.method != "POST") return reply(error(405, "use POST"));
    Action a;
    a.kind = Action::Kind::agent_report;
    return a;
  }
  const bool read = req.method == "GET" || req.method == "HEAD";
  Action a;
  if (req.path == "/healthz") {
    if (!read) return reply(error(405, "use GET"));
    a.kind = Action::Kind::healthz;
    return a;
  }
  if (req.path == "/healthz/leader") {
    if (!read) return reply(error(405, "use GET"));
    a.kind = Action::Kind::healthz_leader;
    return a;
  }
  const bool readable = req.path == "/api/v1/status" || req.path == "/api/v1/history";
  if (readable && access.read_token_required && authenticate(req, access) == nullptr) {
    return reply(unauthorized(
        "this API needs a token to read status and history (api.read_token_required): send "
        "Authorization: Bearer TOKEN"));
  }
  if (req.path == "/api/v1/status") {
    if (!read) return reply(error(405, "use GET"));
    auto q = status_query(req);
    if (auto* r = std::get_if<net::ServerResponse>(&q)) return reply(std::move(*r));
    a.kind = Action::Kind::status;
    a.status = std::get<StatusQuery>(std::move(q));
    return a;
  }
  if (req.path == "/api/v1/history") {
    if (!read) return reply(error(405, "use GET"));
    auto limit = int_param(req, "limit");
    if (limit && (*limit < 1 || *limit > 10000))
      return reply(error(400, "limit must be between 1 and 10000"));
    auto before = int_param(req, "before");
    if (before && *before < 1) return reply(error(400, "before must be a positive event id"));
    a.kind = Action::Kind::history;
    a.limit = static_cast<std::size_t>(limit.value_or(100));
    if (before) a.before = *before;
    return a;
  }
  return reply(error(404, "no such endpoint: " + req.path +
                              " (try /api/v1/status, /api/v1/history, /api/v1/commands/NAME, "
                              "/healthz, /healthz/leader)"));
}

HostPolicy host_policy(const std::string& listen_address,
                       const std::vector<std::string>& configured) {
  HostPolicy p;
  p.names = configured;
  const bool wildcard = listen_address == "0.0.0.0" || listen_address == "::";
  if (wildcard && configured.empty()) p.any = true;
  if (!wildcard) p.names.push_back(listen_address);
  const bool loopback = listen_address.rfind("127.", 0) == 0 || listen_address == "::1";
  if (loopback) {
    for (const char* n : {"localhost", "127.0.0.1", "::1"}) p.names.push_back(n);
  }
  return p;
}

std::string check_host(const net::ServerRequest& req, const HostPolicy& policy) {
  // /healthz is for load balancers, whatever name they use; an agent's
  // report is signed with its key, which a web page does not have.
  if (policy.any || req.path == "/healthz" || req.path == "/healthz/leader" ||
      req.path == kAgentReportPath) {
    return "";
  }
  auto it = req.headers.find("host");
  if (it == req.headers.end()) return "the request has no Host header";
  // "name", "name:port", "[v6]", "[v6]:port"; compared without the port and case.
  std::string host = it->second;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    host = close == std::string::npos ? host : host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':');
             colon != std::string::npos && host.find(':') == colon) {
    host = host.substr(0, colon);
  }
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!host.empty() && host.back() == '.') host.pop_back();
  for (const std::string& n : policy.names) {
    if (n == host) return "";
  }
  std::string shown = it->second.substr(0, 100);
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return "this API does not answer to the name '" + shown +
         "' (add it to api.host_names if it is one of this controller's names)";
}

std::size_t body_limit(const net::ServerRequest& head, const Access& access) {
  if (head.path.rfind(kCommands, 0) == 0) {
    const Token* caller = authenticate(head, access);
    if (caller != nullptr && caller->may_operate) return kMaxCommandBody;
  }
  if (head.path == kAgentReportPath) {
    const bool signed_report = head.headers.count("x-drpilot-agent") &&
                               head.headers.count("x-drpilot-timestamp") &&
                               head.headers.count("x-drpilot-signature");
    if (signed_report) return kMaxAgentReportBody;
  }
  return kMaxAnonymousBody;
}

net::ServerResponse healthz_response(bool live, const std::string& degraded) {
  net::ServerResponse r;
  r.content_type = "text/plain";
  r.status = live ? 200 : 503;
  r.body = !live              ? "control loop is not running\n"
           : degraded.empty() ? "ok\n"
                              : "ok; degraded: " + degraded + "\n";
  return r;
}

net::ServerResponse healthz_leader_response(const std::string& not_leading) {
  net::ServerResponse r;
  r.content_type = "text/plain";
  r.status = not_leading.empty() ? 200 : 503;
  r.body = not_leading.empty() ? "leader\n" : "not the leader: " + not_leading + "\n";
  return r;
}

net::ServerResponse route(Backend& backend, const net::ServerRequest& req, const Access& access) {
  Action a = decide(req, access);
  switch (a.kind) {
    case Action::Kind::reply:
      return a.reply;
    case Action::Kind::healthz:
      return healthz_response(backend.live(), backend.degraded());
    case Action::Kind::healthz_leader:
      return healthz_leader_response(backend.not_leading());
    case Action::Kind::status:
      return backend.status(a.status)();
    case Action::Kind::history:
      return json_response(200, backend.history(a.limit, a.before));
    case Action::Kind::command: {
      auto [status, body] = backend.command(a.command);
      return json_response(status, body);
    }
    case Action::Kind::agent_report:
      return backend.agent_report(req);
  }
  return error(500, "unreachable");
}

}  // namespace drpilot::api
