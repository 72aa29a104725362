#pragma once
// A small JSON REST client for cloud APIs, shared by the providers: bearer
// token, bounded replies, the provider's own error shape turned into one
// sentence, and the waits servers ask for (429 with Retry-After, exhausted
// rate limits) carried in the Failure and honoured before the next request.
// Blocking: it runs on a provider's worker thread.

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/time.h"
#include "core/time_source.h"
#include "net/http.h"
#include "providers/provider.h"

namespace drpilot::providers {

struct ApiOptions {
  std::string base_url;  // "https://api.linode.com/v4": scheme, host, optional port and path
  std::string token;     // sent as "Authorization: Bearer <token>"; never logged
  core::Duration timeout{10'000};
  core::Duration connect_timeout{3'000};
  std::size_t max_body = 4 * 1024 * 1024;  // a bigger reply is a failure, not a crash
  bool tls_verify = true;
  // Where the waits servers ask for are measured (tests simulate it).
  core::TimeSource* time = &core::real_time();
};

struct ApiReply {
  int status = 0;
  nlohmann::json body;                         // null when the reply had no body (204)
  std::map<std::string, std::string> headers;  // lower-case names
};

// Turns a provider's error reply into a sentence, e.g. Linode's
// {"errors": [{"field": "ttl_sec", "reason": "..."}]}. `body` is null when the
// reply was not JSON.
using ErrorText = std::function<std::string(int status, const nlohmann::json& body)>;

class ApiClient {
 public:
  // Throws std::invalid_argument when base_url is not an http(s) URL.
  ApiClient(ApiOptions options, ErrorText error_text);

  // One request to base_url + path ("/domains/12/records?page=2"). The token
  // never appears in a failure's reason (redact_secret). Any
  // transport error, any status outside 2xx, and a 2xx body that is not JSON
  // (an HTML error page from a proxy, a truncated reply) is a Failure whose
  // reason names the method and path. 401 and 403 are permanent; 429 and 5xx
  // carry the server's wait when it gave one.
  std::variant<ApiReply, Failure> call(std::string_view method, const std::string& path,
                                       const nlohmann::json* body = nullptr);

  // Makes waits interruptible: a wait ends early (and the call fails) once
  // `stop` is true.
  void set_stop_flag(const std::atomic<bool>* stop) { stop_ = stop; }

  const std::string& base_url() const { return options_.base_url; }

 private:
  bool wait_until_allowed(std::optional<core::Duration>& wait);
  std::variant<ApiReply, Failure> send(std::string_view method, const std::string& path,
                                       const nlohmann::json* body);

  ApiOptions options_;
  ErrorText error_text_;
  net::Url url_;
  const std::atomic<bool>* stop_ = nullptr;
  // A server said no more requests before this time (rate limit exhausted).
  std::optional<core::SteadyTime> not_before_;
};

// The first `n` characters of a reply, printable, for error messages.
std::string snippet(std::string_view body, std::size_t n = 80);

// `text` with every run of 8 or more characters that also occurs in `secret`
// replaced by "<token>". Matching the whole secret is not enough: a server or
// proxy may echo request headers in an error body, and the quote of that body
// may be cut in the middle of the secret.
std::string redact_secret(std::string_view text, std::string_view secret);

}  // namespace drpilot::providers
