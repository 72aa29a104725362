#pragma once
// An immutable, pre-indexed view of everything the authoritative server
// answers, built once per plan generation and shared read-only by every
// worker thread. Answers are pre-encoded here so the query path does one hash
// lookup and a few memcpy calls.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/plan.h"
#include "core/spec.h"

namespace drpilot::dns {

// One RRset, encoded as it goes on the wire.
struct Rrset {
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::vector<std::string> rdatas;  // in answer order
  // Every record as it appears in an answer to a query for this very name:
  // owner = compression pointer to the question (offset 12), then TYPE,
  // CLASS IN, TTL, RDLENGTH, RDATA. Skipping each record's 2-byte owner
  // gives its tail, for use under another owner (glue).
  std::string answer_wire;

  bool empty() const { return rdatas.empty(); }
  std::size_t count() const { return rdatas.size(); }
};

struct Node;

struct Zone {
  std::string name;  // presentation form, no trailing dot, as configured
  std::string apex;  // wire form, lower case
  Rrset soa;         // one record
  Rrset ns;          // rdata = the name server names, wire form
  // The SOA for the authority section of NXDOMAIN / NODATA answers, after
  // its owner: TYPE .. RDATA with TTL = min(SOA TTL, SOA MINIMUM) (RFC 2308 §5).
  std::string negative_soa_tail;
  // Per NS record: the node holding its addresses when we are authoritative
  // for them (glue), else null.
  std::vector<const Node*> glue;
};

struct Node {
  const Zone* zone = nullptr;  // the longest served zone that contains the name
  bool apex = false;
  Rrset a;
  Rrset aaaa;  // both empty: an empty non-terminal or a record with no sites yet
};

class Snapshot {
 public:
  Snapshot() = default;
  Snapshot(const Snapshot&) = delete;  // nodes point into the maps: never copied
  Snapshot& operator=(const Snapshot&) = delete;

  // Exact lookup of a lower-case wire-form name.
  const Node* find_node(std::string_view wire) const;
  // The served zone with the longest apex that is a suffix of `wire`.
  const Zone* find_zone(std::string_view wire) const;

  std::uint64_t generation() const { return generation_; }
  std::uint32_t serial() const { return serial_; }
  std::size_t node_count() const { return nodes_.size(); }
  std::size_t zone_count() const { return zones_.size(); }

 private:
  friend class SnapshotBuilder;

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <class T>
  using NameMap = std::unordered_map<std::string, T, Hash, std::equal_to<>>;

  NameMap<Zone> zones_;
  NameMap<Node> nodes_;
  std::uint64_t generation_ = 0;
  std::uint32_t serial_ = 1;
};

// What a snapshot is built from besides the plan, prepared once per
// configuration: names in wire form, addresses as RDATA, the records in key
// order, the empty non-terminals. With ten thousand records this is most of
// the work, and it does not change with the plan.
class SnapshotInputs {
 public:
  // Throws std::invalid_argument like build_snapshot.
  SnapshotInputs(std::vector<core::ZoneSpec> zones, const std::vector<core::SiteSpec>& sites,
                 const std::vector<core::RecordSpec>& records);
  ~SnapshotInputs();

 private:
  friend class SnapshotBuilder;
  struct Record {
    std::string wire;  // the name, wire form, lower case
    std::string key;   // RecordSpec::key(), to find it in a plan
    std::string apex;  // the served zone it is in (wire); empty: not ours
    bool v4 = true;
    std::uint32_t ttl = 0;
  };
  struct Site {
    std::vector<std::string> v4, v6;  // addresses as RDATA
  };
  std::vector<core::ZoneSpec> zones_;
  std::vector<Record> records_;
  std::unordered_map<std::string, Site> sites_;
  std::vector<std::pair<std::string, std::string>> empty_non_terminals_;  // (wire, zone apex)
};

// Builds the view of `plan` for the zones we serve:
//  - per record name: A from the IPv4 and AAAA from the IPv6 endpoints of the
//    plan's sites (plan site order, then endpoint order, duplicates dropped),
//    TTL from the record; a record without plan sites answers NODATA;
//  - records outside every served zone are left out (another provider serves
//    them);
//  - per zone: SOA (serial = plan generation as 32 bits, 1 instead of 0), NS,
//    glue for name servers inside a served zone (a record of the same name and
//    type replaces the glue), and empty non-terminals between names and apex.
// Throws std::invalid_argument for a zone or name server name that is not a
// valid domain name, or a zone listed twice.
std::shared_ptr<const Snapshot> build_snapshot(const SnapshotInputs& inputs,
                                               const core::Plan& plan);
// The same, preparing the inputs on the way.
std::shared_ptr<const Snapshot> build_snapshot(const std::vector<core::ZoneSpec>& zones,
                                               const std::vector<core::SiteSpec>& sites,
                                               const std::vector<core::RecordSpec>& records,
                                               const core::Plan& plan);

}  // namespace drpilot::dns
