#pragma once
// What the operator asked for, as the planner needs it: sites, records,
// policy and overrides. Built from the configuration by the config layer.

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace drpilot::core {

struct SiteSpec {
  std::string name;
  std::vector<std::string> ipv4;  // endpoints to publish, dotted quad
  std::vector<std::string> ipv6;
  int priority = 1;  // lower is preferred
  int weight = 1;
  std::vector<std::string> data_regions;  // the data regions it may use, local first
  bool operator==(const SiteSpec&) const = default;
};

enum class RecordType { A, AAAA };
enum class RoutingMode { failover, multivalue };
enum class AllDown { fail_static, fail_open };
enum class Failback { automatic, manual };

std::string_view to_string(RecordType t);
std::string_view to_string(RoutingMode m);
std::string_view to_string(AllDown a);
std::string_view to_string(Failback f);

struct RecordSpec {
  std::string name;  // fully qualified, lower case, no trailing dot
  RecordType type = RecordType::A;
  RoutingMode mode = RoutingMode::failover;
  int ttl = 30;
  std::vector<std::string> sites;  // in configured order (the tie-break after priority)
  AllDown all_down = AllDown::fail_static;

  // "www.example.test/A": the key of this record in a plan.
  std::string key() const;
  bool operator==(const RecordSpec&) const = default;
};

struct Policy {
  Failback failback = Failback::automatic;
  Duration hold_down{60'000};     // a better site must stay up this long before failback
  Duration min_interval{30'000};  // between discretionary automatic changes
  Duration flap_window{600'000};
  int flap_max_changes = 6;  // automatic changes within the window that freeze automation
  bool operator==(const Policy&) const = default;
};

// A DNS zone served by the embedded authoritative server.
struct NameServer {
  std::string name;                    // fully qualified, lower case, no trailing dot
  std::vector<std::string> addresses;  // glue, when the name is inside the zone
  bool operator==(const NameServer&) const = default;
};
struct ZoneSpec {
  std::string name;  // "example.test"
  std::vector<NameServer> ns;
  std::string soa_mname;  // primary name server; defaults to the first NS
  std::string soa_rname;  // "hostmaster.example.test" (mailbox with the @ as a dot)
  int soa_refresh = 3600;
  int soa_retry = 600;
  int soa_expire = 86400;
  int soa_minimum = 30;  // negative-caching TTL (RFC 2308)
  int ttl = 3600;        // TTL of the SOA and NS records themselves
  bool operator==(const ZoneSpec&) const = default;
};

// A planned move of a failover record to one site, now. One-shot: the engine
// plans with it once and forgets it; the normal policy applies afterwards.
struct Switchover {
  std::string site;
  std::string note;  // who and why, for the reason text
  bool operator==(const Switchover&) const = default;
};

enum class WriteMode { any, single };

// Tables replicated together (DynamoDB global tables), with one write mode.
struct TableGroupSpec {
  std::string name;
  WriteMode mode = WriteMode::single;
  std::vector<std::string> primary_order;  // single: write-primary preference, best first
  Duration rpo_budget{5'000};
  Duration primary_grace{120'000};
  bool canary = false;  // replication lag is measured for this group
  Duration lag_window{300'000};
  bool operator==(const TableGroupSpec&) const = default;
};

// A planned move of a group's write-primary (drpilot switchover --data).
struct DataMoveRequest {
  std::string to;
  std::string note;  // who and why
  bool operator==(const DataMoveRequest&) const = default;
};

// Operator intent. Takes precedence over everything automatic.
struct Overrides {
  std::set<std::string> drained;                      // sites out of every answer
  std::map<std::string, std::string> pinned;          // record name -> site
  bool frozen = false;                                // no automatic changes at all
  std::string frozen_note;                            // who/why, for the reason text
  std::map<std::string, Switchover> switchover;       // record name -> site, for one plan
  std::map<std::string, DataMoveRequest> data_moves;  // group -> new primary, for one plan
  bool operator==(const Overrides&) const = default;
};

}  // namespace drpilot::core
