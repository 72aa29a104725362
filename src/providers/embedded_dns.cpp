#include "providers/embedded_dns.h"

#include <stdexcept>

#include "dns/server.h"
#include "dns/snapshot.h"

namespace drpilot::providers {

EmbeddedDns::EmbeddedDns(dns::Server& server, std::string listen)
    : Provider("embedded-dns"), server_(server), listen_(std::move(listen)) {}

EmbeddedDns::~EmbeddedDns() = default;

void EmbeddedDns::configure(std::vector<core::ZoneSpec> zones, std::vector<core::SiteSpec> sites,
                            std::vector<core::RecordSpec> records) {
  auto next = std::make_shared<const Settings>(
      Settings{std::move(zones), std::move(sites), std::move(records)});
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
  std::shared_ptr<const dns::Snapshot> snapshot;
  try {
    if (prepared_from_ != want.settings) {
      prepared_ = std::make_unique<dns::SnapshotInputs>(want.settings->zones, want.settings->sites,
                                                        want.settings->records);
      prepared_from_ = want.settings;
    }
    snapshot = dns::build_snapshot(*prepared_, target.plan);
  } catch (const std::invalid_argument& e) {
    Failure f = fail(std::string("cannot build the DNS answers: ") + e.what());
    f.permanent = true;
    return f;
  }
  server_.publish(snapshot);
  published_ = want;
  snapshot_ = std::move(snapshot);
  return std::nullopt;
}

}  // namespace drpilot::providers
