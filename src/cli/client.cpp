#include "cli/client.h"

#include <cstdlib>

#include "cli/commands.h"
#include "config/config.h"
#include "config/secrets.h"
#include "net/http.h"
#include "net/json_reply.h"

namespace drpilot::cli {

using nlohmann::json;

namespace {

// A request for `path` under the base URL `base` (which may have a path of
// its own); nullopt and `error` when the URL is not one.
std::optional<net::ClientRequest> request_at(const std::string& base, const std::string& method,
                                             const std::string& path, std::string& error) {
  auto url = net::parse_url(base, error);
  if (!url) return std::nullopt;
  net::ClientRequest req = net::request_to(*url, method);
  std::string prefix = url->target == "/" ? "" : url->target;
  if (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  req.target = prefix + path;
  return req;
}

}  // namespace

Fetched fetch(const Connection& c, const std::string& method, const std::string& path,
              const std::string& hint, const json* body) {
  const std::string& base = c.api;
  Fetched f;
  std::optional<net::ClientRequest> at = request_at(base, method, path, f.error);
  if (!at) return f;
  net::ClientRequest& req = *at;
  req.connect_timeout = std::chrono::seconds(3);
  req.timeout = std::chrono::seconds(10);
  req.max_body = 64 * 1024 * 1024;
  if (body) {
    req.body = body->dump();
    req.headers.push_back({"Content-Type", "application/json"});
  }
  if (!c.token.empty()) req.headers.push_back({"Authorization", "Bearer " + c.token});
  req.tls_ca_file = c.ca_file;
  net::ClientResult r = net::http_request_sync(req);
  if (!r.ok) {
    f.error = "cannot reach " + base + ": " + r.error + " (" + hint + ")";
    return f;
  }
  f.body = net::parse_json_reply(r.body);
  if (f.body.is_discarded()) {
    f.error =
        base + " answered status " + std::to_string(r.status) + " with something that is not JSON";
    return f;
  }
  if (r.status != 200) {
    f.error = f.body.is_object() && f.body.contains("error") && f.body["error"].is_string()
                  ? f.body["error"].get<std::string>()
                  : base + " answered status " + std::to_string(r.status);
    if (r.status == 401 || r.status == 403) {
      f.error = "the controller refused the request (" + std::to_string(r.status) + "): " + f.error;
    }
    return f;
  }
  f.ok = true;
  return f;
}

namespace {

// The configuration's token for `need`, or nullptr: an operator token to
// operate; to read, a read token if there is one (the least it needs).
const config::ApiToken* token_for(const config::Config& cfg, TokenNeed need) {
  const config::ApiToken* found = nullptr;
  for (const config::ApiToken& t : cfg.api_tokens) {
    const bool operate = t.role == config::ApiRole::operator_role;
    if (need == TokenNeed::operate && !operate) continue;
    if (need == TokenNeed::read && !operate) return &t;
    if (!found) found = &t;
  }
  return found;
}

}  // namespace

std::pair<int, std::string> probe_member(const std::string& api, const std::string& path,
                                         const std::string& ca_file) {
  std::string err;
  std::optional<net::ClientRequest> at = request_at(api, "GET", path, err);
  if (!at) return {0, err};
  net::ClientRequest& req = *at;
  req.connect_timeout = std::chrono::seconds(1);
  req.timeout = std::chrono::seconds(2);
  req.tls_ca_file = ca_file;
  net::ClientResult r = net::http_request_sync(req);
  if (!r.ok) return {0, r.error};
  return {r.status, r.body.substr(0, r.body.find('\n'))};
}

namespace {

// A cluster's member to talk to: the acting leader to operate (asked on
// /healthz/leader), the first member that answers to read. "" and `error`
// naming each member's answer when there is none.
std::string cluster_member_api(const config::Config& cfg, TokenNeed need,
                               const std::string& ca_file, std::string& error) {
  std::string answers;
  for (const config::ClusterMember& m : cfg.cluster.members) {
    const auto [status, line] =
        probe_member(m.api, need == TokenNeed::operate ? "/healthz/leader" : "/healthz", ca_file);
    if (status == 200) return m.api;
    answers += (answers.empty() ? "" : "; ") + m.name + " (" + m.api +
               "): " + (status == 0 ? "cannot reach it: " : "") + line;
  }
  error = need == TokenNeed::operate
              ? "no member of the cluster is its acting leader; try again in a few seconds (" +
                    answers + ")"
              : "no member of the cluster answers (" + answers + ")";
  return "";
}

}  // namespace

std::optional<Connection> connect_to_controller(const ConnectionOptions& o, TokenNeed need,
                                                std::string& error) {
  Connection c;
  c.api = o.api;
  std::optional<config::Config> cfg;
  std::string config_path = o.config_path;
  // Typed as-is next to a running demo, the commands find the demo's
  // configuration (and with it the token) by themselves.
  const bool implicit = config_path.empty() && o.api.empty();
  if (implicit && need == TokenNeed::operate) config_path = default_config_path();
  if (!config_path.empty()) {
    config::LoadResult r = config::load_config_file(config_path);
    if (!r.ok()) {
      if (!implicit) {
        error = r.error_text();
        return std::nullopt;
      }
    } else {
      cfg = std::move(r.config);
    }
  }
  const bool tls = cfg && !cfg->api_tls_certificate_file.empty();
  if (!o.ca_file.empty()) {
    c.ca_file = o.ca_file;
  } else if (const char* env = std::getenv("DRPILOT_CA_FILE"); env && *env) {
    c.ca_file = env;
  } else if (tls) {
    c.ca_file = cfg->api_tls_certificate_file;
  }
  if (c.api.empty() && cfg && cfg->cluster.enabled()) {
    c.api = cluster_member_api(*cfg, need, c.ca_file, error);
    if (c.api.empty()) return std::nullopt;
  }
  if (c.api.empty() && cfg && cfg->api_listen.port == 0) {
    error = config_path + " has api.listen " + cfg->api_listen.to_string() +
            ": the controller listens on a port the system picked. Pass --api with the "
            "address it reported (its log's event=api line, or run's --port-file).";
    return std::nullopt;
  }
  if (c.api.empty()) {
    c.api = cfg ? (tls ? "https://" : "http://") + cfg->api_listen.to_string() : kDefaultApi;
  }
  if (!o.token.empty()) {
    c.token = o.token;
  } else if (const char* env = std::getenv("DRPILOT_TOKEN"); env && *env) {
    c.token = env;
  } else if (const config::ApiToken* t = cfg ? token_for(*cfg, need) : nullptr) {
    std::string err;
    auto token = config::resolve_secret(t->secret, err);
    if (token) {
      c.token = *token;
    } else if (need == TokenNeed::operate) {
      error = "cannot read the API token named in " + config_path + ": " + err;
      return std::nullopt;
    }
  } else if (need == TokenNeed::operate) {
    error =
        "no API token: pass --token TOKEN, set DRPILOT_TOKEN, or -c FILE with the "
        "controller's configuration";
    return std::nullopt;
  }
  return c;
}

}  // namespace drpilot::cli
