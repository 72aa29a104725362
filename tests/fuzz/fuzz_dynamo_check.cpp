// Fuzz target for the data-region checks' judgement of DynamoDB's replies:
// probe::judge_describe (DescribeTable) and probe::judge_sentinel (GetItem)
// over any result the client can return. They live with the probe's worker
// threads, which need Asio, so this target has no libFuzzer build: the
// regular build replays the corpus and then mutates it (mutate_main.cpp).
//
// Input: OK \n BODY
//   OK: "ok" for a successful call (the body is the reply), else the
//       failure's message (the body is the error body, if any); a message
//       starting "refused" is a credential failure (AWS refused the
//       credentials, or there were none to sign with).
//
// Invariants (violations trap):
//  - nothing throws, and every outcome says something;
//  - a failed call is never a healthy check;
//  - a credential failure, and only that, is inconclusive (never a plain
//    failure that would count towards down);
//  - describe passes only for an ACTIVE table whose replicas, if listed,
//    all have a name and are ACTIVE; sentinel only for an Item object.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aws/dynamo_reply.h"
#include "aws/dynamodb.h"
#include "fuzz_input.h"
#include "probe/dynamo_check.h"

namespace {

using namespace drpilot;
using nlohmann::json;

bool healthy_table(const json& body) {
  if (!body.is_object() || !body.contains("Table") || !body["Table"].is_object()) return false;
  const json& t = body["Table"];
  if (!t.contains("TableStatus") || t["TableStatus"] != "ACTIVE") return false;
  if (!t.contains("Replicas")) return true;
  if (!t["Replicas"].is_array()) return false;
  for (const json& r : t["Replicas"]) {
    if (!r.is_object() || !r.contains("RegionName") || !r["RegionName"].is_string() ||
        r["RegionName"].get<std::string>().empty() || !r.contains("ReplicaStatus") ||
        r["ReplicaStatus"] != "ACTIVE") {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string ok = fuzz::next_line(in);
  const std::string text(in);
  if (!aws::json_nesting_within(text, 128)) return 0;  // the client refuses these
  aws::DynamoResult r;
  r.ok = ok == "ok";
  r.message = r.ok ? "" : ok;
  r.credential_failure = !r.ok && ok.rfind("refused", 0) == 0;
  r.body = json::parse(text, nullptr, false);
  if (r.body.is_discarded()) r.body = json();
  if (r.ok && !r.body.is_object()) return 0;  // the client only succeeds with an object
  r.http_status = r.ok ? 200 : 400;
  r.attempts = 1;

  try {
    const probe::CheckOutcome describe = probe::judge_describe(r, "orders");
    FUZZ_CHECK(!describe.detail.empty());
    FUZZ_CHECK(describe.ok == (r.ok && healthy_table(r.body)));
    FUZZ_CHECK(describe.inconclusive == r.credential_failure);

    const probe::CheckOutcome sentinel = probe::judge_sentinel(r, "orders");
    FUZZ_CHECK(!sentinel.detail.empty());
    FUZZ_CHECK(sentinel.ok == (r.ok && r.body.contains("Item") && r.body["Item"].is_object()));
    FUZZ_CHECK(sentinel.inconclusive == r.credential_failure);
  } catch (...) {
    FUZZ_CHECK(!"a dynamodb check's judgement threw");
  }
  return 0;
}
