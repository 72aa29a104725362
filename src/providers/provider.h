#pragma once
// The one small interface every provider implements: something that makes a
// part of the world (a DNS provider's records, a load balancer's members, a
// webhook receiver) match the plan. A provider never decides anything: it is
// told the target, reports how the world differs, and makes the changes it
// reported. The reconciler drives it (reconciler.h): diff, apply, diff again
// to verify, retry with backoff.
//
// diff() and apply() block and are called on the provider's own worker
// thread, never on the controller's loop, and never concurrently.

#include <any>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/plan.h"
#include "core/spec.h"
#include "core/time.h"

namespace drpilot::providers {

// One record of the plan as the world should serve it.
struct RecordTarget {
  std::string name;  // fully qualified, lower case, no trailing dot
  core::RecordType type = core::RecordType::A;
  int ttl = 30;
  std::vector<std::string> sites;      // the answer, best first
  std::vector<std::string> addresses;  // those sites' addresses of `type`, in answer order
  std::string reason;                  // why the answer is what it is
};

// One plan generation, projected onto what providers publish.
struct Target {
  std::uint64_t generation = 0;
  core::TimePoint made_at{};
  std::string summary;
  std::vector<RecordTarget> records;  // every configured record
  core::Plan plan;                    // the plan itself, for providers that publish it whole

  const RecordTarget* find(std::string_view name, core::RecordType type) const;
};

// Why an attempt failed, and what the failure says about retrying.
struct Failure {
  std::string reason;  // one line, fit for status and the journal; never a secret
  // The server said when to come back (Retry-After, rate limit exhausted).
  std::optional<core::Duration> retry_after;
  // Retrying cannot help until the configuration or the account changes (a
  // record id that does not exist, a token without the right scope): the
  // reconciler reports it once and retries only slowly.
  bool permanent = false;
  int http_status = 0;  // the API's reply status, when the failure is one (0: no reply)
};

// A plain, transient failure.
inline Failure fail(std::string reason) {
  Failure f;
  f.reason = std::move(reason);
  return f;
}

// What a provider must change so that the world matches a target.
struct Changes {
  std::vector<std::string> steps;  // one line per change, e.g. "update www A (record 42): x -> y"
  std::any detail;                 // the provider's own form of the changes, for apply()
  bool empty() const { return steps.empty(); }
};

class Provider {
 public:
  explicit Provider(std::string name) : name_(std::move(name)) {}
  virtual ~Provider() = default;
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;

  // The name from the configuration ("linode-dns"), and the type ("linode_dns").
  const std::string& name() const { return name_; }
  virtual std::string_view kind() const = 0;
  // Where it acts, for status: an API base URL, a load balancer id, a file.
  virtual std::string where() const = 0;

  // Reads the world and lists what must change for it to match `target`; no
  // changes means in sync. Must not change anything.
  virtual std::variant<Changes, Failure> diff(const Target& target) = 0;
  // Makes the changes diff() listed for the same target, and only those.
  virtual std::optional<Failure> apply(const Target& target, const Changes& changes) = 0;

  // Called once before the first diff with the newest generation this
  // provider verified before a restart (0: none). Providers with no world to
  // read back (a webhook) use it to avoid repeating a delivery.
  virtual void resume(std::uint64_t verified_generation) {}

  // A flag that turns true when the controller stops: long waits (a rate
  // limit's reset) end early. The flag outlives the provider.
  virtual void set_stop_flag(const std::atomic<bool>* stop) {}

 private:
  std::string name_;
};

}  // namespace drpilot::providers
