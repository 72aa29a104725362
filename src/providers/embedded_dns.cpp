#include "providers/embedded_dns.h"

#include <stdexcept>

#include "dns/server.h"
#include "dns/snapshot.h"

namespace drpilot::providers {

EmbeddedDns::EmbeddedDns(dns::Server& server, std::string listen)
    : Provider("embedded-dns"), server_(server), listen_(std::move(listen)) {
  configure({}, {}, {});
}

EmbeddedDns::~EmbeddedDns() = default;

void EmbeddedDns::configure(std::vector<core::ZoneSpec> zones, std::vector<core::SiteSpec> sites,
                            std::vector<core::RecordSpec> records) {
  auto next = std::make_shared<Settings>();
  try {
    next->inputs = std::make_unique<dns::SnapshotInputs>(std::move(zones), sites, records);
  } catch (const std::invalid_argument& e) {
    next->error = e.what();
  }
  std::lock_guard lock(mutex_);
  settings_ = std::move(next);
}

EmbeddedDns::Inputs EmbeddedDns::inputs_for(const Target& target) const {
  std::lock_guard lock(mutex_);
  Inputs in{settings_, target.generation, {}};
  for (const auto& [key, rp] : target.plan.records) in.answers[key] = rp.sites;
  return in;
}

std::variant<Changes, Failure> EmbeddedDns::diff(const Target& target) {
  const Inputs want = inputs_for(target);
  if (published_ && *published_ == want && server_.current() == snapshot_) return Changes{};
  Changes c;
  for (const RecordTarget& r : target.records) {
    const std::string key = r.name + "/" + std::string(core::to_string(r.type));
    const bool same =
        published_ && published_->answers.count(key) && published_->answers.at(key) == r.sites;
    if (same) continue;
    std::string addresses;
    for (const std::string& a : r.addresses) addresses += (addresses.empty() ? "" : ", ") + a;
    c.steps.push_back("answer " + key + " with " + (addresses.empty() ? "nothing" : addresses) +
                      " (ttl " + std::to_string(r.ttl) + ")");
  }
  if (c.steps.empty()) {
    c.steps.push_back("publish generation " + std::to_string(target.generation) +
                      " with the new zone, site or record settings");
  }
  return c;
}

std::optional<Failure> EmbeddedDns::apply(const Target& target, const Changes&) {
  const Inputs want = inputs_for(target);
  if (!want.settings->inputs) {
    Failure f = fail("cannot build the DNS answers: " + want.settings->error);
    f.permanent = true;
    return f;
  }
  std::shared_ptr<const dns::Snapshot> snapshot =
      dns::build_snapshot(*want.settings->inputs, target.plan);
  server_.publish(snapshot);
  published_ = want;
  snapshot_ = std::move(snapshot);
  return std::nullopt;
}

}  // namespace drpilot::providers
