#pragma once
// drpilot's own authoritative DNS server as a provider: applying a target
// builds a new immutable snapshot and publishes it; reading back checks that
// the server answers from exactly that snapshot.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/spec.h"
#include "providers/provider.h"

namespace drpilot::dns {
class Server;
class Snapshot;
class SnapshotInputs;
}  // namespace drpilot::dns

namespace drpilot::providers {

class EmbeddedDns final : public Provider {
 public:
  // `server` outlives the provider; `listen` describes it for status.
  EmbeddedDns(dns::Server& server, std::string listen);
  ~EmbeddedDns() override;

  // What the snapshot is built from besides the plan (zones, sites for their
  // addresses, records for their TTLs). Thread-safe; takes effect on the next diff.
  void configure(std::vector<core::ZoneSpec> zones, std::vector<core::SiteSpec> sites,
                 std::vector<core::RecordSpec> records);

  std::string_view kind() const override { return "embedded_dns"; }
  std::string where() const override { return listen_; }
  std::variant<Changes, Failure> diff(const Target& target) override;
  std::optional<Failure> apply(const Target& target, const Changes& changes) override;

 private:
  // What configure() gave, prepared for the snapshot once (names in wire form,
  // addresses as RDATA) and shared: with thousands of sites a copy per diff
  // would cost more than the diff, and the configuration's own lists are not
  // kept twice. A configuration that cannot be prepared is a failure of
  // every apply until the next configure().
  struct Settings {
    std::unique_ptr<dns::SnapshotInputs> inputs;
    std::string error;  // why there are no inputs
  };
  struct Inputs {
    std::shared_ptr<const Settings> settings;  // the same object: the same settings
    std::uint64_t generation = 0;
    std::map<std::string, std::vector<std::string>> answers;  // record key -> sites
    bool operator==(const Inputs&) const = default;
  };
  Inputs inputs_for(const Target& target) const;

  dns::Server& server_;
  std::string listen_;
  mutable std::mutex mutex_;  // guards settings_ against configure()
  std::shared_ptr<const Settings> settings_;
  // What was published last, and the snapshot itself (to see that the server
  // still answers from it).
  std::optional<Inputs> published_;
  std::shared_ptr<const dns::Snapshot> snapshot_;
};

}  // namespace drpilot::providers
