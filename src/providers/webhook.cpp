#include "providers/webhook.h"

#include <nlohmann/json.hpp>

#include "net/backoff.h"
#include "net/crypto.h"
#include "net/http.h"
#include "providers/api_client.h"
#include "providers/target.h"

namespace drpilot::providers {
namespace {

using nlohmann::json;

class Webhook final : public Provider {
 public:
  Webhook(const config::ProviderConfig& cfg, std::string key, const core::Clock& clock)
      : Provider(cfg.name), cfg_(cfg), key_(std::move(key)), clock_(clock) {}

  std::string_view kind() const override { return "webhook"; }
  // Receivers often carry a secret in the path (Slack-style URLs): shown
  // and journaled as scheme, host and port only.
  std::string where() const override { return net::redacted_url(cfg_.endpoint); }

  void resume(std::uint64_t verified) override { delivered_ = verified; }

  std::variant<Changes, Failure> diff(const Target& target) override {
    if (target.generation <= delivered_) return Changes{};
    Changes c;
    c.steps.push_back("deliver generation " + std::to_string(target.generation) + " to " + where());
    return c;
  }

  std::optional<Failure> apply(const Target& target, const Changes&) override {
    std::string err;
    auto url = net::parse_url(cfg_.endpoint, err);
    if (!url) {
      Failure f = fail("webhook URL: " + err);
      f.permanent = true;
      return f;
    }
    const std::string body = webhook_body(target, previous_ ? &*previous_ : nullptr);
    const std::string timestamp = std::to_string(core::to_ms(clock_.now()) / 1000);
    net::ClientRequest req = net::request_to(*url, "POST");
    req.timeout = cfg_.timeout;
    req.connect_timeout = std::min(cfg_.timeout, core::Duration{3'000});
    req.tls_verify = cfg_.tls_verify;
    req.max_body = 4096;  // the receiver's reply is only shown in errors
    req.body = body;
    req.headers = {{"Content-Type", "application/json"},
                   {"User-Agent", "drpilot"},
                   {"X-Drpilot-Timestamp", timestamp},
                   {"X-Drpilot-Signature", webhook_signature(key_, timestamp, body)},
                   {"X-Drpilot-Generation", std::to_string(target.generation)}};
    if (target.plan.term != 0) {
      req.headers.push_back({"X-Drpilot-Term", std::to_string(target.plan.term)});
    }
    net::ClientResult r = net::http_request_sync(std::move(req));
    const std::string what = "POST " + where();
    if (!r.ok) return fail(what + ": " + r.error);
    if (r.status < 200 || r.status >= 300) {
      Failure f = fail(what + ": HTTP " + std::to_string(r.status) +
                       (r.body.empty() ? "" : ": " + snippet(r.body)));
      if (r.status == 410) f.permanent = true;  // the receiver says it is gone for good
      // Busy or rate limited: never come back sooner than the receiver asked.
      if (r.status == 429 || r.status >= 500)
        f.retry_after = net::server_wait(r.headers, clock_.now());
      return f;
    }
    delivered_ = target.generation;
    previous_ = target;
    return std::nullopt;
  }

 private:
  config::ProviderConfig cfg_;
  std::string key_;
  const core::Clock& clock_;
  std::uint64_t delivered_ = 0;
  std::optional<Target> previous_;
};

json list(const std::vector<std::string>& v) {
  return json(v);
}

}  // namespace

std::string webhook_signature(const std::string& key, const std::string& timestamp,
                              const std::string& body) {
  return "sha256=" + net::to_hex(net::hmac_sha256(key, timestamp + "." + body));
}

std::string webhook_body(const Target& target, const Target* previous) {
  json records = json::array();
  for (const RecordTarget& r : target.records) {
    records.push_back({{"name", r.name},
                       {"type", core::to_string(r.type)},
                       {"ttl", r.ttl},
                       {"sites", list(r.sites)},
                       {"addresses", list(r.addresses)},
                       {"reason", r.reason}});
  }
  json body = {{"generation", target.generation},
               {"made_at", core::format_time(target.made_at)},
               {"summary", target.summary},
               {"records", records}};
  // In a cluster: the term of the leader that made it; a receiver orders
  // deliveries by (term, generation) and ignores anything older.
  if (target.plan.term != 0) {
    body["term"] = target.plan.term;
    body["leader"] = target.plan.leader;
  }
  if (previous) {
    json changes = json::array();
    for (const RecordChange& c : changes_between(*previous, target)) {
      changes.push_back({{"record", c.record},
                         {"from_sites", list(c.from_sites)},
                         {"to_sites", list(c.to_sites)},
                         {"from_addresses", list(c.from_addresses)},
                         {"to_addresses", list(c.to_addresses)},
                         {"reason", c.reason}});
    }
    body["previous_generation"] = previous->generation;
    body["changes"] = changes;
  } else {
    body["previous_generation"] = nullptr;  // not known: this controller just started
    body["changes"] = nullptr;
  }
  return body.dump();
}

std::unique_ptr<Provider> make_webhook(const config::ProviderConfig& cfg, std::string key,
                                       const core::Clock& clock) {
  return std::make_unique<Webhook>(cfg, std::move(key), clock);
}

}  // namespace drpilot::providers
