#include "providers/api_client.h"

#include <stdexcept>

#include "net/backoff.h"
#include "net/json_reply.h"

namespace drpilot::providers {

using nlohmann::json;

std::string snippet(std::string_view body, std::size_t n) {
  std::string out;
  for (char c : body.substr(0, n)) {
    const unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  if (body.size() > n) out += "...";
  return out;
}

std::string redact_secret(std::string_view text, std::string_view secret) {
  constexpr std::size_t kMinRun = 8;
  if (secret.empty()) return std::string(text);
  const std::size_t min_run = std::min(kMinRun, secret.size());
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t run = 0;
    while (i + run < text.size() && secret.find(text.substr(i, run + 1)) != std::string::npos) {
      ++run;
    }
    if (run >= min_run) {
      out += "<token>";
      i += run;
    } else {
      out += text[i++];
    }
  }
  return out;
}

ApiClient::ApiClient(ApiOptions options, ErrorText error_text)
    : options_(std::move(options)), error_text_(std::move(error_text)) {
  std::string err;
  auto url = net::parse_url(options_.base_url, err);
  if (!url) throw std::invalid_argument(err);
  url_ = *url;
  // "https://api.linode.com/v4/" and ".../v4" mean the same base.
  while (url_.target.size() > 1 && url_.target.back() == '/') url_.target.pop_back();
  if (url_.target == "/") url_.target.clear();
}

// Waits until a rate limit the server reported has reset. A short wait is
// slept through (false only when stopped); a long one is left to the
// reconciler, which shows it in status and can drop a stale attempt meanwhile:
// `wait` then says how long remains.
bool ApiClient::wait_until_allowed(std::optional<core::Duration>& wait) {
  constexpr core::Duration kSleepAtMost = std::chrono::seconds(5);
  core::TimeSource& time = *options_.time;
  if (not_before_ && *not_before_ - time.steady_now() > kSleepAtMost) {
    wait = std::chrono::ceil<core::Duration>(*not_before_ - time.steady_now());
    return false;
  }
  if (not_before_ && !time.sleep_until(*not_before_, stop_)) return false;
  not_before_.reset();
  return !(stop_ && stop_->load());
}

std::variant<ApiReply, Failure> ApiClient::call(std::string_view method, const std::string& path,
                                                const json* body) {
  auto r = send(method, path, body);
  if (auto* f = std::get_if<Failure>(&r)) f->reason = redact_secret(f->reason, options_.token);
  return r;
}

std::variant<ApiReply, Failure> ApiClient::send(std::string_view method, const std::string& path,
                                                const json* body) {
  const std::string what = std::string(method) + " " + path;
  std::optional<core::Duration> wait_left;
  if (!wait_until_allowed(wait_left)) {
    if (!wait_left) return fail(what + ": stopped while waiting for the rate limit");
    Failure f = fail(what + ": not sent, the API's rate limit allows the next request in " +
                     core::format_duration(*wait_left));
    f.retry_after = wait_left;
    return f;
  }

  net::ClientRequest req = net::request_to(url_, std::string(method));
  req.target += path;
  req.timeout = options_.timeout;
  req.connect_timeout = std::min(options_.connect_timeout, options_.timeout);
  req.max_body = options_.max_body + 1;  // one more, to tell "exactly full" from "too big"
  req.tls_verify = options_.tls_verify;
  req.headers.push_back({"Authorization", "Bearer " + options_.token});
  req.headers.push_back({"Accept", "application/json"});
  if (body) {
    req.headers.push_back({"Content-Type", "application/json"});
    req.body = body->dump();
  }
  net::ClientResult r = net::http_request_sync(std::move(req));
  if (!r.ok) return fail(what + ": " + r.error);

  const std::optional<core::Duration> wait = net::server_wait(r.headers, options_.time->now());
  if (wait) not_before_ = options_.time->steady_now() + *wait;

  if (r.body.size() > options_.max_body || r.body_truncated) {
    return fail(what + ": reply larger than " + std::to_string(options_.max_body) + " bytes");
  }
  ApiReply reply;
  reply.status = r.status;
  reply.headers = std::move(r.headers);
  const bool has_body = !r.body.empty();
  reply.body = has_body ? net::parse_json_reply(r.body) : json(nullptr);
  const bool is_json = !has_body || !reply.body.is_discarded();
  if (!is_json) reply.body = nullptr;

  if (r.status >= 200 && r.status < 300) {
    if (!is_json) return fail(what + ": reply is not JSON: " + snippet(r.body));
    return reply;
  }
  Failure f;
  f.http_status = r.status;
  std::string detail = error_text_ ? error_text_(r.status, reply.body) : std::string();
  if (detail.empty()) detail = is_json ? snippet(reply.body.dump()) : snippet(r.body);
  f.reason = what + ": HTTP " + std::to_string(r.status) + (detail.empty() ? "" : ": " + detail);
  if (r.status == 401 || r.status == 403) {
    f.permanent = true;
    f.reason += " (check the token and its scopes)";
  }
  if (r.status == 429 || r.status >= 500) f.retry_after = wait;
  return f;
}

}  // namespace drpilot::providers
