#pragma once
// The conversation between an agent and the controllers, as pure functions:
// the report an agent pushes (its observations and the assignment it applied),
// the assignment a controller answers with, and the signature both carry.
//
//   POST /api/v1/agents/report
//   X-Drpilot-Agent: ams-agent
//   X-Drpilot-Timestamp: <Unix milliseconds>
//   X-Drpilot-Signature: sha256=<hex HMAC-SHA256(key, timestamp + "." + body)>
//   {"agent": ..., "site": ..., "sent_at_ms": ..., "nonce": ...,
//    "observations": [{"target": "ams/web", "ok": true, "latency_ms": 12,
//                      "detail": "status 200", "at_ms": ...}],
//     (a failed observation may add "inconclusive": true: the agent could
//     not judge the target, e.g. AWS refused its credentials)
//    "applied": {"generation": N, "ok": true, "error": ""}, "healthy": true}
//
// The reply (200) carries the site's assignment, signed the same way with the
// same key, so an agent never applies an assignment it cannot trust:
//   {"generation": G, "site": ..., "groups": {"shop": {"data_region": ...,
//    "write_region": ..., "role": "read-write", "reason": ...,
//    "change_reason": ..., "changed_at_ms": ...}}}
//
// Every name (agent, site, table group, region) is 1-128 characters of
// [A-Za-z0-9._-]: the agent renders them into configuration files (env files,
// PHP), so a value that could break out of a quoted string is refused here,
// even when signed. Free text (details, reasons, errors) is bounded and holds
// no control characters, so it cannot add lines to a rendered file.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/plan.h"

namespace drpilot::api {

inline constexpr const char* kAgentReportPath = "/api/v1/agents/report";
inline constexpr const char* kAgentHeader = "X-Drpilot-Agent";
inline constexpr const char* kTimestampHeader = "X-Drpilot-Timestamp";
inline constexpr const char* kSignatureHeader = "X-Drpilot-Signature";

// What a well-formed message may hold; larger ones are refused, not truncated.
inline constexpr std::size_t kMaxObservations = 1000;
inline constexpr std::size_t kMaxGroups = 64;
inline constexpr std::size_t kMaxNameLength = 128;     // agent, site, group, region
inline constexpr std::size_t kMaxTargetLength = 255;   // "<site>/<check>"
inline constexpr std::size_t kMaxDetailLength = 1024;  // an observation's detail
inline constexpr std::size_t kMaxTextLength = 2048;    // reasons, apply errors
inline constexpr std::size_t kMaxNonceLength = 128;
// How far a signed timestamp may be from the receiver's clock, and how long a
// receiver remembers nonces (ReplayGuard's window should be at least this).
inline constexpr core::Duration kMaxClockSkew{60'000};

struct AgentReport {
  std::string agent;
  std::string site;
  std::int64_t sent_at_ms = 0;  // the same instant as the X-Drpilot-Timestamp header
  std::string nonce;            // random, never reused; 8-128 of [A-Za-z0-9_-]
  std::vector<core::Observation> observations;  // vantage = agent (set by parse_report)
  std::uint64_t applied_generation = 0;  // the assignment generation it runs with (0: none yet)
  bool applied_ok = true;
  std::string applied_error;  // why the last apply failed, if it did
  bool healthy = false;       // what its /healthz says
};

struct SiteAssignmentMessage {
  std::uint64_t generation = 0;
  // The cluster leader's term that made the plan (0 from a lone controller;
  // absent from the wire then).
  std::int64_t term = 0;
  std::string site;
  std::map<std::string, core::GroupAssignment> groups;  // by table group
};

// Assignments are ordered by (term, generation): a newer leader's plan wins
// over anything an older one numbered, whatever the numbers.
struct AssignmentOrder {
  std::int64_t term = 0;
  std::uint64_t generation = 0;
  auto operator<=>(const AssignmentOrder&) const = default;
  std::string to_string() const;  // "7" or "7 (term 812)"
};
inline AssignmentOrder order_of(const SiteAssignmentMessage& m) {
  return {m.term, m.generation};
}

// Builds the JSON body. Over-long free text (details, the apply error) is cut
// to the limits above so that an agent never sends a report a controller
// refuses; names are sent as they are.
std::string encode_report(const AgentReport& r);
// Nothing, with `error` saying what is wrong, for anything that is not a
// well-formed report (wrong types, missing fields, oversized lists or strings,
// non-finite numbers, names outside the allowed characters). Every
// observation's vantage is the report's agent.
std::optional<AgentReport> parse_report(const std::string& body, std::string& error);

std::string encode_assignment(const SiteAssignmentMessage& m);
// Refuses what parse_report refuses, plus: a group without a data_region, an
// unknown role. write_region may be empty (no write-primary is known).
std::optional<SiteAssignmentMessage> parse_assignment(const std::string& body, std::string& error);

// "sha256=<hex>" over timestamp + "." + body.
std::string sign_body(const std::string& key, const std::string& timestamp,
                      const std::string& body);

// Checks a signed message: the signature (constant time), and the timestamp
// (decimal Unix milliseconds) within `max_skew` of `now`. Returns "" when
// valid, else why not (never the key or the expected signature).
std::string verify_body(const std::string& key, const std::string& timestamp,
                        const std::string& signature, const std::string& body, core::TimePoint now,
                        core::Duration max_skew);

// The timestamp header's value for `t`.
std::string timestamp_header(core::TimePoint t);

// Refuses a report seen before: the same nonce within the window, one older
// than the newest accepted from the same agent by more than the window, and
// one more than the window away from `now` (stale, or from the future, which
// would lock the agent out). Nonces more than the window older than the
// agent's newest report are forgotten, since the age rule refuses them anyway;
// the receiver's clock plays no part in forgetting, so a clock stepped back
// cannot bring a forgotten nonce back into play. Memory is bounded by one
// window of reports per agent (and, against a flood by a key holder, by
// kMaxRemembered); callers pass only agents they know.
class ReplayGuard {
 public:
  static constexpr std::size_t kMaxRemembered = 16384;

  explicit ReplayGuard(core::Duration window) : window_(window) {}
  // True (and remembered) when `nonce` from `agent` sent at `sent_at` is new.
  // When refused and `why` is given, it says why.
  bool accept(const std::string& agent, const std::string& nonce, core::TimePoint sent_at,
              core::TimePoint now, std::string* why = nullptr);

  // Nonces currently remembered, over every agent (for tests and status).
  std::size_t remembered() const;

 private:
  struct Seen {
    std::multimap<core::TimePoint, std::string> by_time;  // to forget in time order
    std::set<std::string> nonces;
    core::TimePoint newest{};
  };
  void forget_before(Seen& s, core::TimePoint cutoff);

  core::Duration window_;
  std::map<std::string, Seen> agents_;
};

}  // namespace drpilot::api
