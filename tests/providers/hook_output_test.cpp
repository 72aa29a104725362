// Cleaning what hooks print: secrets, control characters, UTF-8, the cap.

#include "providers/hook_output.h"

#include <gtest/gtest.h>

namespace drpilot::providers {
namespace {

struct Case {
  const char* name;
  std::string raw;
  std::vector<std::string> secrets;
  std::string want;
};

class CleanOutput : public ::testing::TestWithParam<Case> {};

TEST_P(CleanOutput, Table) {
  EXPECT_EQ(clean_output(GetParam().raw, GetParam().secrets), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Table, CleanOutput,
    ::testing::Values(Case{"plain", "ok: 3 records\n", {}, "ok: 3 records\n"},
                      Case{"tabs_and_newlines_kept", "a\tb\nc", {}, "a\tb\nc"},
                      Case{"nul", std::string("a\0b", 3), {}, "a?b"},
                      Case{"escape_sequence", "\x1b[31mred", {}, "?[31mred"},
                      Case{"carriage_return_and_del", "a\rb\x7f", {}, "a?b?"},
                      Case{"utf8_kept",
                           "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                           {},
                           "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
                      Case{"invalid_byte",
                           "a\xff"
                           "b",
                           {},
                           "a?b"},
                      Case{"overlong", "\xc0\xaf", {}, "??"},
                      Case{"surrogate", "\xed\xa0\x80", {}, "???"},
                      Case{"truncated_sequence", "a\xe2\x82", {}, "a??"},
                      Case{
                          "secret", "key=abcdefghijklmnop!", {"abcdefghijklmnop"}, "key=[secret]!"},
                      Case{"secret_twice", "xSx Sx", {"S"}, "x[secret]x [secret]x"},
                      Case{"empty_secret_ignored", "abc", {""}, "abc"},
                      Case{"secret_with_control_bytes",
                           std::string("a\0zz", 4),
                           {std::string("\0z", 2)},
                           "a[secret]z"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(OutputCapture, KeepsTheCapAndCountsTheRest) {
  OutputCapture c(4);
  c.append("abcdef");
  c.append("gh");
  EXPECT_EQ(c.total(), 8u);
  EXPECT_EQ(c.text({}), "abcd... (4 more bytes)");
}

TEST(OutputCapture, NothingLeftOutMeansNoNote) {
  OutputCapture c(4);
  c.append("ab");
  c.append("cd");
  EXPECT_EQ(c.text({}), "abcd");
}

// A secret that starts before the cap and ends after it is not half shown.
TEST(OutputCapture, ASecretAcrossTheCapIsScrubbedWhole) {
  const std::string secret = "0123456789abcdef";
  OutputCapture c(8, secret.size());
  c.append("abcd" + secret + "tail");
  EXPECT_EQ(c.text({secret}), "abcd[sec... (16 more bytes)");
  EXPECT_EQ(c.text({secret}).find("0123"), std::string::npos);
}

}  // namespace
}  // namespace drpilot::providers
