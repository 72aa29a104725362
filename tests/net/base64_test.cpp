#include "net/base64.h"

#include <gtest/gtest.h>

#include <random>

namespace drpilot::net {
namespace {

TEST(Base64, KnownVectorsOfRfc4648) {
  const std::pair<const char*, const char*> v[] = {{"", ""},
                                                   {"f", "Zg=="},
                                                   {"fo", "Zm8="},
                                                   {"foo", "Zm9v"},
                                                   {"foob", "Zm9vYg=="},
                                                   {"fooba", "Zm9vYmE="},
                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : v) {
    EXPECT_EQ(base64_encode(plain), coded);
    EXPECT_EQ(base64_decode(coded), std::optional<std::string>(plain));
  }
}

TEST(Base64, EveryByteStringRoundTrips) {
  std::mt19937 rng(7);
  for (int n = 0; n < 300; ++n) {
    std::string bytes(n % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    EXPECT_EQ(base64_decode(base64_encode(bytes)), std::optional<std::string>(bytes));
  }
}

TEST(Base64, OnlyCanonicalTextIsAccepted) {
  for (const char* bad :
       {"Zg", "Zg=", "Z===", "Zm9v!", "Zm=v", "Zh==", "Zm9=", "=Zm9", "Zm 9v", "Zm9vYg==Zm9v"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace drpilot::net
