// One DynamoDB reply, decided without a network: error codes from __type,
// messages from message/Message, the checksum, and every malformed shape.

#include "aws/dynamo_reply.h"

#include <gtest/gtest.h>

#include "aws/dynamodb.h"

namespace drpilot::aws {
namespace {

constexpr std::size_t kMax = 1024 * 1024;

net::ClientResult reply(int status, const std::string& body, bool checksum = true) {
  net::ClientResult r;
  r.ok = true;
  r.status = status;
  r.body = body;
  if (checksum) r.headers["x-amz-crc32"] = std::to_string(crc32(body));
  return r;
}

TEST(Crc32, KnownValues) {
  EXPECT_EQ(crc32(""), 0u);
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
  EXPECT_EQ(crc32(std::string("\0\0\0\0", 4)), 0x2144DF1Cu);
}

TEST(DynamoReply, SuccessIsTheJsonObject) {
  ReplyOutcome o = interpret_reply(reply(200, R"({"TableNames": ["a", "b"]})"), kMax);
  EXPECT_TRUE(o.ok);
  EXPECT_EQ(o.http_status, 200);
  EXPECT_EQ(o.body["TableNames"].size(), 2u);
  EXPECT_FALSE(o.retryable);
}

TEST(DynamoReply, ErrorCodeIsThePartOfTypeAfterTheHash) {
  ReplyOutcome o = interpret_reply(
      reply(400, R"({"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                     "message": "Requested resource not found"})"),
      kMax);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.error_code, "ResourceNotFoundException");
  EXPECT_EQ(o.detail, "ResourceNotFoundException: Requested resource not found");
  EXPECT_FALSE(o.retryable);
  EXPECT_EQ(o.body["message"], "Requested resource not found");

  // Message with a capital M (the coral services), no namespace, no message.
  o = interpret_reply(reply(400, R"({"__type": "com.amazon.coral.service#AccessDeniedException",
                                     "Message": "User is not authorized"})"),
                      kMax);
  EXPECT_EQ(o.detail, "AccessDeniedException: User is not authorized");
  o = interpret_reply(reply(400, R"({"__type": "ValidationException"})"), kMax);
  EXPECT_EQ(o.error_code, "ValidationException");
  EXPECT_EQ(o.detail, "ValidationException");
  // A namespace with several '#': the last part.
  o = interpret_reply(reply(400, R"({"__type": "a#b#ConditionalCheckFailedException"})"), kMax);
  EXPECT_EQ(o.error_code, "ConditionalCheckFailedException");
}

TEST(DynamoReply, RetryableIsFiveHundredsThrottlingAndTransientCodes) {
  struct Case {
    int status;
    const char* type;
    bool retryable, throttled;
  } cases[] = {
      {500, "com.amazonaws.dynamodb.v20120810#InternalServerError", true, false},
      {503, "com.amazon.coral.availability#ServiceUnavailableException", true, false},
      {400, "com.amazon.coral.availability#ThrottlingException", true, true},
      {400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", true, true},
      {400, "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded", true, true},
      {400, "com.amazonaws.dynamodb.v20120810#TransactionInProgressException", true, true},
      {400, "com.amazonaws.dynamodb.v20120810#RequestTimeoutException", true, false},
      {400, "com.amazon.coral.validate#ValidationException", false, false},
      {400, "com.amazon.coral.service#ExpiredTokenException", false, false},
      {403, "com.amazon.coral.service#AccessDeniedException", false, false},
      {413, "RequestEntityTooLarge", false, false},
  };
  for (const Case& c : cases) {
    ReplyOutcome o = interpret_reply(
        reply(c.status, std::string(R"({"__type": ")") + c.type + R"(", "message": "m"})"), kMax);
    EXPECT_EQ(o.retryable, c.retryable) << c.type;
    EXPECT_EQ(o.throttled, c.throttled) << c.type;
    EXPECT_EQ(o.http_status, c.status);
  }
}

TEST(DynamoReply, ErrorsWithoutAType) {
  ReplyOutcome o = interpret_reply(reply(502, "<html><body>Bad Gateway</body></html>"), kMax);
  EXPECT_EQ(o.detail, "HTTP 502 (not JSON): <html><body>Bad Gateway</body></html>");
  EXPECT_TRUE(o.retryable);
  EXPECT_TRUE(o.body.is_null());

  o = interpret_reply(reply(400, R"({"error": "odd"})"), kMax);
  EXPECT_EQ(o.detail, R"(HTTP 400: {"error":"odd"})");
  EXPECT_FALSE(o.retryable);

  o = interpret_reply(reply(400, R"({"__type": 42, "message": "m"})"), kMax);
  EXPECT_EQ(o.error_code, "");
  EXPECT_EQ(o.detail.rfind("HTTP 400: ", 0), 0u) << o.detail;

  o = interpret_reply(reply(404, ""), kMax);
  EXPECT_EQ(o.detail, "HTTP 404");
  EXPECT_FALSE(o.retryable);
}

TEST(DynamoReply, MalformedSuccessesAreFailuresNotRetried) {
  ReplyOutcome o = interpret_reply(reply(200, ""), kMax);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "reply is not JSON (HTTP 200, empty body)");
  EXPECT_FALSE(o.retryable);

  o = interpret_reply(reply(200, "{\"Table\": "), kMax);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "reply is not JSON (HTTP 200): {\"Table\": ");

  o = interpret_reply(reply(200, "[1, 2]"), kMax);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "reply is not a JSON object: [1, 2]");

  o = interpret_reply(reply(200, "\"text\"\n\x01"), kMax);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail.find('\n'), std::string::npos);

  // Nesting deeper than DynamoDB ever sends is refused before parsing.
  const std::string deep = std::string(200, '[') + std::string(200, ']');
  o = interpret_reply(reply(200, "{\"a\": " + deep + "}"), kMax);
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.detail.find("not JSON"), std::string::npos) << o.detail;
  EXPECT_TRUE(json_nesting_within("{\"a\": \"[[[[[[\"}", 2));
  EXPECT_FALSE(json_nesting_within("[[[]]]", 2));
}

TEST(DynamoReply, TooLargeOrCutOffRepliesAreFailures) {
  ReplyOutcome o = interpret_reply(reply(200, std::string(100, ' ') + "{}"), 50);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.detail, "HTTP 200 reply larger than 50 bytes");
  EXPECT_FALSE(o.retryable);
  net::ClientResult cut = reply(200, "{}");
  cut.body_truncated = true;
  EXPECT_FALSE(interpret_reply(cut, kMax).ok);
}

TEST(DynamoReply, TheChecksumIsVerifiedWhenPresent) {
  EXPECT_TRUE(interpret_reply(reply(200, "{}", false), kMax).ok);  // dynalite sends none
  for (const char* bad : {"1", "", "abc", " 0", "+2745614147", "99999999999999999999"}) {
    net::ClientResult r = reply(200, "{}");
    r.headers["x-amz-crc32"] = bad;
    ReplyOutcome o = interpret_reply(r, kMax);
    EXPECT_FALSE(o.ok) << bad;
    EXPECT_TRUE(o.retryable) << bad;
    EXPECT_EQ(o.detail.rfind("reply corrupted in transit: x-amz-crc32 is ", 0), 0u) << o.detail;
  }
  // Errors are checked too: a corrupted error is not taken for what it says.
  net::ClientResult err = reply(400, R"({"__type": "ValidationException"})");
  err.headers["x-amz-crc32"] = "7";
  ReplyOutcome o = interpret_reply(err, kMax);
  EXPECT_EQ(o.error_code, "");
  EXPECT_TRUE(o.retryable);
}

TEST(DynamoReply, NetworkFailuresAreRetryableAndTimeoutsMarked) {
  net::ClientResult r;
  r.error = "connect refused";
  ReplyOutcome o = interpret_reply(r, kMax);
  EXPECT_FALSE(o.ok);
  EXPECT_TRUE(o.retryable);
  EXPECT_FALSE(o.timeout);
  EXPECT_EQ(o.detail, "connect refused");
  EXPECT_EQ(o.http_status, 0);
  r.error = "timeout after 2s (connecting)";
  o = interpret_reply(r, kMax);
  EXPECT_TRUE(o.retryable);
  EXPECT_TRUE(o.timeout);
  r.error = "";
  EXPECT_EQ(interpret_reply(r, kMax).detail, "no reply");
}

TEST(DynamoReply, OneLine) {
  EXPECT_EQ(one_line("a\nb\tc\x7f"), "a b c ");
  EXPECT_EQ(one_line("abcdef", 3), "abc...");
  EXPECT_EQ(one_line("abc", 3), "abc");
}

}  // namespace
}  // namespace drpilot::aws
