// The scalar value parsers used by the configuration loader.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config/values.h"

namespace drpilot::config {
namespace {

using core::Duration;

std::optional<Duration> duration(std::string_view s) {
  std::string error;
  auto d = parse_duration(s, error);
  if (d) {
    EXPECT_TRUE(error.empty()) << s;
  } else {
    EXPECT_FALSE(error.empty()) << "no message for '" << s << "'";
  }
  return d;
}

// ---------------------------------------------------------------- durations

TEST(ParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(duration("250ms"), Duration{250});
  EXPECT_EQ(duration("10s"), Duration{10'000});
  EXPECT_EQ(duration("5m"), Duration{300'000});
  EXPECT_EQ(duration("1h"), Duration{3'600'000});
  EXPECT_EQ(duration("0s"), Duration{0});
  EXPECT_EQ(duration("0ms"), Duration{0});
}

TEST(ParseDuration, AcceptsFractions) {
  EXPECT_EQ(duration("1.5s"), Duration{1500});
  EXPECT_EQ(duration("0.25s"), Duration{250});
  EXPECT_EQ(duration("1.5m"), Duration{90'000});
  EXPECT_EQ(duration("0.5h"), Duration{1'800'000});
}

TEST(ParseDuration, AcceptsCompoundValues) {
  EXPECT_EQ(duration("1h30m"), Duration{5'400'000});
  EXPECT_EQ(duration("2m30s"), Duration{150'000});
  EXPECT_EQ(duration("1s500ms"), Duration{1500});
  EXPECT_EQ(duration("1h1m1s1ms"), Duration{3'661'001});
}

TEST(ParseDuration, RefusesBareNumbers) {
  for (const char* s : {"5", "250", "0", "1.5", "10000"}) {
    EXPECT_FALSE(duration(s)) << s;
  }
}

TEST(ParseDuration, RefusesNegativeValues) {
  for (const char* s : {"-5s", "-1ms", "-0.5h", "1h-30m"}) {
    EXPECT_FALSE(duration(s)) << s;
  }
}

TEST(ParseDuration, RefusesGarbage) {
  for (const char* s : {"", "s", "ms", "5x", "5sec", "5 s", " 5s", "5s ", "1.2.3s", "1e3s", "5S",
                        "5MS", "five seconds", "+5s", "5s,", "0x10s", "1h30", ".", "..s"}) {
    EXPECT_FALSE(duration(s)) << "'" << s << "'";
  }
}

TEST(ParseDuration, RefusesOverflow) {
  EXPECT_FALSE(duration("9999999999999h"));
  EXPECT_FALSE(duration("99999999999999999999999999999999999999999999999999ms"));
  EXPECT_FALSE(duration(std::string(400, '9') + "s"));
  EXPECT_FALSE(duration("300000h300000h300000h300000h"));
}

TEST(ParseDuration, MessageNamesTheInputAndTheExpectedForm) {
  std::string error;
  EXPECT_FALSE(parse_duration("5", error));
  EXPECT_NE(error.find("'5'"), std::string::npos) << error;
  EXPECT_NE(error.find("250ms"), std::string::npos) << error;
}

// ---------------------------------------------------------------- endpoints

std::optional<Endpoint> endpoint(std::string_view s, bool allow_zero = false) {
  std::string error;
  auto e = parse_endpoint(s, allow_zero, error);
  if (!e) {
    EXPECT_FALSE(error.empty()) << "no message for '" << s << "'";
  }
  return e;
}

TEST(ParseEndpoint, AcceptsIpv4) {
  auto e = endpoint("127.0.0.1:5353");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 5353);
  EXPECT_EQ(e->to_string(), "127.0.0.1:5353");
}

TEST(ParseEndpoint, AcceptsBracketedIpv6) {
  auto e = endpoint("[::1]:53");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 53);
  EXPECT_EQ(e->to_string(), "[::1]:53");

  auto f = endpoint("[2001:db8::10]:8080");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->host, "2001:db8::10");
  EXPECT_EQ(f->port, 8080);
  EXPECT_EQ(f->to_string(), "[2001:db8::10]:8080");
}

TEST(ParseEndpoint, AcceptsPortBounds) {
  auto low = endpoint("10.0.0.1:1");
  ASSERT_TRUE(low);
  EXPECT_EQ(low->port, 1);
  auto high = endpoint("10.0.0.1:65535");
  ASSERT_TRUE(high);
  EXPECT_EQ(high->port, 65535);
}

TEST(ParseEndpoint, RefusesMissingPort) {
  for (const char* s : {"127.0.0.1", "127.0.0.1:", "[::1]", "[::1]:", "[::1]53", ":53", ""}) {
    EXPECT_FALSE(endpoint(s)) << "'" << s << "'";
  }
}

TEST(ParseEndpoint, PortZeroOnlyWhenAllowed) {
  EXPECT_FALSE(endpoint("127.0.0.1:0"));
  EXPECT_FALSE(endpoint("[::1]:0"));
  auto e = endpoint("127.0.0.1:0", true);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 0);
}

TEST(ParseEndpoint, RefusesPortsOutOfRange) {
  for (const char* s :
       {"127.0.0.1:65536", "127.0.0.1:99999", "127.0.0.1:4294967296", "127.0.0.1:-1",
        "127.0.0.1:+53", "127.0.0.1:53x", "127.0.0.1:5 3", "[::1]:65536"}) {
    EXPECT_FALSE(endpoint(s, true)) << s;
  }
  std::string error;
  EXPECT_FALSE(parse_endpoint("127.0.0.1:65536", false, error));
  EXPECT_NE(error.find("65536"), std::string::npos) << error;
  EXPECT_NE(error.find("1-65535"), std::string::npos) << error;
}

TEST(ParseEndpoint, RefusesHostNames) {
  std::string error;
  EXPECT_FALSE(parse_endpoint("localhost:53", false, error));
  EXPECT_NE(error.find("localhost"), std::string::npos) << error;
  EXPECT_NE(error.find("host name"), std::string::npos) << error;
  for (const char* s : {"example.com:80", "[example.com]:80", "[localhost]:53"}) {
    EXPECT_FALSE(endpoint(s)) << s;
  }
}

TEST(ParseEndpoint, RefusesMalformedAddresses) {
  for (const char* s :
       {"::1:53", "2001:db8::1:53", "[127.0.0.1]:53", "256.0.0.1:53", "1.2.3:53", "1.2.3.4.5:53",
        " 127.0.0.1:53", "[::1:53", "::1]:53", "[[::1]]:53", "[fe80::1%eth0]:53"}) {
    EXPECT_FALSE(endpoint(s)) << s;
  }
}

TEST(ParseEndpoint, RefusesEmbeddedNul) {
  using namespace std::string_literals;
  EXPECT_FALSE(endpoint("127.0.0.1\0evil:53"s));
  EXPECT_FALSE(endpoint("[::1\0evil]:53"s));
}

TEST(IpLiterals, RecogniseFamilies) {
  EXPECT_TRUE(is_ipv4("192.0.2.1"));
  EXPECT_FALSE(is_ipv4("::1"));
  EXPECT_FALSE(is_ipv4("192.0.2"));
  EXPECT_FALSE(is_ipv4("host"));
  EXPECT_FALSE(is_ipv4(""));
  EXPECT_TRUE(is_ipv6("::1"));
  EXPECT_TRUE(is_ipv6("2001:db8::1"));
  EXPECT_TRUE(is_ipv6("::ffff:192.0.2.1"));
  EXPECT_FALSE(is_ipv6("192.0.2.1"));
  EXPECT_FALSE(is_ipv6("[::1]"));
  EXPECT_FALSE(is_ipv6(""));
  EXPECT_FALSE(is_ipv4(std::string(100, '1')));
  EXPECT_FALSE(is_ipv6(std::string(100, ':')));
}

TEST(IpLiterals, RefuseEmbeddedNul) {
  using namespace std::string_literals;
  EXPECT_FALSE(is_ipv4("192.0.2.1\0junk"s));
  EXPECT_FALSE(is_ipv6("::1\0junk"s));
}

// ---------------------------------------------------------------- percent

TEST(ParsePercent, AcceptsWithAndWithoutSign) {
  std::string error;
  EXPECT_EQ(parse_percent("10%", error), 10);
  EXPECT_EQ(parse_percent("10", error), 10);
  EXPECT_EQ(parse_percent("0%", error), 0);
  EXPECT_EQ(parse_percent("50%", error), 50);
  EXPECT_EQ(parse_percent("100", error), 100);
}

TEST(ParsePercent, RefusesGarbage) {
  for (const char* s : {"", "%", "ten", "10%%", "%10", "1.5%", " 10", "10 %", "10x", "0x10",
                        "99999999999999999999%"}) {
    std::string error;
    EXPECT_FALSE(parse_percent(s, error)) << "'" << s << "'";
    EXPECT_NE(error.find("percentage"), std::string::npos) << error;
  }
}

// ---------------------------------------------------------------- DNS names

std::optional<std::string> dns(std::string_view s) {
  std::string error;
  auto n = normalize_dns_name(s, error);
  if (!n) {
    EXPECT_FALSE(error.empty()) << "no message for '" << s << "'";
  }
  return n;
}

std::string error_of(std::string_view s) {
  std::string error;
  EXPECT_FALSE(normalize_dns_name(s, error)) << s;
  return error;
}

TEST(NormalizeDnsName, LowerCasesAndDropsTrailingDot) {
  EXPECT_EQ(dns("WWW.Example.TEST."), "www.example.test");
  EXPECT_EQ(dns("example.test"), "example.test");
  EXPECT_EQ(dns("localhost"), "localhost");
  EXPECT_EQ(dns("_dmarc.Example.test"), "_dmarc.example.test");
  EXPECT_EQ(dns("a-b.123.test"), "a-b.123.test");
}

TEST(NormalizeDnsName, RefusesEmptyNamesAndLabels) {
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of(".").find("empty"), std::string::npos);
  for (const char* s : {"a..b", ".a", "a..", "..", "www..example.test", ".example.test."}) {
    EXPECT_NE(error_of(s).find("empty label"), std::string::npos) << s;
  }
}

TEST(NormalizeDnsName, LabelLengthLimitIs63) {
  const std::string l63(63, 'a'), l64(64, 'a');
  EXPECT_EQ(dns(l63 + ".test"), l63 + ".test");
  EXPECT_EQ(dns("x." + l63), "x." + l63);
  EXPECT_NE(error_of(l64 + ".test").find("longer than 63"), std::string::npos);
  EXPECT_NE(error_of("x." + l64).find("longer than 63"), std::string::npos);
  EXPECT_NE(error_of("x." + l64 + ".").find("longer than 63"), std::string::npos);
}

TEST(NormalizeDnsName, TotalLengthLimitIs253) {
  const std::string l63(63, 'a');
  const std::string n253 = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b');
  const std::string n254 = l63 + "." + l63 + "." + l63 + "." + std::string(62, 'b');
  ASSERT_EQ(n253.size(), 253u);
  ASSERT_EQ(n254.size(), 254u);
  EXPECT_EQ(dns(n253), n253);
  EXPECT_EQ(dns(n253 + "."), n253);
  EXPECT_NE(error_of(n254).find("253"), std::string::npos);
  EXPECT_NE(error_of(n254 + ".").find("253"), std::string::npos);
}

TEST(NormalizeDnsName, RefusesBadCharacters) {
  using namespace std::string_literals;
  for (std::string s : {"a b.test"s, "a/b.test"s, "*.example.test"s, "user@example.test"s,
                        "exa\xc3\xa9mple.test"s, "a:b"s, "a\tb"s, "nul\0.test"s, "a,b.test"s}) {
    std::string error = error_of(s);
    EXPECT_NE(error.find("only letters, digits"), std::string::npos) << s << ": " << error;
  }
}

// ---------------------------------------------------------------- identifiers

TEST(IsIdentifier, AcceptsLowerCaseNames) {
  for (const char* s : {"ams", "eu-west-1", "a_b", "0site", "a", "web2"}) {
    EXPECT_TRUE(is_identifier(s)) << s;
  }
  EXPECT_TRUE(is_identifier(std::string(63, 'a')));
}

TEST(IsIdentifier, RefusesEverythingElse) {
  for (const char* s : {"", "Ams", "AMS", "-ams", "_ams", "a.b", "a b", "a/b", "ams!", "é"}) {
    EXPECT_FALSE(is_identifier(s)) << "'" << s << "'";
  }
  EXPECT_FALSE(is_identifier(std::string(64, 'a')));
}

}  // namespace
}  // namespace drpilot::config
