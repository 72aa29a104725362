#include "dns/snapshot.h"

#include <arpa/inet.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "dns/name.h"
#include "dns/wire.h"

namespace drpilot::dns {
namespace {

// RFC 2181 §8: TTLs are 31-bit; a negative configured value means "do not cache".
std::uint32_t clamp_ttl(long long v) {
  if (v < 0) return 0;
  return std::uint32_t(std::min<long long>(v, std::numeric_limits<std::int32_t>::max()));
}

void put16(std::string& out, std::uint16_t v) {
  out += char(v >> 8);
  out += char(v);
}
void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += char(v >> shift);
}

// TYPE CLASS TTL RDLENGTH RDATA: a record after its owner name.
std::string record_tail(std::uint16_t type, std::uint32_t ttl, const std::string& rdata) {
  std::string tail;
  put16(tail, type);
  put16(tail, klass::IN);
  put32(tail, ttl);
  put16(tail, std::uint16_t(rdata.size()));
  tail += rdata;
  return tail;
}

void encode(Rrset& set) {
  std::size_t size = 0;
  for (const std::string& rdata : set.rdatas) size += 12 + rdata.size();
  std::string& w = set.answer_wire;
  w.clear();
  w.reserve(size);
  for (const std::string& rdata : set.rdatas) {
    w += "\xC0\x0C";  // owner: the question name at offset 12
    put16(w, set.type);
    put16(w, klass::IN);
    put32(w, set.ttl);
    put16(w, std::uint16_t(rdata.size()));
    w += rdata;
  }
}

void add_unique(std::vector<std::string>& list, std::string item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(std::move(item));
}

std::optional<std::string> address_rdata(int family, const std::string& text) {
  std::uint8_t bytes[16];
  if (inet_pton(family, text.c_str(), bytes) != 1) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(bytes), family == AF_INET ? 4 : 16);
}

std::string wire_or_throw(const std::string& name, const std::string& what) {
  auto wire = name_to_wire(name);
  if (!wire) throw std::invalid_argument(what + " '" + name + "' is not a valid domain name");
  return *wire;
}

// The parent of a wire-form name (the name without its first label).
std::string_view parent_of(std::string_view wire) {
  return wire.substr(std::size_t(wire[0]) + 1);
}

}  // namespace

const Node* Snapshot::find_node(std::string_view wire) const {
  auto it = nodes_.find(wire);
  return it == nodes_.end() ? nullptr : &it->second;
}

const Zone* Snapshot::find_zone(std::string_view wire) const {
  // Walk from the full name towards the root: the first hit is the longest.
  while (!wire.empty()) {
    if (auto it = zones_.find(wire); it != zones_.end()) return &it->second;
    if (wire[0] == 0) break;
    wire = parent_of(wire);
  }
  return nullptr;
}

// ---- inputs prepared once per configuration ------------------------------

SnapshotInputs::SnapshotInputs(std::vector<core::ZoneSpec> zones,
                               const std::vector<core::SiteSpec>& sites,
                               const std::vector<core::RecordSpec>& records)
    : zones_(std::move(zones)) {
  std::unordered_set<std::string> apexes;
  for (const core::ZoneSpec& z : zones_) {
    if (!apexes.insert(wire_or_throw(z.name, "zone")).second) {
      throw std::invalid_argument("zone '" + z.name + "' is listed twice");
    }
    for (const core::NameServer& ns : z.ns) wire_or_throw(ns.name, "name server");
  }
  // The longest served zone that contains `wire`, or "".
  auto apex_of = [&](std::string_view wire) -> std::string {
    while (!wire.empty()) {
      if (apexes.count(std::string(wire))) return std::string(wire);
      if (wire[0] == 0) break;
      wire = parent_of(wire);
    }
    return "";
  };
  sites_.reserve(sites.size());
  for (const core::SiteSpec& site : sites) {
    Site& s = sites_[site.name];
    for (const std::string& a : site.ipv4) {
      if (auto rdata = address_rdata(AF_INET, a)) s.v4.push_back(std::move(*rdata));
    }
    for (const std::string& a : site.ipv6) {
      if (auto rdata = address_rdata(AF_INET6, a)) s.v6.push_back(std::move(*rdata));
    }
  }
  records_.reserve(records.size());
  for (const core::RecordSpec& r : records) {
    Record rec;
    rec.wire = wire_or_throw(r.name, "record");
    rec.key = r.key();
    rec.apex = apex_of(rec.wire);
    rec.v4 = r.type == core::RecordType::A;
    rec.ttl = clamp_ttl(r.ttl);
    records_.push_back(std::move(rec));
  }
  // In key order, to walk beside a plan's records.
  std::sort(records_.begin(), records_.end(),
            [](const Record& a, const Record& b) { return a.key < b.key; });
  // Names between every name served and its zone's apex exist too (RFC
  // 8020); the walk continues above a nested zone's apex into the enclosing
  // zone. They depend on the names only, not on a plan.
  std::vector<std::string> names;
  for (const Record& r : records_) {
    if (!r.apex.empty()) names.push_back(r.wire);
  }
  for (const core::ZoneSpec& z : zones_) {
    for (const core::NameServer& ns : z.ns) {
      if (!ns.addresses.empty()) names.push_back(wire_or_throw(ns.name, "name server"));
    }
  }
  std::unordered_set<std::string> seen;
  for (const std::string& name : names) {
    std::string_view wire = name;
    while (wire.size() > 1) {
      wire = parent_of(wire);
      std::string apex = apex_of(wire);
      if (apex.empty()) break;
      if (seen.insert(std::string(wire)).second) {
        empty_non_terminals_.emplace_back(std::string(wire), std::move(apex));
      }
    }
  }
}

SnapshotInputs::~SnapshotInputs() = default;

// Fills a Snapshot in passes (zones, records, glue, empty non-terminals,
// glue links, encoding); a friend so Snapshot itself stays read-only.
class SnapshotBuilder {
 public:
  SnapshotBuilder(const SnapshotInputs& in, const core::Plan& plan) : in_(in), plan_(plan) {}

  std::shared_ptr<const Snapshot> build() {
    snap_ = std::make_shared<Snapshot>();
    snap_->nodes_.reserve(in_.records_.size() + in_.empty_non_terminals_.size() +
                          2 * in_.zones_.size() + 8);
    snap_->generation_ = plan_.generation;
    // The SOA serial tells secondaries and humans which generation is served;
    // 0 is avoided because some tools read it as "no zone".
    const auto serial = std::uint32_t(plan_.generation);
    snap_->serial_ = serial == 0 ? 1 : serial;
    add_zones();
    add_records();
    add_glue();
    for (const auto& [wire, apex] : in_.empty_non_terminals_) node_for(wire, zone(apex));
    link_glue();
    for (auto& [wire, zone] : snap_->zones_) {
      encode(zone.soa);
      encode(zone.ns);
    }
    for (auto& [wire, node] : snap_->nodes_) {
      encode(node.a);
      encode(node.aaaa);
    }
    return snap_;
  }

 private:
  const Zone* zone(const std::string& apex) const { return &snap_->zones_.find(apex)->second; }

  Node& node_for(const std::string& wire, const Zone* zone) {
    auto [it, inserted] = snap_->nodes_.try_emplace(wire);
    if (inserted) {
      it->second.zone = zone;
      it->second.apex = zone->apex == wire;
    }
    return it->second;
  }

  void add_zones() {
    for (const core::ZoneSpec& spec : in_.zones_) {
      const std::string apex = wire_or_throw(spec.name, "zone");
      Zone zone;
      zone.name = spec.name;
      zone.apex = apex;
      const std::uint32_t ttl = clamp_ttl(spec.ttl);
      zone.ns.type = type::NS;
      zone.ns.ttl = ttl;
      for (const core::NameServer& ns : spec.ns) {
        add_unique(zone.ns.rdatas, wire_or_throw(ns.name, "name server"));
      }
      std::string mname = spec.soa_mname;
      if (mname.empty()) mname = spec.ns.empty() ? spec.name : spec.ns.front().name;
      std::string rname = spec.soa_rname;
      if (rname.empty()) rname = spec.name.empty() ? "hostmaster" : "hostmaster." + spec.name;
      std::string soa = wire_or_throw(mname, "SOA mname") + wire_or_throw(rname, "SOA rname");
      const std::uint32_t minimum = clamp_ttl(spec.soa_minimum);
      put32(soa, snap_->serial_);
      put32(soa, clamp_ttl(spec.soa_refresh));
      put32(soa, clamp_ttl(spec.soa_retry));
      put32(soa, clamp_ttl(spec.soa_expire));
      put32(soa, minimum);
      zone.soa.type = type::SOA;
      zone.soa.ttl = ttl;
      zone.negative_soa_tail = record_tail(type::SOA, std::min(ttl, minimum), soa);
      zone.soa.rdatas.push_back(std::move(soa));
      snap_->zones_.emplace(apex, std::move(zone));
    }
    for (const auto& [wire, zone] : snap_->zones_) node_for(wire, &zone);
  }

  // The prepared records and the plan's both in key order: one walk, no lookups.
  void add_records() {
    auto planned = plan_.records.begin();
    for (const SnapshotInputs::Record& record : in_.records_) {
      if (record.apex.empty()) continue;  // served by another provider, not by us
      Node& node = node_for(record.wire, zone(record.apex));
      Rrset& set = record.v4 ? node.a : node.aaaa;
      if (from_records_.insert(&set).second) {
        set.type = record.v4 ? type::A : type::AAAA;
        set.ttl = record.ttl;
      }
      while (planned != plan_.records.end() && planned->first < record.key) ++planned;
      if (planned == plan_.records.end() || planned->first != record.key) continue;  // NODATA
      for (const std::string& site_name : planned->second.sites) {
        auto site = in_.sites_.find(site_name);
        if (site == in_.sites_.end()) continue;
        for (const std::string& rdata : record.v4 ? site->second.v4 : site->second.v6) {
          add_unique(set.rdatas, rdata);
        }
      }
    }
  }

  // Addresses of name servers inside a zone we serve. Without them a
  // resolver could never reach a name server named inside its own zone.
  void add_glue() {
    for (const core::ZoneSpec& spec : in_.zones_) {
      for (const core::NameServer& ns : spec.ns) {
        if (ns.addresses.empty()) continue;
        const std::string wire = wire_or_throw(ns.name, "name server");
        const Zone* zone = snap_->find_zone(wire);
        if (zone == nullptr) continue;
        Node& node = node_for(wire, zone);
        for (const std::string& text : ns.addresses) {
          auto v4 = address_rdata(AF_INET, text);
          auto v6 = v4 ? std::nullopt : address_rdata(AF_INET6, text);
          if (!v4 && !v6) continue;
          Rrset& set = v4 ? node.a : node.aaaa;
          if (from_records_.count(&set)) continue;  // a steered record wins
          if (set.empty()) {
            set.type = v4 ? type::A : type::AAAA;
            set.ttl = clamp_ttl(spec.ttl);
          }
          add_unique(set.rdatas, v4 ? std::move(*v4) : std::move(*v6));
        }
      }
    }
  }

  void link_glue() {
    for (auto& [wire, zone] : snap_->zones_) {
      for (const std::string& target : zone.ns.rdatas) {
        const Node* node = snap_->find_node(target);
        zone.glue.push_back(node && !(node->a.empty() && node->aaaa.empty()) ? node : nullptr);
      }
    }
  }

  const SnapshotInputs& in_;
  const core::Plan& plan_;
  std::unordered_set<const Rrset*> from_records_;
  std::shared_ptr<Snapshot> snap_;
};

std::shared_ptr<const Snapshot> build_snapshot(const SnapshotInputs& inputs,
                                               const core::Plan& plan) {
  return SnapshotBuilder(inputs, plan).build();
}

std::shared_ptr<const Snapshot> build_snapshot(const std::vector<core::ZoneSpec>& zones,
                                               const std::vector<core::SiteSpec>& sites,
                                               const std::vector<core::RecordSpec>& records,
                                               const core::Plan& plan) {
  return build_snapshot(SnapshotInputs(zones, sites, records), plan);
}

}  // namespace drpilot::dns
