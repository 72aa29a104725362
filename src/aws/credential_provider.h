#pragma once
// The AWS credentials of a long-running process, kept fresh. A refresh walks
// the SDKs' chain again: the environment, the shared credentials file
// (credentials.h), then the container credentials endpoint
// (container_endpoint.h), so a rotated file, a changed environment and the
// task role's new keys are all picked up.
//
// When: temporary credentials `margin` before they expire (5 minutes, as the
// SDKs do); credentials that do not expire every `recheck` (the file may be
// rotated); at once (at most every `min_interval`) when AWS refuses the
// current ones as expired, unknown or badly signed. A failed refresh keeps
// the credentials in use until they expire, is retried with doubling waits
// (`retry_first` to `retry_max`), and shows in status() until one succeeds.
//
// Time comes from the injected clock, and the container endpoint is asked
// through the injected Fetch, so every rule is tested in simulated time. The
// controller's Fetch runs on its loop (never blocking it), its poll() is the
// controller's tick; command-line tools fetch blocking and refresh on use.
//
// Thread-safe: signers on any thread call current(), refused() and accepted().

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/credential_source.h"
#include "core/time.h"
#include "net/http.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::aws {

struct RefreshPolicy {
  core::Duration margin{5 * 60'000};
  core::Duration recheck{60'000};
  core::Duration retry_first{5'000};
  core::Duration retry_max{60'000};
  core::Duration min_interval{5'000};
  core::Duration fetch_timeout{5'000};  // one request to the container endpoint
  // A refusal not seen again for this long is forgotten (its request may
  // no longer be made, after a reload).
  core::Duration refusal_memory{10 * 60'000};
  // For tools without a loop: current() first refreshes what is due,
  // through the (then blocking) Fetch.
  bool refresh_on_use = false;
};

// What AWS said the last time it refused credentials for one request.
struct CredentialRefusal {
  std::string region;
  std::string about;  // "DescribeTable orders"
  std::string code;   // "ExpiredTokenException"
  std::string message;
  std::string source;  // of the refused credentials
  core::TimePoint at{};
  std::size_t identity = 0;  // which credentials (a hash of key id and token)
};

struct CredentialStatus {
  bool loaded = false;  // some credentials are held (maybe expired)
  std::string source;
  std::optional<core::TimePoint> expiration;
  core::TimePoint loaded_at{};              // the last successful refresh
  core::TimePoint next_refresh{};           // when the next one is due
  std::uint64_t changes = 0;                // times the credentials held changed
  std::string refresh_error;                // the last refresh failed: why ("" when it worked)
  core::TimePoint failing_since{};          // the first of the failures in a row
  std::vector<CredentialRefusal> refusals;  // by region, then request
};

class CredentialProvider final : public CredentialSource {
 public:
  // Sends one request to the container endpoint; `done` runs exactly once,
  // on any thread, possibly before fetch returns.
  using Fetch =
      std::function<void(net::ClientRequest, std::function<void(net::ClientResult)> done)>;
  static Fetch loop_fetch(net::Loop& loop);  // asynchronous, on the loop
  static Fetch blocking_fetch();             // on a private loop, returns when done

  CredentialProvider(const core::Clock& clock, CredentialOptions options, Fetch fetch,
                     RefreshPolicy policy = {});
  ~CredentialProvider() override;
  CredentialProvider(const CredentialProvider&) = delete;
  CredentialProvider& operator=(const CredentialProvider&) = delete;

  // Refreshes now, whatever is due, through `fetch` (a blocking one loads
  // the credentials before a process starts its work). Nothing happens while
  // a refresh is in flight.
  void refresh(const Fetch& fetch);
  // Starts a refresh through the provider's Fetch when one is due; costs a
  // lock and a comparison otherwise.
  void poll();

  std::shared_ptr<const Credentials> current(std::string& why) override;
  void refused(const Credentials& used, const std::string& region, const std::string& about,
               const std::string& code, const std::string& message) override;
  void accepted(const Credentials& used, const std::string& region,
                const std::string& about) override;

  CredentialStatus status() const;

  struct State;

 private:
  const core::Clock& clock_;
  CredentialOptions options_;
  Fetch fetch_;
  RefreshPolicy policy_;
  // Shared with fetches in flight, which may finish after the provider is gone.
  std::shared_ptr<State> state_;
};

// Credentials for a long-running process: loaded now, blocking (the
// container endpoint included), so that a process without them says so
// before it starts its work; refreshed later through `fetch` at each poll().
// Null with `error` when the chain yields none; `clock` must outlive the result.
std::shared_ptr<CredentialProvider> load_then_refresh(const core::Clock& clock,
                                                      const CredentialOptions& options,
                                                      CredentialProvider::Fetch fetch,
                                                      std::string& error);

// The same for command-line tools: every refresh blocks, and happens when a
// request finds one due (RefreshPolicy::refresh_on_use).
std::shared_ptr<CredentialProvider> load_blocking(const core::Clock& clock,
                                                  const CredentialOptions& options,
                                                  std::string& error);

}  // namespace drpilot::aws
