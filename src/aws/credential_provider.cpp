#include "aws/credential_provider.h"

#include <algorithm>
#include <mutex>

#include "aws/container_endpoint.h"
#include "aws/container_reply.h"
#include "net/loop.h"

namespace drpilot::aws {
namespace {

constexpr const char* kNoCredentials =
    "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, create "
    "~/.aws/credentials with a [default] profile (or name one: aws.profile, AWS_PROFILE), or run "
    "where the container credentials endpoint is set (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or "
    "AWS_CONTAINER_CREDENTIALS_FULL_URI, as ECS and EKS set them)";

std::size_t identity_of(const Credentials& c) {
  return std::hash<std::string>{}(c.access_key_id + '\n' + c.session_token);
}

// Codes a refresh may cure: not a missing IAM permission, which new keys of
// the same role would lack as well.
bool refresh_may_help(const std::string& code) {
  return code != "AccessDeniedException" && code != "AccessDenied";
}

}  // namespace

struct CredentialProvider::State {
  State(const core::Clock& c, RefreshPolicy p) : clock(c), policy(p) {}

  const core::Clock& clock;
  const RefreshPolicy policy;

  mutable std::mutex mutex;
  std::shared_ptr<const Credentials> credentials;
  bool in_flight = false;
  core::TimePoint attempted_at{};
  core::TimePoint loaded_at{};
  core::TimePoint next_refresh{};  // {}: at once
  std::uint64_t changes = 0;
  std::string error;
  core::TimePoint failing_since{};
  int failures = 0;
  std::map<std::pair<std::string, std::string>, CredentialRefusal> refusals;

  // When to refresh credentials just loaded: `margin` before they expire,
  // but never in a busy loop when they are already that close (a few more
  // tries, each a quarter of the time left, before they expire).
  core::TimePoint schedule(const Credentials& c, core::TimePoint now) const {
    if (!c.expiration) return now + policy.recheck;
    const core::TimePoint at_margin = *c.expiration - policy.margin;
    if (at_margin > now) return std::max(at_margin, now + policy.min_interval);
    const core::Duration left = *c.expiration - now;
    return now + std::clamp(left / 4, policy.min_interval,
                            std::max(policy.min_interval, policy.retry_max));
  }

  core::Duration retry_wait(int failures_in_a_row) const {
    core::Duration d = policy.retry_first;
    for (int i = 1; i < failures_in_a_row && d < policy.retry_max; ++i) d *= 2;
    return std::min(d, policy.retry_max);
  }

  void finish(std::optional<Credentials> c, const std::string& why) {
    std::lock_guard lock(mutex);
    const core::TimePoint now = clock.now();
    in_flight = false;
    if (c) {
      if (!credentials || identity_of(*credentials) != identity_of(*c) ||
          credentials->source != c->source) {
        ++changes;
      }
      next_refresh = schedule(*c, now);
      credentials = std::make_shared<const Credentials>(std::move(*c));
      loaded_at = now;
      error.clear();
      failures = 0;
      failing_since = core::TimePoint{};
      return;
    }
    error = why;
    if (failures++ == 0) failing_since = now;
    next_refresh = now + retry_wait(failures);
  }
};

CredentialProvider::Fetch CredentialProvider::loop_fetch(net::Loop& loop) {
  return [&loop](net::ClientRequest req, std::function<void(net::ClientResult)> done) {
    // http_request must be started on the loop's thread.
    loop.post([&loop, req = std::move(req), done = std::move(done)]() mutable {
      net::http_request(loop, std::move(req), std::move(done));
    });
  };
}

CredentialProvider::Fetch CredentialProvider::blocking_fetch() {
  return [](net::ClientRequest req, std::function<void(net::ClientResult)> done) {
    done(net::http_request_sync(std::move(req)));
  };
}

CredentialProvider::CredentialProvider(const core::Clock& clock, CredentialOptions options,
                                       Fetch fetch, RefreshPolicy policy)
    : clock_(clock),
      options_(std::move(options)),
      fetch_(std::move(fetch)),
      policy_(policy),
      state_(std::make_shared<State>(clock, policy)) {}

CredentialProvider::~CredentialProvider() = default;

void CredentialProvider::refresh(const Fetch& fetch) {
  const std::shared_ptr<State> st = state_;
  const core::TimePoint now = clock_.now();
  {
    std::lock_guard lock(st->mutex);
    if (st->in_flight) return;
    st->in_flight = true;
    st->attempted_at = now;
  }
  std::string error;
  std::optional<Credentials> local = find_local_credentials(options_, now, error);
  if (local || !error.empty()) {
    st->finish(std::move(local), error);
    return;
  }
  if (!container_endpoint_set()) {
    st->finish(std::nullopt, kNoCredentials);
    return;
  }
  std::optional<ContainerRequest> req = container_request(policy_.fetch_timeout, error);
  if (!req) {
    st->finish(std::nullopt, error);
    return;
  }
  std::weak_ptr<State> weak = st;
  fetch(std::move(req->request), [weak, source = req->source](net::ClientResult r) {
    const std::shared_ptr<State> st = weak.lock();
    if (!st) return;
    std::string why;
    std::optional<Credentials> c;
    if (!r.ok) {
      why = r.error.empty() ? "no reply" : r.error;
    } else if (r.body_truncated) {
      why = "the reply is larger than " + std::to_string(kMaxContainerReply) + " bytes";
    } else {
      c = parse_container_credentials(r.status, r.body, source, why);
    }
    if (c && c->expiration && *c->expiration <= st->clock.now()) {
      why = "it gave credentials that expired at " + core::format_time(*c->expiration);
      c.reset();
    }
    if (!c) why = source + ": " + why;
    st->finish(std::move(c), why);
  });
}

void CredentialProvider::poll() {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->in_flight || clock_.now() < state_->next_refresh) return;
  }
  refresh(fetch_);
}

std::shared_ptr<const Credentials> CredentialProvider::current(std::string& why) {
  if (policy_.refresh_on_use) poll();
  std::lock_guard lock(state_->mutex);
  const std::shared_ptr<const Credentials>& c = state_->credentials;
  if (!c) {
    why = state_->error.empty() ? "the AWS credentials are not loaded yet" : state_->error;
    return nullptr;
  }
  if (c->expiration && clock_.now() >= *c->expiration) {
    why = "the credentials from " + c->source + " expired at " + core::format_time(*c->expiration);
    if (!state_->error.empty()) why += " and could not be refreshed: " + state_->error;
    return nullptr;
  }
  return c;
}

void CredentialProvider::refused(const Credentials& used, const std::string& region,
                                 const std::string& about, const std::string& code,
                                 const std::string& message) {
  const core::TimePoint now = clock_.now();
  std::lock_guard lock(state_->mutex);
  CredentialRefusal& r = state_->refusals[{region, about}];
  r = CredentialRefusal{region, about, code, message, used.source, now, identity_of(used)};
  // AWS refused what is in use now: look again at once rather than at the
  // next scheduled refresh (once per min_interval at most).
  const bool in_use = state_->credentials && identity_of(*state_->credentials) == r.identity;
  if (in_use && refresh_may_help(code)) {
    const core::TimePoint soonest = state_->attempted_at + policy_.min_interval;
    state_->next_refresh = std::min(state_->next_refresh, std::max(now, soonest));
  }
}

void CredentialProvider::accepted(const Credentials& used, const std::string& region,
                                  const std::string& about) {
  std::lock_guard lock(state_->mutex);
  auto& all = state_->refusals;
  if (all.empty()) return;
  // This request works again, and so would every other request of the
  // region that was refused other credentials than these.
  const std::size_t id = identity_of(used);
  std::erase_if(all, [&](const auto& kv) {
    const CredentialRefusal& r = kv.second;
    return r.region == region && (r.about == about || r.identity != id);
  });
}

CredentialStatus CredentialProvider::status() const {
  const core::TimePoint now = clock_.now();
  std::lock_guard lock(state_->mutex);
  const State& st = *state_;
  std::erase_if(state_->refusals,
                [&](const auto& kv) { return now - kv.second.at > policy_.refusal_memory; });
  CredentialStatus s;
  s.loaded = st.credentials != nullptr;
  if (st.credentials) {
    s.source = st.credentials->source;
    s.expiration = st.credentials->expiration;
  }
  s.loaded_at = st.loaded_at;
  s.next_refresh = st.next_refresh;
  s.changes = st.changes;
  s.refresh_error = st.error;
  s.failing_since = st.failing_since;
  for (const auto& [key, r] : st.refusals) s.refusals.push_back(r);
  return s;
}

namespace {

std::shared_ptr<CredentialProvider> load(const core::Clock& clock, const CredentialOptions& options,
                                         CredentialProvider::Fetch fetch, RefreshPolicy policy,
                                         std::string& error) {
  auto p = std::make_shared<CredentialProvider>(clock, options, std::move(fetch), policy);
  p->refresh(CredentialProvider::blocking_fetch());
  if (!p->current(error)) return nullptr;
  return p;
}

}  // namespace

std::shared_ptr<CredentialProvider> load_then_refresh(const core::Clock& clock,
                                                      const CredentialOptions& options,
                                                      CredentialProvider::Fetch fetch,
                                                      std::string& error) {
  return load(clock, options, std::move(fetch), RefreshPolicy{}, error);
}

std::shared_ptr<CredentialProvider> load_blocking(const core::Clock& clock,
                                                  const CredentialOptions& options,
                                                  std::string& error) {
  RefreshPolicy policy;
  policy.refresh_on_use = true;
  return load(clock, options, CredentialProvider::blocking_fetch(), policy, error);
}

}  // namespace drpilot::aws
