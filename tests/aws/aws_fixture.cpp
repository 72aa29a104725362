#include "aws/aws_fixture.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <sstream>

#include "net/http.h"

namespace drpilot::testing {

using nlohmann::json;
using namespace std::chrono_literals;

aws::Credentials fake_credentials() {
  aws::Credentials c;
  c.access_key_id = kFakeAccessKey;
  c.secret_access_key = kFakeSecret;
  c.source = "the test's credentials";
  return c;
}

aws::DynamoOptions test_options(const std::string& endpoint, const std::string& region) {
  aws::DynamoOptions o;
  o.region = region;
  o.endpoint = endpoint;
  o.timeout = 5s;
  o.connect_timeout = 2s;
  o.retry_base = 5ms;
  return o;
}

FakeDynamoProcess::FakeDynamoProcess()
    : FakeApiProcess(FAKE_DYNAMODB_BINARY, "dynamodb", kFakeSecret) {}

std::string FakeDynamoProcess::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(api_port_);
}

DynaliteServer::DynaliteServer(int create_ms) {
  const std::string cli = std::string(DRPILOT_SOURCE_DIR) + "/node_modules/dynalite/cli.js";
  if (!have_program("node")) {
    ADD_FAILURE() << "node is not on PATH: run scripts/install-deps";
    return;
  }
  if (!std::filesystem::exists(cli)) {
    ADD_FAILURE() << cli << " is missing: run scripts/install-deps (npm ci)";
    return;
  }
  dir_ = make_temp_dir("dynalite");
  // A port picked a moment ago may be taken meanwhile: a few tries.
  for (int attempt = 0; attempt < 3 && port_ == 0; ++attempt) {
    const std::uint16_t port = free_port();
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"node", cli, "--port", std::to_string(port), "--createTableMs",
                                 std::to_string(create_ms), "--updateTableMs",
                                 std::to_string(create_ms), "--deleteTableMs",
                                 std::to_string(create_ms)},
        dir_ + "/log" + std::to_string(attempt));
    const bool up = wait_until(
        [&] {
          return process_->log().find("Listening at") != std::string::npos || !process_->running();
        },
        20s);
    if (up && process_->running()) {
      port_ = port;
    } else {
      const std::string log = process_->log();
      process_->kill_hard();
      if (attempt == 2) ADD_FAILURE() << "dynalite did not start: " << log;
    }
  }
}

DynaliteServer::~DynaliteServer() {
  if (process_ && process_->stop(SIGTERM, 5s) == -1) process_->kill_hard();
  process_.reset();
  if (!dir_.empty()) remove_tree(dir_);
}

std::string DynaliteServer::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

}  // namespace drpilot::testing
