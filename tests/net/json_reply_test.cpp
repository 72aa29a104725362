// JSON from the network: nesting bounded before parsing, errors named.

#include "net/json_reply.h"

#include <gtest/gtest.h>

namespace drpilot::net {
namespace {

TEST(JsonReply, ParsesOrdinaryJson) {
  std::string error;
  const nlohmann::json j = parse_json_reply(R"({"a": [1, {"b": "]]]"}]})", &error);
  ASSERT_FALSE(j.is_discarded()) << error;
  EXPECT_EQ(j["a"][1]["b"], "]]]");
}

TEST(JsonReply, NestingDeeperThanTheBoundIsRefusedBeforeParsing) {
  std::string error;
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_TRUE(parse_json_reply(deep, &error).is_discarded());
  EXPECT_EQ(error, "nested deeper than 64 levels");
  const std::string at_bound = std::string(64, '[') + std::string(64, ']');
  EXPECT_FALSE(parse_json_reply(at_bound, &error).is_discarded());
}

TEST(JsonReply, BracketsInsideStringsDoNotCount) {
  EXPECT_EQ(json_depth(R"({"a": "[[[[{{{{\"[[[["})"), 1);
  EXPECT_EQ(json_depth("[[[]]]", 2), 3);  // stops early once past the bound
}

TEST(JsonReply, InvalidJsonIsNamed) {
  std::string error;
  EXPECT_TRUE(parse_json_reply("{\"a\":", &error).is_discarded());
  EXPECT_EQ(error, "not valid JSON");
}

// The parser underneath stops at a NUL byte and would accept what came
// before it: `{"a":1}<NUL>anything` must not read as {"a":1}.
TEST(JsonReply, ANulByteMakesItInvalidWhereverItIs) {
  std::string error;
  const std::string trailing("{\"a\":1}\0{{{{", 11);
  EXPECT_TRUE(parse_json_reply(trailing, &error).is_discarded());
  EXPECT_EQ(error, "not valid JSON (a NUL byte)");
  const std::string inside("{\"a\":\"x\0y\"}", 12);
  EXPECT_TRUE(parse_json_reply(inside).is_discarded());
  EXPECT_FALSE(parse_json_reply(R"({"a":"x\u0000y"})").is_discarded()) << "an escaped NUL is JSON";
}

}  // namespace
}  // namespace drpilot::net
