// The JSON text writer: what it writes parses back to what was given, with
// every string escaped and bytes that are not UTF-8 replaced.

#include "api/json_text.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace drpilot::api {
namespace {

using nlohmann::json;

TEST(JsonText, NestedObjectsAndArraysGetTheirCommas) {
  JsonText w;
  w.begin_object();
  w.key("a").value(1);
  w.key("b").begin_array().value("x").value(true).null().begin_object().end_object().end_array();
  w.key("c").begin_object().key("d").value(std::uint64_t{18446744073709551615ULL}).end_object();
  w.key("e").raw(R"({"f":[1,2]})");
  w.key("g").value(std::int64_t{-7});
  w.end_object();
  EXPECT_EQ(
      w.text(),
      R"({"a":1,"b":["x",true,null,{}],"c":{"d":18446744073709551615},"e":{"f":[1,2]},"g":-7})");
  EXPECT_NO_THROW((void)json::parse(w.text()));
}

TEST(JsonText, StringsAreEscaped) {
  const std::string tricky = "quote \" backslash \\ newline \n tab \t nul " + std::string(1, '\0') +
                             " bell \x07 del \x7f é ✓ 😀";
  JsonText w;
  w.begin_array().value(tricky).end_array();
  json back = json::parse(w.text());
  EXPECT_EQ(back[0].get<std::string>(), tricky);
  EXPECT_EQ(w.text().find('\n'), std::string::npos) << "a raw newline in the text";
}

TEST(JsonText, BytesThatAreNotUtf8AreReplaced) {
  for (const std::string& bad :
       {std::string("\xff"), std::string("a\xc3"), std::string("\xc0\x80"),
        std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"), std::string("\x80x")}) {
    JsonText w;
    w.begin_array().value(bad).end_array();
    json back = json::parse(w.text());  // throws on invalid UTF-8
    EXPECT_NE(back[0].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos)
        << "for " << json(bad).dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

TEST(JsonText, KeysAreEscapedLikeValues) {
  JsonText w;
  w.begin_object().key("k\"ey\n").value("v").end_object();
  EXPECT_EQ(json::parse(w.text()).begin().key(), "k\"ey\n");
}

}  // namespace
}  // namespace drpilot::api
