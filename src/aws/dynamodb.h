#pragma once
// A DynamoDB client over the JSON protocol (POST / with
// X-Amz-Target: DynamoDB_20120810.<Operation>, SigV4-signed), blocking, for
// the data-region checks, the canary, bootstrap and `drpilot dynamodb`.
//
// Retries follow the AWS SDKs' "standard" mode: only 5xx replies, throttling
// error codes and network errors are retried, at most `max_attempts` times in
// all, with full-jitter exponential backoff capped at 20 s, and only while the
// retry quota lasts (500 tokens; a retry costs 5, or 10 after a timeout; a
// first-try success refunds 1). Every reply's x-amz-crc32 is verified.

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "aws/credential_source.h"
#include "aws/credentials.h"
#include "core/time.h"
#include "net/http.h"

namespace drpilot::aws {

struct DynamoOptions {
  std::string region;             // "eu-west-1": for signing, and the default endpoint
  std::string endpoint;           // empty: https://dynamodb.<region>.amazonaws.com
  core::Duration timeout{5'000};  // one attempt
  core::Duration connect_timeout{2'000};
  int max_attempts = 3;  // the first try included
  bool tls_verify = true;
  // The first retry waits a random time up to this long, each further one up
  // to twice as long as the one before (20 s at most). The SDKs' standard
  // mode uses 1 s; tests use less.
  core::Duration retry_base{1'000};
  std::size_t max_reply = 8 * 1024 * 1024;  // a bigger reply is a failure, not read further
  // Seams for tests of the retry policy, empty in production: `send` carries
  // one attempt instead of the network; `wait` takes the place of the pause
  // before a retry (it returns false to stop retrying).
  std::function<net::ClientResult(const net::ClientRequest&)> send;
  std::function<bool(core::Duration)> wait;
};

// The outcome of one operation, after any retries.
struct DynamoResult {
  bool ok = false;
  nlohmann::json body;     // the reply (ok), or the error body when it was JSON
  int http_status = 0;     // 0: no reply at all
  std::string error_code;  // "ResourceNotFoundException" (the part of __type after '#')
  std::string message;     // one line, fit for status: "ResourceNotFoundException: Requested
                           // resource not found (DescribeTable shop-orders)"
  int attempts = 0;
  bool throttled = false;  // some attempt was answered with a throttling error
  // AWS refused the credentials (error_code is one of is_credential_code()),
  // or there were none valid to sign with (nothing was sent): the failure
  // says nothing about the service. The message then begins "DynamoDB
  // <region> refused the credentials from <source>: ..." or "no valid AWS
  // credentials to sign <operation> with: ...".
  bool credential_failure = false;
};

class DynamoClient {
 public:
  // Throws std::invalid_argument when the endpoint is not an http(s) URL.
  // Every attempt is signed with what `credentials` holds at that moment,
  // and it hears whether AWS accepted them.
  DynamoClient(DynamoOptions options, std::shared_ptr<CredentialSource> credentials,
               std::uint64_t seed);
  // With credentials that never change.
  DynamoClient(DynamoOptions options, Credentials credentials, std::uint64_t seed);
  ~DynamoClient();

  // Any operation: DescribeTable, GetItem, PutItem, CreateTable, UpdateTable,
  // ListTables, ... `request` is the operation's JSON input.
  DynamoResult call(const std::string& operation, const nlohmann::json& request);

  // Ends backoff waits early once `stop` turns true (the flag outlives the client).
  void set_stop_flag(const std::atomic<bool>* stop);

  const DynamoOptions& options() const;
  int retry_tokens() const;  // what is left of the quota (for tests and status)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// CRC-32 (IEEE 802.3, as zlib), the checksum DynamoDB sends in x-amz-crc32.
std::uint32_t crc32(std::string_view data);

}  // namespace drpilot::aws
