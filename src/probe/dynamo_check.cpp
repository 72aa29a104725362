#include "probe/dynamo_check.h"

#include <chrono>

#include "aws/dynamo_reply.h"
#include "aws/dynamodb.h"
#include "aws/table_state.h"
#include "net/loop.h"
#include "net/work_queue.h"

namespace drpilot::probe {

using nlohmann::json;

namespace {

// A string from the reply, on one line and bounded: it goes into details
// that status and logs print as one line.
std::string string_at(const json& j, const char* key) {
  return aws::one_line(aws::string_at(j, key), 80);
}

CheckOutcome failed(std::string detail) {
  CheckOutcome o;
  o.ok = false;
  o.detail = std::move(detail);
  return o;
}

// The message names the region, the credentials' source and the request.
CheckOutcome inconclusive(const aws::DynamoResult& r) {
  CheckOutcome o = failed(r.message);
  o.inconclusive = true;
  return o;
}

}  // namespace

CheckOutcome judge_describe(const aws::DynamoResult& r, const std::string& table) {
  if (r.credential_failure) return inconclusive(r);
  if (!r.ok) return failed("DescribeTable " + table + ": " + r.message);
  const json* t = nullptr;
  if (r.body.is_object()) {
    auto it = r.body.find("Table");
    if (it != r.body.end() && it->is_object()) t = &*it;
  }
  if (!t) return failed("DescribeTable " + table + ": the reply has no Table object");
  const std::string status = string_at(*t, "TableStatus");
  if (status.empty()) return failed("DescribeTable " + table + ": the reply has no TableStatus");
  if (status != "ACTIVE") return failed("table " + table + " is " + status + ", not ACTIVE");
  std::string replicas;
  auto list = t->find("Replicas");
  if (list != t->end() && !list->is_array()) {
    return failed("DescribeTable " + table + ": Replicas is not a list");
  }
  if (list != t->end()) {
    for (const json& rep : *list) {
      const std::string name = string_at(rep, "RegionName");
      const std::string rs = string_at(rep, "ReplicaStatus");
      if (name.empty()) return failed("DescribeTable " + table + ": a replica has no RegionName");
      // CREATING, UPDATING, DELETING, REGION_DISABLED, INACCESSIBLE_ENCRYPTION_CREDENTIALS,
      // ARCHIVING, ... and whatever AWS adds: only ACTIVE is healthy.
      if (rs != "ACTIVE") {
        return failed("table " + table + ": replica " + name + " is " +
                      (rs.empty() ? std::string("of unknown status") : rs) + ", not ACTIVE");
      }
      replicas += (replicas.empty() ? "" : ", ") + name + " ACTIVE";
    }
  }
  CheckOutcome o;
  o.ok = true;
  o.detail = "table " + table + " ACTIVE";
  if (!replicas.empty()) o.detail += ", replicas " + replicas;
  const std::string version = string_at(*t, "GlobalTableVersion");
  if (!version.empty()) o.detail += " (global table version " + version + ")";
  return o;
}

CheckOutcome judge_sentinel(const aws::DynamoResult& r, const std::string& table) {
  if (r.credential_failure) return inconclusive(r);
  if (!r.ok) return failed("GetItem " + table + ": " + r.message);
  if (!r.body.is_object()) return failed("GetItem " + table + ": the reply is not an object");
  auto item = r.body.find("Item");
  if (item == r.body.end()) return failed("the sentinel item in " + table + " is missing");
  if (!item->is_object()) return failed("GetItem " + table + ": Item is not an object");
  CheckOutcome o;
  o.ok = true;
  o.detail = "sentinel item in " + table + " read";
  return o;
}

DataProbe::DataProbe(std::shared_ptr<aws::CredentialSource> credentials, std::uint64_t seed)
    : credentials_(std::move(credentials)), seed_(seed) {}

DataProbe::~DataProbe() {
  *alive_ = false;
  std::lock_guard lock(mutex_);
  workers_.clear();  // joins: a check in progress ends within its timeout
}

void DataProbe::run(net::Loop& loop, const ProbeTarget& t, std::function<void(CheckOutcome)> done) {
  std::lock_guard lock(mutex_);
  auto& worker = workers_[t.site];
  if (!worker) worker = std::make_unique<net::WorkQueue>();
  aws::DynamoOptions o;
  o.region = t.region;
  o.endpoint = t.address;
  o.timeout = t.check->timeout;
  o.connect_timeout = t.check->connect_timeout;
  // One attempt: hysteresis (rise/fall) is the retry of a health check.
  o.max_attempts = 1;
  o.tls_verify = t.check->tls_verify;
  const std::shared_ptr<const config::CheckConfig> check = t.check;
  const std::uint64_t seed = seed_++;
  worker->push([&loop, o, check, seed, creds = credentials_, alive = alive_,
                done = std::move(done)]() mutable {
    const auto start = std::chrono::steady_clock::now();
    CheckOutcome out;
    try {
      aws::DynamoClient client(o, creds, seed);
      if (check->operation == config::DynamoCheck::sentinel) {
        json key = json::parse(check->key_json, nullptr, false);
        out = judge_sentinel(
            client.call("GetItem",
                        {{"TableName", check->table}, {"Key", key}, {"ConsistentRead", true}}),
            check->table);
      } else {
        out = judge_describe(client.call("DescribeTable", {{"TableName", check->table}}),
                             check->table);
      }
    } catch (const std::exception& e) {
      out = failed(e.what());
    }
    out.latency =
        std::chrono::duration_cast<core::Duration>(std::chrono::steady_clock::now() - start);
    // The check loop outlives the probe (the controller stops the loops
    // first), so posting to it while alive is safe.
    if (!*alive) return;
    loop.post([alive, done = std::move(done), out = std::move(out)] {
      if (*alive) done(out);
    });
  });
}

std::function<void(net::Loop&, const ProbeTarget&, std::function<void(CheckOutcome)>)>
DataProbe::runner() {
  return [this](net::Loop& loop, const ProbeTarget& t, std::function<void(CheckOutcome)> done) {
    if (t.check->kind == config::CheckKind::dynamodb) {
      run(loop, t, std::move(done));
    } else {
      run_check(loop, t, std::move(done));
    }
  };
}

}  // namespace drpilot::probe
