#pragma once
// One round of reporting: the agent's signed report POSTed to every
// controller at once (each with a short timeout, so one dead controller does
// not delay the others), and each reply checked before it counts: HTTP 200,
// a valid signature by the same key within the clock skew, a well-formed
// assignment, for this agent's site. What to do with the answers (apply a
// newer generation, keep the last one) is the agent's decision, not this.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "api/agent_protocol.h"
#include "core/time.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::agent {

struct ReporterOptions {
  std::string agent;
  std::string site;
  std::string key;                       // the shared HMAC key; never logged
  std::vector<std::string> controllers;  // API base URLs
  core::Duration timeout{2'000};         // one controller's whole exchange
  core::Duration max_skew = api::kMaxClockSkew;
  bool tls_verify = true;
  std::string ca_file;  // trusted for https controllers; empty: the system's trust store
};

struct ControllerReply {
  std::string controller;  // its base URL, as configured
  bool answered = false;   // a valid signed assignment came back
  std::string error;       // why not: "connect refused", "HTTP 500: ...", "bad signature: ..."
  std::optional<api::SiteAssignmentMessage> assignment;
};

struct RoundResult {
  std::vector<ControllerReply> replies;  // in the configured order
  // The answered assignment latest by (term, generation): with several
  // controllers, a follower may still answer an older one.
  std::optional<api::SiteAssignmentMessage> newest;
  int answered() const;
};

// The assignment every configured controller answered, when they all
// answered and agree on its (term, generation); nothing otherwise.
std::optional<api::SiteAssignmentMessage> unanimous(const RoundResult& result);

class Reporter {
 public:
  Reporter(net::Loop& loop, const core::Clock& clock, ReporterOptions options, std::uint64_t seed);
  ~Reporter();
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;

  // Fills in agent, site, sent_at_ms and a fresh nonce, signs, and sends.
  // `done` runs on the loop once every controller answered or failed, and
  // never after the Reporter is destroyed.
  void send(api::AgentReport report, std::function<void(RoundResult)> done);

  // "<base>/api/v1/agents/report" for a controller's API base URL.
  static std::string report_url(const std::string& base);
  // Checks one reply (status, signature, body, site): the assignment, or
  // nothing with `error` saying why it was refused.
  static std::optional<api::SiteAssignmentMessage> check_reply(
      int status, const std::string& timestamp, const std::string& signature,
      const std::string& body, bool truncated, const ReporterOptions& options, core::TimePoint now,
      std::string& error);

 private:
  struct Round;
  std::string nonce(core::TimePoint now);

  net::Loop& loop_;
  const core::Clock& clock_;
  ReporterOptions options_;
  std::mt19937_64 rng_;
  std::shared_ptr<bool> alive_;
};

}  // namespace drpilot::agent
