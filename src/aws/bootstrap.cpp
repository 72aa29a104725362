#include "aws/bootstrap.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace drpilot::aws {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

constexpr const char* kStreamView = "NEW_AND_OLD_IMAGES";
// While waiting, a line at least this often even when nothing changed.
constexpr auto kProgressEvery = std::chrono::seconds(30);

bool valid_table_name(const std::string& n) {
  if (n.size() < 3 || n.size() > 255) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

bool valid_key_type(const std::string& t) {
  return t == "S" || t == "N" || t == "B";
}

// "pk=drpilot-sentinel": the sentinel's key, for messages.
std::string sentinel_key_text(const TableSpec& t) {
  auto value_text = [&t](const KeyAttribute& k) {
    const json& v = t.sentinel.at(k.name).at(k.type);
    return k.name + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  };
  std::string s = value_text(t.hash_key);
  if (t.range_key) s += "," + value_text(*t.range_key);
  return s;
}

json sentinel_key(const TableSpec& t) {
  json key = {{t.hash_key.name, t.sentinel.at(t.hash_key.name)}};
  if (t.range_key) key[t.range_key->name] = t.sentinel.at(t.range_key->name);
  return key;
}

std::string validate_sentinel(const TableSpec& t) {
  if (t.sentinel.is_null()) return "";
  const std::string where = "table " + t.name + ": sentinel item";
  if (!t.sentinel.is_object()) return where + " is not a JSON object";
  for (const auto& [name, value] : t.sentinel.items()) {
    if (!value.is_object() || value.size() != 1) {
      return where + ": attribute " + name +
             " is not a DynamoDB attribute value such as {\"S\": \"text\"}";
    }
  }
  std::vector<const KeyAttribute*> keys = {&t.hash_key};
  if (t.range_key) keys.push_back(&*t.range_key);
  for (const KeyAttribute* k : keys) {
    auto it = t.sentinel.find(k->name);
    if (it == t.sentinel.end()) return where + " lacks the key attribute " + k->name;
    if (!it->contains(k->type)) {
      return where + ": key attribute " + k->name + " must be of type " + k->type + ", as {\"" +
             k->type + "\": ...}";
    }
  }
  return "";
}

// What the first, read-only pass found for one table, and what it needs.
struct Inspection {
  const TableSpec* spec = nullptr;
  std::optional<TableState> state;  // nothing: not in its first region
  bool enable_stream = false;
  std::vector<std::string> add_replicas;
  bool write_sentinel = false;  // known to be missing or different
  bool sentinel_later = false;  // the table is not ACTIVE yet: look once it is
  bool wait = false;            // something exists but is not ACTIVE yet

  int changes() const {
    return (state ? 0 : 1) + (enable_stream ? 1 : 0) + static_cast<int>(add_replicas.size()) +
           ((write_sentinel || sentinel_later) ? 1 : 0);
  }
};

class Runner {
 public:
  Runner(const BootstrapPlan& plan, const DynamoCall& call, const BootstrapOutput& out)
      : plan_(plan), call_(call), out_(out) {}

  BootstrapResult run();

 private:
  bool inspect(const TableSpec& t, Inspection& in);
  void print_plan(const Inspection& in);
  bool execute(const Inspection& in);
  // Polls DescribeTable in the table's first region until `done` holds.
  bool wait_for(const TableSpec& t, const std::string& what,
                const std::function<bool(const TableState&)>& done);
  bool replicas_active(const TableSpec& t, const TableState& s) const;
  // Whether the sentinel item is there as configured; nothing on error.
  std::optional<bool> sentinel_in_place(const TableSpec& t);
  bool fail(std::string error) {
    error_ = std::move(error);
    return false;
  }
  void say(const std::string& line) {
    if (out_) out_(line);
  }

  const BootstrapPlan& plan_;
  const DynamoCall& call_;
  const BootstrapOutput& out_;
  std::string error_;
  int changes_ = 0;
  std::optional<TableState> last_state_;  // what wait_for saw last
};

BootstrapResult Runner::run() {
  BootstrapResult result;
  std::string regions;
  for (const RegionSpec& r : plan_.regions) regions += (regions.empty() ? "" : ", ") + r.region;
  say("looking at " + std::to_string(plan_.tables.size()) + " table(s) in " + regions);

  std::vector<Inspection> found(plan_.tables.size());
  for (std::size_t i = 0; i < plan_.tables.size(); ++i) {
    if (!inspect(plan_.tables[i], found[i])) {
      result.error = error_;
      return result;
    }
  }
  int planned = 0;
  bool waits = false;
  say(plan_.dry_run ? "plan (dry run):" : "plan:");
  for (const Inspection& in : found) {
    print_plan(in);
    planned += in.changes();
    waits = waits || in.wait;
  }
  if (planned == 0 && !waits) {
    say("nothing to change: every table, replica and sentinel item is in place");
    result.ok = true;
    return result;
  }
  if (plan_.dry_run) {
    say("dry run: " + std::to_string(planned) + " change(s) listed above; nothing was changed");
    result.ok = true;
    result.changes = planned;
    return result;
  }
  for (const Inspection& in : found) {
    if (in.changes() == 0 && !in.wait) continue;
    if (!execute(in)) {
      result.error = error_;
      result.changes = changes_;
      return result;
    }
  }
  say("done: " + std::to_string(changes_) +
      " change(s) made; every table, replica and sentinel item is in place");
  result.ok = true;
  result.changes = changes_;
  return result;
}

bool Runner::inspect(const TableSpec& t, Inspection& in) {
  in.spec = &t;
  const std::string& home = t.regions.front();
  DynamoResult r = call_(home, "DescribeTable", {{"TableName", t.name}});
  if (!r.ok && r.error_code != "ResourceNotFoundException") {
    return fail("cannot look at table " + t.name + " in " + home + ": " + r.message);
  }
  if (r.ok) {
    std::string error;
    in.state = parse_table_state(r.body, error);
    if (!in.state) return fail("table " + t.name + " in " + home + ": " + error);
  }

  if (!in.state) {
    if (t.hash_key.name.empty()) {
      return fail("table " + t.name + " does not exist in " + home +
                  " and its key schema is not known (a dynamodb sentinel check of the table "
                  "gives it): create the table first");
    }
    for (std::size_t i = 1; i < t.regions.size(); ++i) in.add_replicas.push_back(t.regions[i]);
    in.write_sentinel = !t.sentinel.is_null();
    return true;
  }
  const TableState& s = *in.state;
  const bool same_key = t.hash_key.name.empty() ||
                        (s.hash_key.name == t.hash_key.name && s.hash_key.type == t.hash_key.type &&
                         s.range_key.has_value() == t.range_key.has_value() &&
                         (!s.range_key || (s.range_key->name == t.range_key->name &&
                                           s.range_key->type == t.range_key->type)));
  if (!same_key) {
    return fail("table " + t.name + " in " + home + " has key " +
                describe_key(s.hash_key, s.range_key) + " but the configuration says " +
                describe_key(t.hash_key, t.range_key) + "; drpilot does not change key schemas");
  }
  for (std::size_t i = 1; i < t.regions.size(); ++i) {
    if (!s.replicas.count(t.regions[i])) in.add_replicas.push_back(t.regions[i]);
  }
  if (!in.add_replicas.empty()) {
    if (!s.stream_enabled) {
      in.enable_stream = true;
    } else if (s.stream_view_type != kStreamView) {
      return fail("table " + t.name + " in " + home + " has a stream of " + s.stream_view_type +
                  "; replicas need " + kStreamView + ": change the stream by hand first");
    }
  }
  in.wait = !replicas_active(t, s);
  if (!t.sentinel.is_null()) {
    if (s.status != "ACTIVE") {
      in.sentinel_later = true;
    } else {
      std::optional<bool> present = sentinel_in_place(t);
      if (!present) return false;
      in.write_sentinel = !*present;
    }
  }
  return true;
}

void Runner::print_plan(const Inspection& in) {
  const TableSpec& t = *in.spec;
  const std::string& home = t.regions.front();
  if (!in.state) {
    say("  create table " + t.name + " in " + home + ": key " +
        describe_key(t.hash_key, t.range_key) + ", on-demand, stream " + kStreamView);
  }
  if (in.enable_stream) say("  enable the stream (" + std::string(kStreamView) + ") of " + t.name);
  for (const std::string& r : in.add_replicas) say("  add a replica of " + t.name + " in " + r);
  if (in.write_sentinel) say("  write the sentinel item " + sentinel_key_text(t) + " to " + t.name);
  if (in.sentinel_later) {
    say("  write the sentinel item " + sentinel_key_text(t) + " to " + t.name +
        " unless it is there once the table is ACTIVE");
  }
  if (in.wait) say("  wait until " + t.name + " and its replicas are ACTIVE");
  if (in.changes() == 0 && !in.wait) {
    std::string where = home;
    for (std::size_t i = 1; i < t.regions.size(); ++i) where += ", " + t.regions[i];
    say("  " + t.name + ": in place (ACTIVE in " + where + ")" +
        (t.sentinel.is_null() ? "" : ", sentinel item present"));
  }
}

bool Runner::replicas_active(const TableSpec& t, const TableState& s) const {
  if (s.status != "ACTIVE") return false;
  for (std::size_t i = 1; i < t.regions.size(); ++i) {
    auto it = s.replicas.find(t.regions[i]);
    if (it == s.replicas.end() || it->second != "ACTIVE") return false;
  }
  return true;
}

std::optional<bool> Runner::sentinel_in_place(const TableSpec& t) {
  const std::string& home = t.regions.front();
  DynamoResult r = call_(
      home, "GetItem", {{"TableName", t.name}, {"Key", sentinel_key(t)}, {"ConsistentRead", true}});
  if (!r.ok) {
    fail("cannot read the sentinel item of " + t.name + " in " + home + ": " + r.message);
    return std::nullopt;
  }
  // Attributes besides the configured ones (a note someone added) are kept:
  // only a missing attribute or another value needs a write.
  auto item = r.body.find("Item");
  if (item == r.body.end() || !item->is_object()) return false;
  for (const auto& [name, value] : t.sentinel.items()) {
    auto it = item->find(name);
    if (it == item->end() || *it != value) return false;
  }
  return true;
}

bool Runner::wait_for(const TableSpec& t, const std::string& what,
                      const std::function<bool(const TableState&)>& done) {
  const std::string& home = t.regions.front();
  const auto start = Steady::now();
  const auto deadline = start + plan_.wait_timeout;
  std::string last_status;
  auto last_said = start;
  // Quick at first (a new table in a lab or a local DynamoDB is ACTIVE
  // within a second), then every poll_interval (real replicas take minutes).
  core::Duration pause = std::min(core::Duration{250}, plan_.poll_interval);
  for (;;) {
    DynamoResult r = call_(home, "DescribeTable", {{"TableName", t.name}});
    std::string status;
    if (r.ok) {
      std::string error;
      std::optional<TableState> s = parse_table_state(r.body, error);
      if (!s) return fail("table " + t.name + " in " + home + ": " + error);
      last_state_ = s;
      if (done(*s)) {
        say(t.name + ": " + what + ": ACTIVE");
        return true;
      }
      status = "table " + s->status;
      for (std::size_t i = 1; i < t.regions.size(); ++i) {
        auto it = s->replicas.find(t.regions[i]);
        if (it == s->replicas.end()) continue;
        if (it->second == "CREATION_FAILED") {
          return fail("the replica of " + t.name + " in " + t.regions[i] +
                      " failed to be created (CREATION_FAILED)");
        }
        status += ", " + t.regions[i] + " " + it->second;
      }
    } else {
      // Right after CreateTable a table may not be visible yet, and a
      // throttled poll is worth another: only the deadline ends the wait.
      status = r.message;
    }
    const auto now = Steady::now();
    const auto elapsed = std::chrono::duration_cast<core::Duration>(now - start);
    if (now >= deadline) {
      return fail(t.name + ": " + what + " not ACTIVE after " +
                  core::format_duration(plan_.wait_timeout) + " (" + status + ")");
    }
    if (status != last_status || now - last_said >= kProgressEvery) {
      say(t.name + ": waiting for " + what + ": " + status + " (" + core::format_duration(elapsed) +
          ")");
      last_status = status;
      last_said = now;
    }
    std::this_thread::sleep_for(std::min<Steady::duration>(pause, deadline - Steady::now()));
    pause = std::min(pause * 2, plan_.poll_interval);
  }
}

bool Runner::execute(const Inspection& in) {
  const TableSpec& t = *in.spec;
  const std::string& home = t.regions.front();
  auto active = [](const TableState& s) { return s.status == "ACTIVE"; };
  last_state_.reset();

  if (!in.state) {
    say(t.name + ": creating the table in " + home);
    DynamoResult r =
        call_(home, "CreateTable", create_table_request(t.name, t.hash_key, t.range_key));
    if (r.ok) {
      ++changes_;
    } else if (r.error_code == "ResourceInUseException") {
      say(t.name + ": someone else is creating it already");
    } else {
      return fail("cannot create table " + t.name + " in " + home + ": " + r.message);
    }
    if (!wait_for(t, "table in " + home, active)) return false;
  } else if (in.enable_stream || !in.add_replicas.empty()) {
    if (!wait_for(t, "table in " + home, active)) return false;
  }

  if (in.enable_stream) {
    say(t.name + ": enabling its stream (" + kStreamView + ")");
    DynamoResult r = call_(
        home, "UpdateTable",
        {{"TableName", t.name},
         {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", kStreamView}}}});
    if (!r.ok) return fail("cannot enable the stream of " + t.name + ": " + r.message);
    ++changes_;
    if (!wait_for(t, "table in " + home, active)) return false;
  }

  // One replica at a time: DynamoDB refuses a second change while the
  // table is UPDATING.
  for (const std::string& region : in.add_replicas) {
    // Replicas that appeared since the first look (created along with the
    // table by a replicating endpoint, or by someone else) are not asked for
    // again.
    if (last_state_ && last_state_->replicas.count(region)) {
      say(t.name + ": the replica in " + region + " exists already");
      continue;
    }
    say(t.name + ": adding a replica in " + region);
    DynamoResult r =
        call_(home, "UpdateTable",
              {{"TableName", t.name},
               {"ReplicaUpdates", json::array({{{"Create", {{"RegionName", region}}}}})}});
    if (!r.ok)
      return fail("cannot add a replica of " + t.name + " in " + region + ": " + r.message);
    ++changes_;
    auto replica_active = [&region](const TableState& s) {
      auto it = s.replicas.find(region);
      return s.status == "ACTIVE" && it != s.replicas.end() && it->second == "ACTIVE";
    };
    if (!wait_for(t, "replica in " + region, replica_active)) return false;
  }

  if (!wait_for(t, "table and replicas",
                [&](const TableState& s) { return replicas_active(t, s); }))
    return false;

  if (in.write_sentinel || in.sentinel_later) {
    std::optional<bool> present = sentinel_in_place(t);
    if (!present) return false;
    if (*present) {
      say(t.name + ": the sentinel item is already in place");
    } else {
      say(t.name + ": writing the sentinel item " + sentinel_key_text(t));
      DynamoResult r = call_(home, "PutItem", {{"TableName", t.name}, {"Item", t.sentinel}});
      if (!r.ok) return fail("cannot write the sentinel item of " + t.name + ": " + r.message);
      ++changes_;
    }
  }
  return true;
}

}  // namespace

std::string validate_plan(const BootstrapPlan& plan) {
  std::set<std::string> regions;
  for (const RegionSpec& r : plan.regions) {
    if (r.region.empty()) return "a data region has no AWS region name";
    if (!regions.insert(r.region).second) return "region " + r.region + " is listed twice";
  }
  if (plan.poll_interval <= core::Duration::zero() || plan.wait_timeout <= core::Duration::zero()) {
    return "the poll interval and the wait timeout must be positive";
  }
  std::set<std::string> names;
  for (const TableSpec& t : plan.tables) {
    if (!valid_table_name(t.name)) {
      return "'" + t.name + "' is not a DynamoDB table name (3 to 255 of a-z A-Z 0-9 _ - .)";
    }
    if (!names.insert(t.name).second) return "table " + t.name + " is listed twice";
    // A table without a key schema can be waited for and given replicas,
    // not created and not given a sentinel item.
    if (t.hash_key.name.empty() && (t.range_key || !t.sentinel.is_null())) {
      return "table " + t.name + " has a range key or a sentinel item but no hash key";
    }
    if ((!t.hash_key.name.empty() && !valid_key_type(t.hash_key.type)) ||
        (t.range_key && !valid_key_type(t.range_key->type))) {
      return "table " + t.name + ": key attribute types are S, N or B";
    }
    if (t.range_key && (t.range_key->name.empty() || t.range_key->name == t.hash_key.name)) {
      return "table " + t.name + ": the range key needs its own name";
    }
    if (t.regions.empty()) return "table " + t.name + " names no region";
    std::set<std::string> seen;
    for (const std::string& r : t.regions) {
      if (!regions.count(r)) return "table " + t.name + ": region " + r + " is not a data region";
      if (!seen.insert(r).second) return "table " + t.name + ": region " + r + " is listed twice";
    }
    if (std::string e = validate_sentinel(t); !e.empty()) return e;
  }
  return "";
}

BootstrapResult bootstrap_dynamodb(const BootstrapPlan& plan, const DynamoCall& call,
                                   const BootstrapOutput& out) {
  if (std::string e = validate_plan(plan); !e.empty()) {
    BootstrapResult r;
    r.error = e;
    return r;
  }
  return Runner(plan, call, out).run();
}

DynamoCall make_regional_call(std::vector<RegionSpec> regions,
                              std::shared_ptr<CredentialSource> credentials, DynamoOptions options,
                              std::uint64_t seed) {
  struct Shared {
    std::vector<RegionSpec> regions;
    std::shared_ptr<CredentialSource> credentials;
    DynamoOptions options;
    std::uint64_t seed = 0;
    std::mutex mutex;
    std::map<std::string, std::unique_ptr<DynamoClient>> clients;
  };
  auto shared = std::make_shared<Shared>();
  shared->regions = std::move(regions);
  shared->credentials = std::move(credentials);
  shared->options = std::move(options);
  shared->seed = seed;
  return [shared](const std::string& region, const std::string& operation,
                  const json& request) -> DynamoResult {
    DynamoClient* client = nullptr;
    {
      std::lock_guard<std::mutex> lock(shared->mutex);
      auto& slot = shared->clients[region];
      if (!slot) {
        auto spec = std::find_if(shared->regions.begin(), shared->regions.end(),
                                 [&region](const RegionSpec& r) { return r.region == region; });
        DynamoResult fail;
        if (spec == shared->regions.end()) {
          fail.message = "region " + region + " is not a data region";
          return fail;
        }
        DynamoOptions o = shared->options;
        o.region = spec->region;
        o.endpoint = spec->endpoint;
        try {
          slot = std::make_unique<DynamoClient>(o, shared->credentials,
                                                shared->seed + shared->clients.size());
        } catch (const std::invalid_argument& e) {
          fail.message = "region " + region + ": " + e.what();
          return fail;
        }
      }
      client = slot.get();
    }
    return client->call(operation, request);
  };
}

}  // namespace drpilot::aws
