#include "providers/digitalocean_api.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <stdexcept>

namespace drpilot::providers::digitalocean {

using nlohmann::json;

std::string error_text(int /*status*/, const json& body) {
  const std::optional<std::string> id = string_at(body, "id");
  const std::optional<std::string> message = string_at(body, "message");
  if (!id && !message) return {};
  std::string text = id.value_or("error");
  if (message && !message->empty()) text += ": " + snippet(*message, 200);
  // The request_id is left out: it differs on every attempt, and a reason
  // that changes every time would be journaled as a new failure every time.
  return text;
}

Client::Client(const config::ProviderConfig& cfg, std::string token)
    : endpoint_(cfg.endpoint.empty() ? std::string(kDefaultEndpoint) : cfg.endpoint),
      setup_error_() {
  ApiOptions options;
  options.base_url = endpoint_;
  options.token = std::move(token);
  options.timeout = cfg.timeout;
  options.tls_verify = cfg.tls_verify;
  try {
    api_ = std::make_unique<ApiClient>(std::move(options), [this](int status, const json& body) {
      error_status_ = status;
      return error_text(status, body);
    });
  } catch (const std::invalid_argument& e) {
    // Reported by every diff rather than thrown from the factory: one bad
    // provider must not stop the controller.
    setup_error_ = "endpoint '" + endpoint_ + "' is not usable: " + e.what();
  }
}

std::variant<ApiReply, Failure> Client::call(std::string_view method, const std::string& path,
                                             const json* body) {
  error_status_ = 0;
  if (setup_error_) return permanent(*setup_error_);
  auto r = api_->call(method, path, body);
  return r;
}

void Client::set_stop_flag(const std::atomic<bool>* stop) {
  if (api_) api_->set_stop_flag(stop);
}

Failure permanent(std::string reason) {
  Failure f = fail(std::move(reason));
  f.permanent = true;
  return f;
}

const json* object_at(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? &*it : nullptr;
}

const json* array_at(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? &*it : nullptr;
}

std::optional<std::string> string_at(const json& j, std::string_view key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> as_integer(const json& j) {
  if (j.is_number_unsigned()) {
    const auto v = j.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(v);
  }
  if (j.is_number_integer()) return j.get<std::int64_t>();
  return std::nullopt;
}

std::optional<std::int64_t> integer_at(const json& j, std::string_view key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  return as_integer(*it);
}

std::string normalize_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

}  // namespace drpilot::providers::digitalocean
