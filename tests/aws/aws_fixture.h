#pragma once
// Real DynamoDB peers for the AWS tests, as child processes on loopback:
// fake_dynamodb (SigV4-checking, fault-injecting; tests/fakes/fake_dynamodb.cpp)
// and dynalite (a DynamoDB implementation on Node.js, from npm).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "aws/credentials.h"
#include "aws/dynamodb.h"
#include "fakes/fake_process.h"
#include "support/process.h"

namespace drpilot::testing {

// The fake's default credentials: its access key and the secret given as --token.
inline constexpr const char* kFakeAccessKey = "AKIDDRPILOTFAKE";
inline constexpr const char* kFakeSecret = "fake-dynamodb-secret-0123456789";

aws::Credentials fake_credentials();

class FakeDynamoProcess : public FakeApiProcess {
 public:
  FakeDynamoProcess();  // starts it and waits for its ports (fails the test if it cannot)

  std::string endpoint() const;  // http://127.0.0.1:PORT
};

// dynalite in memory on a free port, tables ACTIVE after `create_ms`.
class DynaliteServer {
 public:
  explicit DynaliteServer(int create_ms = 50);
  ~DynaliteServer();
  DynaliteServer(const DynaliteServer&) = delete;
  DynaliteServer& operator=(const DynaliteServer&) = delete;

  bool ok() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }
  std::string endpoint() const;  // http://127.0.0.1:PORT

 private:
  std::string dir_;
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
};

// A client of `endpoint` for region `region`, with waits short enough for tests.
aws::DynamoOptions test_options(const std::string& endpoint,
                                const std::string& region = "eu-west-1");

}  // namespace drpilot::testing
