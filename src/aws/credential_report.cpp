#include "aws/credential_report.h"

#include <algorithm>

namespace drpilot::aws {
namespace {

using nlohmann::json;

std::string expiry_text(const std::optional<core::TimePoint>& e) {
  return e ? "they expire at " + core::format_time(*e) : std::string("they do not expire");
}

json time_or_null(core::TimePoint t) {
  return t == core::TimePoint{} ? json() : json(core::format_time(t));
}

constexpr const char* kRefusedPrefix = "refused ";

}  // namespace

std::map<std::string, std::string> credential_alerts(const CredentialStatus& s,
                                                     core::TimePoint now) {
  std::map<std::string, std::string> out;
  if (!s.refresh_error.empty()) {
    // The error names where the refresh looked; said once when that is
    // where the credentials held came from.
    std::string error = s.refresh_error;
    if (s.loaded && error.rfind(s.source + ": ", 0) == 0) error.erase(0, s.source.size() + 2);
    const std::string since =
        s.failing_since == core::TimePoint{} ? "" : " since " + core::format_time(s.failing_since);
    if (!s.loaded) {
      out["refresh"] = "AWS credentials cannot be loaded" + since + ": " + error +
                       "; DynamoDB checks are unknown, and no data moves, until they are";
    } else if (s.expiration && now >= *s.expiration) {
      out["refresh"] = "AWS credentials from " + s.source + " expired at " +
                       core::format_time(*s.expiration) + " and cannot be refreshed" + since +
                       ": " + error +
                       "; DynamoDB checks are unknown, and no data moves, until they are";
    } else {
      out["refresh"] = "AWS credentials from " + s.source + " cannot be refreshed" + since + ": " +
                       error + "; the ones held stay in use (" + expiry_text(s.expiration) + ")";
    }
  }
  std::map<std::string, std::vector<const CredentialRefusal*>> by_region;
  for (const CredentialRefusal& r : s.refusals) by_region[r.region].push_back(&r);
  for (const auto& [region, list] : by_region) {
    // The latest refusal speaks for the region.
    const CredentialRefusal* r = *std::max_element(
        list.begin(), list.end(),
        [](const CredentialRefusal* a, const CredentialRefusal* b) { return a->at < b->at; });
    std::string text = "AWS credentials from " + r->source + " refused by DynamoDB " + region +
                       ": " + r->code + (r->message.empty() ? "" : ": " + r->message) + " (" +
                       r->about;
    if (list.size() > 1) {
      text += ", and " + std::to_string(list.size() - 1) + " other request" +
              (list.size() > 2 ? "s" : "");
    }
    text += "): checks refused so are unknown, not down, and move no data";
    out[kRefusedPrefix + region] = text;
  }
  return out;
}

CredentialNews CredentialWatch::update(const CredentialStatus& s, core::TimePoint now) {
  CredentialNews news;
  news.changed = !first_ && s.changes != changes_;
  first_ = false;
  changes_ = s.changes;
  std::map<std::string, std::string> next = credential_alerts(s, now);
  for (const auto& [key, text] : next) {
    if (!alerts_.count(key)) news.started.push_back(text);
  }
  for (const auto& [key, text] : alerts_) {
    if (next.count(key)) continue;
    if (key.rfind(kRefusedPrefix, 0) == 0) {
      news.ended.push_back("DynamoDB " + key.substr(std::string(kRefusedPrefix).size()) +
                           " no longer refuses the AWS credentials (now from " + s.source + ")");
    } else {
      news.ended.push_back("AWS credentials are loaded again, from " + s.source + " (" +
                           expiry_text(s.expiration) + ")");
    }
  }
  alerts_ = std::move(next);
  return news;
}

std::vector<std::string> CredentialWatch::alerts() const {
  std::vector<std::string> out;
  for (const auto& [key, text] : alerts_) out.push_back(text);
  return out;
}

std::string expiry_time(const std::optional<core::TimePoint>& expiration) {
  return expiration ? core::format_time(*expiration) : "never";
}

json credential_status_json(const CredentialStatus& s) {
  json refused = json::array();
  for (const CredentialRefusal& r : s.refusals) {
    refused.push_back({{"region", r.region},
                       {"request", r.about},
                       {"code", r.code},
                       {"message", r.message},
                       {"source", r.source},
                       {"at", core::format_time(r.at)}});
  }
  return {{"source", s.loaded ? json(s.source) : json()},
          {"expires_at", s.expiration ? json(core::format_time(*s.expiration)) : json()},
          {"refreshed_at", time_or_null(s.loaded_at)},
          {"next_refresh_at", time_or_null(s.next_refresh)},
          {"refresh_error", s.refresh_error},
          {"failing_since", time_or_null(s.failing_since)},
          {"refused", refused}};
}

}  // namespace drpilot::aws
