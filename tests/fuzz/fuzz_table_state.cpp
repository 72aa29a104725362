// libFuzzer target for DescribeTable's reply as bootstrap reads it:
// aws::parse_table_state over any JSON value (the client has already
// refused what is not JSON), with not_active_reason and describe_key.
//
// Invariants (violations trap):
//  - nothing throws; a refusal always says why;
//  - an accepted table has a status and a hash key;
//  - it is reported healthy exactly when the table and every replica are
//    ACTIVE;
//  - the key schema CreateTable would be sent reads back the same.

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "aws/dynamo_reply.h"
#include "aws/table_state.h"
#include "fuzz_input.h"

namespace {

using namespace drpilot;
using nlohmann::json;

bool same_key(const aws::KeyAttribute& a, const aws::KeyAttribute& b) {
  return a.name == b.name && a.type == b.type;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // As the client does: no parse of what nests deeper than a reply can.
  if (!aws::json_nesting_within(text, 128)) return 0;
  const json reply = json::parse(text, nullptr, false);
  if (reply.is_discarded()) return 0;

  std::string error;
  std::optional<aws::TableState> s;
  try {
    s = aws::parse_table_state(reply, error);
  } catch (...) {
    FUZZ_CHECK(!"parse_table_state threw");
  }
  if (!s) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  FUZZ_CHECK(!s->status.empty() && !s->hash_key.name.empty());
  bool all_active = s->status == "ACTIVE";
  for (const auto& [region, status] : s->replicas) {
    FUZZ_CHECK(!region.empty());
    all_active = all_active && status == "ACTIVE";
  }
  FUZZ_CHECK(aws::not_active_reason(*s).empty() == all_active);
  FUZZ_CHECK(!aws::describe_key(s->hash_key, s->range_key).empty());

  // Two key attributes of one name cannot have two types: skip that case.
  if (s->range_key && s->range_key->name == s->hash_key.name) return 0;
  json request = aws::create_table_request("t", s->hash_key, s->range_key);
  request["TableStatus"] = s->status;
  std::string again_error;
  const std::optional<aws::TableState> again =
      aws::parse_table_state(json{{"Table", request}}, again_error);
  FUZZ_CHECK(again && same_key(again->hash_key, s->hash_key));
  FUZZ_CHECK(again->range_key.has_value() == s->range_key.has_value());
  if (again->range_key) FUZZ_CHECK(same_key(*again->range_key, *s->range_key));
  FUZZ_CHECK(again->stream_enabled && again->stream_view_type == "NEW_AND_OLD_IMAGES");
  return 0;
}
