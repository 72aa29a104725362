// SigV4 against the examples AWS publishes (the sig-v4 test suite's
// get-vanilla and post-sts-header-after) and the canonicalisation rules one by
// one. tests/aws/botocore_test.cpp compares with botocore on generated requests.

#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include "net/crypto.h"

namespace drpilot::aws {
namespace {

constexpr const char* kEmptyHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// The suite's credentials, time, region and service.
Credentials example_credentials(std::string token = "") {
  Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  c.session_token = std::move(token);
  c.source = "test";
  return c;
}

SigningParams example_params() {
  return {"us-east-1", "service", core::from_ms(1440938160000)};  // 20150830T123600Z
}

SignableRequest vanilla(const std::string& method = "GET") {
  SignableRequest r;
  r.method = method;
  r.path = "/";
  r.headers = {{"Host", "example.amazonaws.com"}};
  return r;
}

// The line of the canonical request that holds `name`'s canonical header.
std::string header_line(const Signature& s, const std::string& name) {
  const std::string& c = s.canonical_request;
  const std::size_t at = c.find("\n" + name + ":");
  if (at == std::string::npos) return "";
  const std::size_t end = c.find('\n', at + 1);
  return c.substr(at + 1, end - at - 1);
}

std::string signed_headers(const Signature& s) {
  const std::string& a = s.authorization;
  const std::size_t at = a.find("SignedHeaders=") + 14;
  return a.substr(at, a.find(',', at) - at);
}

TEST(SigV4, GetVanillaMatchesThePublishedExample) {
  const Signature s = sign(vanilla(), example_credentials(), example_params());
  EXPECT_EQ(s.amz_date, "20150830T123600Z");
  EXPECT_EQ(s.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n" +
                std::string(kEmptyHash));
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(s.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  ASSERT_EQ(s.extra_headers.size(), 1u);
  EXPECT_EQ(s.extra_headers[0].first, "X-Amz-Date");
  EXPECT_EQ(s.extra_headers[0].second, "20150830T123600Z");
}

TEST(SigV4, SessionTokenIsSignedAndAddedAsInPostStsHeaderAfter) {
  const std::string token =
      "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSP"
      "fIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/"
      "kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7"
      "WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+"
      "scqKmlzm8"
      "FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
  const Signature s = sign(vanilla("POST"), example_credentials(token), example_params());
  EXPECT_EQ(s.signature, "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
  EXPECT_EQ(signed_headers(s), "host;x-amz-date;x-amz-security-token");
  EXPECT_EQ(header_line(s, "x-amz-security-token"), "x-amz-security-token:" + token);
  ASSERT_EQ(s.extra_headers.size(), 2u);
  EXPECT_EQ(s.extra_headers[1].first, "X-Amz-Security-Token");
  EXPECT_EQ(s.extra_headers[1].second, token);

  // A token header the caller left in the request is the one sign() adds.
  SignableRequest with_old = vanilla("POST");
  with_old.headers.push_back({"x-amz-security-token", "stale"});
  EXPECT_EQ(sign(with_old, example_credentials(token), example_params()).signature, s.signature);
}

TEST(SigV4, HeaderNamesAreLowerCasedSortedAndValuesTrimmedAndCollapsed) {
  SignableRequest r = vanilla();
  r.headers = {{"X-Zeta", "  z  "},
               {"HOST", "  example.amazonaws.com "},
               {"My-Header1", "  a   b \t  c  "},
               {"Content-Type", "application/x-amz-json-1.0"}};
  const Signature s = sign(r, example_credentials(), example_params());
  EXPECT_EQ(s.canonical_request,
            "GET\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:example.amazonaws.com\n"
            "my-header1:a b c\nx-amz-date:20150830T123600Z\nx-zeta:z\n\n"
            "content-type;host;my-header1;x-amz-date;x-zeta\n" +
                std::string(kEmptyHash));
  EXPECT_EQ(canonical_header_value("\t lead and trail \t"), "lead and trail");
  EXPECT_EQ(canonical_header_value("   "), "");
  EXPECT_EQ(canonical_header_value("\"a   b   c\""), "\"a b c\"");
}

TEST(SigV4, RepeatedHeadersAreJoinedWithCommasInTheOrderGiven) {
  // The suite's get-header-key-duplicate, with the names in mixed case.
  SignableRequest r = vanilla();
  r.headers.push_back({"My-Header1", "value2"});
  r.headers.push_back({"my-header1", "value2"});
  r.headers.push_back({"MY-HEADER1", " value1 "});
  const Signature s = sign(r, example_credentials(), example_params());
  EXPECT_EQ(header_line(s, "my-header1"), "my-header1:value2,value2,value1");
  EXPECT_EQ(signed_headers(s), "host;my-header1;x-amz-date");
}

TEST(SigV4, AuthorizationIsNeverSignedAndAGivenDateIsReplaced) {
  SignableRequest r = vanilla();
  r.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 old"});
  r.headers.push_back({"X-Amz-Date", "19990101T000000Z"});
  const Signature s = sign(r, example_credentials(), example_params());
  EXPECT_EQ(s.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, PayloadHashIsTheSha256OfTheBytesSent) {
  SignableRequest r = vanilla("POST");
  r.payload = "{\"TableName\": \"orders\"}";
  const Signature s = sign(r, example_credentials(), example_params());
  const std::string expected = net::to_hex(net::sha256(r.payload));
  EXPECT_EQ(s.canonical_request.substr(s.canonical_request.rfind('\n') + 1), expected);
  EXPECT_NE(expected, kEmptyHash);
  // Binary payloads, NUL bytes included, are hashed as they are.
  r.payload = std::string("\0\x01\xff", 3);
  const Signature b = sign(r, example_credentials(), example_params());
  EXPECT_EQ(b.canonical_request.substr(b.canonical_request.rfind('\n') + 1),
            net::to_hex(net::sha256(r.payload)));
}

TEST(SigV4, CredentialScopeNamesDateRegionAndService) {
  const Signature s = sign(vanilla(), example_credentials(),
                           {"eu-west-1", "dynamodb", core::from_ms(1767225599000)});
  EXPECT_EQ(s.amz_date, "20251231T235959Z");
  EXPECT_NE(s.string_to_sign.find("\n20251231/eu-west-1/dynamodb/aws4_request\n"),
            std::string::npos);
  EXPECT_NE(
      s.authorization.find("Credential=AKIDEXAMPLE/20251231/eu-west-1/dynamodb/aws4_request,"),
      std::string::npos);
}

TEST(SigV4, EveryInputChangesTheSignature) {
  const std::string base = sign(vanilla(), example_credentials(), example_params()).signature;
  Credentials other_secret = example_credentials();
  other_secret.secret_access_key += "x";
  EXPECT_NE(sign(vanilla(), other_secret, example_params()).signature, base);
  SigningParams other_region = example_params();
  other_region.region = "us-west-2";
  EXPECT_NE(sign(vanilla(), example_credentials(), other_region).signature, base);
  SigningParams later = example_params();
  later.when += core::Duration{1000};
  EXPECT_NE(sign(vanilla(), example_credentials(), later).signature, base);
  SignableRequest body = vanilla();
  body.payload = "x";
  EXPECT_NE(sign(body, example_credentials(), example_params()).signature, base);
  SignableRequest header = vanilla();
  header.headers.push_back({"X-Amz-Target", "DynamoDB_20120810.ListTables"});
  EXPECT_NE(sign(header, example_credentials(), example_params()).signature, base);
  // The method is upper-cased: "get" is GET.
  EXPECT_EQ(sign(vanilla("get"), example_credentials(), example_params()).signature, base);
}

TEST(SigV4, CanonicalUri) {
  EXPECT_EQ(canonical_uri(""), "/");
  EXPECT_EQ(canonical_uri("/"), "/");
  EXPECT_EQ(canonical_uri("/a/./b/../c//d"), "/a/c/d");
  EXPECT_EQ(canonical_uri("/example/.."), "/");
  EXPECT_EQ(canonical_uri("/a/"), "/a/");
  EXPECT_EQ(canonical_uri("/a b"), "/a%20b");
  EXPECT_EQ(canonical_uri("/a%20b"), "/a%2520b");  // encoded twice, as every service but S3
  EXPECT_EQ(canonical_uri("/-._~"), "/-._~");
  EXPECT_EQ(canonical_uri("/\xe1\x88\xb4"), "/%E1%88%B4");
}

TEST(SigV4, CanonicalQuery) {
  EXPECT_EQ(canonical_query(""), "");
  EXPECT_EQ(canonical_query("Param2=value2&Param1=value1"), "Param1=value1&Param2=value2");
  EXPECT_EQ(canonical_query("Param1=value2&Param1=Value1"), "Param1=Value1&Param1=value2");
  EXPECT_EQ(canonical_query("b=2&a"), "a=&b=2");
  EXPECT_EQ(canonical_query("a+b=c d"), "a%2Bb=c%20d");
  EXPECT_EQ(canonical_query("k=%e1%88%b4"), "k=%E1%88%B4");
  EXPECT_EQ(canonical_query("k=100%"), "k=100%25");
  EXPECT_EQ(canonical_query("&&a=1&&"), "a=1");
  EXPECT_EQ(uri_encode("a/b c", true), "a%2Fb%20c");
  EXPECT_EQ(uri_encode("a/b c", false), "a/b%20c");
}

TEST(SigV4, AmzDate) {
  EXPECT_EQ(amz_date(core::from_ms(0)), "19700101T000000Z");
  EXPECT_EQ(amz_date(core::from_ms(1440938160999)), "20150830T123600Z");
  EXPECT_EQ(amz_date(core::from_ms(2051222399000)), "20341231T235959Z");
}

}  // namespace
}  // namespace drpilot::aws
