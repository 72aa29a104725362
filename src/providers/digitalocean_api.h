#pragma once
// What the DigitalOcean providers (DNS records, load balancer membership)
// share about DigitalOcean's API v2: the default endpoint, its error shape
// ({"id": "not_found", "message": "...", "request_id": "..."}) turned into a
// sentence, which statuses mean "retrying cannot help", and small checks of
// reply shapes. A reply that lacks what the API promises is a failure with a
// reason, never something to guess around.

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.h"
#include "providers/api_client.h"
#include "providers/provider.h"

namespace drpilot::providers::digitalocean {

inline constexpr std::string_view kDefaultEndpoint = "https://api.digitalocean.com/v2";

// DigitalOcean's error body as one sentence: "not_found: The resource you were
// accessing could not be found (request 2c7f...)". Empty when the body is not
// DigitalOcean's shape.
std::string error_text(int status, const nlohmann::json& body);

// The API client of one provider. Remembers the HTTP status of the latest
// error reply, because that status decides whether a failure is permanent
// (a domain or load balancer that does not exist, a body the API refuses)
// and ApiClient's Failure does not carry it. Reasons never contain the token,
// even when a server echoes it back.
class Client {
 public:
  Client(const config::ProviderConfig& cfg, std::string token);
  // The error callback holds `this`.
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The endpoint was not an http(s) URL: every call fails with this reason.
  const std::optional<std::string>& setup_error() const { return setup_error_; }
  const std::string& endpoint() const { return endpoint_; }

  std::variant<ApiReply, Failure> call(std::string_view method, const std::string& path,
                                       const nlohmann::json* body = nullptr);
  // The status of the latest call's error reply; 0 when it had none (a
  // success, a transport error).
  int error_status() const { return error_status_; }

  void set_stop_flag(const std::atomic<bool>* stop);

 private:
  std::string endpoint_;
  std::optional<std::string> setup_error_;
  std::unique_ptr<ApiClient> api_;
  int error_status_ = 0;
};

// A failure retrying cannot fix until the configuration or the account changes.
Failure permanent(std::string reason);

// Reply shape checks: the value at `key` of an object, when it has the type.
const nlohmann::json* object_at(const nlohmann::json& j, std::string_view key);
const nlohmann::json* array_at(const nlohmann::json& j, std::string_view key);
std::optional<std::string> string_at(const nlohmann::json& j, std::string_view key);
std::optional<std::int64_t> integer_at(const nlohmann::json& j, std::string_view key);
std::optional<std::int64_t> as_integer(const nlohmann::json& j);

// "www.example.com", lower case, without a trailing dot.
std::string normalize_name(std::string_view name);

}  // namespace drpilot::providers::digitalocean
