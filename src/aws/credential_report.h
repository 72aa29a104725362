#pragma once
// What a credential provider's status means to an operator: the alerts it
// calls for (a refresh that fails, credentials expired, DynamoDB refusing
// them in a region), each one sentence naming where the credentials came
// from; when each alert starts and ends, so that it is logged and journaled
// once each way; and the status document's "aws" entry. Pure.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "aws/credential_provider.h"

namespace drpilot::aws {

// The alerts `s` calls for at `now`, by key ("refresh", "refused eu-west-1").
std::map<std::string, std::string> credential_alerts(const CredentialStatus& s,
                                                     core::TimePoint now);

struct CredentialNews {
  std::vector<std::string> started;  // alerts that began, as they read
  std::vector<std::string> ended;    // one sentence for each alert that is over
  bool changed = false;              // other credentials are held than at the last update
};

// Remembers the alerts of the last update, to tell what began and ended.
class CredentialWatch {
 public:
  CredentialNews update(const CredentialStatus& s, core::TimePoint now);
  // The alerts as of the last update.
  std::vector<std::string> alerts() const;

 private:
  std::map<std::string, std::string> alerts_;
  std::uint64_t changes_ = 0;
  bool first_ = true;
};

// When they expire, for logs: an ISO 8601 time, or "never".
std::string expiry_time(const std::optional<core::TimePoint>& expiration);

// {"source", "expires_at", "refreshed_at", "next_refresh_at", "refresh_error",
//  "failing_since", "refused": [{"region", "request", "code", "message", "at"}]}
nlohmann::json credential_status_json(const CredentialStatus& s);

}  // namespace drpilot::aws
