// drpilot's SigV4 signer against botocore's on generated requests
// (tests/aws/botocore_sign.py): the same canonical request, string to sign
// and Authorization header, byte for byte.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "aws/sigv4.h"
#include "support/process.h"

namespace drpilot::aws {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

// botocore's verdicts on `count` requests generated from `seed`; the test
// fails, saying why, when python3 or botocore is missing.
std::vector<json> botocore_signatures(int seed, int count) {
  if (!testing::have_program("python3")) {
    ADD_FAILURE() << "python3 is not on PATH; run scripts/install-deps (it installs "
                     "python3-botocore)";
    return {};
  }
  const std::string script = std::string(DRPILOT_SOURCE_DIR) + "/tests/aws/botocore_sign.py";
  testing::CommandResult r = testing::run_command(
      {"python3", script, "--seed", std::to_string(seed), "--count", std::to_string(count)}, 60s);
  if (r.exit_code == 3) {
    ADD_FAILURE() << "botocore is not installed; run scripts/install-deps (python3-botocore): "
                  << r.output;
    return {};
  }
  if (r.exit_code != 0) {
    ADD_FAILURE() << script << " failed with exit code " << r.exit_code << ": " << r.output;
    return {};
  }
  std::vector<json> out;
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      ADD_FAILURE() << "not a JSON line from " << script << ": " << line;
      return {};
    }
    out.push_back(std::move(j));
  }
  return out;
}

void compare_with_botocore(int seed, int count) {
  const std::vector<json> cases = botocore_signatures(seed, count);
  ASSERT_EQ(cases.size(), static_cast<std::size_t>(count));
  int with_token = 0, with_query = 0, with_repeats = 0;
  for (const json& c : cases) {
    SignableRequest req;
    auto text = [&c](const char* key) { return c.at(key).get<std::string>(); };
    req.method = text("method");
    req.path = text("path");
    req.query = text("query");
    for (const json& h : c.at("headers")) {
      req.headers.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
    }
    req.payload = from_hex(text("payload_hex"));
    Credentials creds;
    creds.access_key_id = text("access_key");
    creds.secret_access_key = text("secret_key");
    creds.session_token = text("token");
    const SigningParams params{text("region"), text("service"),
                               core::from_ms(c.at("epoch").get<std::int64_t>() * 1000)};
    const Signature s = sign(req, creds, params);
    const std::string request = c.dump();
    EXPECT_EQ(s.canonical_request, text("canonical_request")) << request;
    EXPECT_EQ(s.string_to_sign, text("string_to_sign")) << request;
    EXPECT_EQ(s.authorization, text("authorization")) << request;
    with_token += !creds.session_token.empty();
    with_query += !req.query.empty();
    with_repeats += s.canonical_request.find(',') != std::string::npos;
  }
  // The generator's variety reached the comparison.
  EXPECT_GT(with_token, count / 5);
  EXPECT_GT(with_query, count / 3);
  EXPECT_GT(with_repeats, 0);
}

TEST(SigV4Botocore, SameSignaturesAsBotocoreOnGeneratedRequests) {
  compare_with_botocore(1, 200);
}

TEST(SigV4Botocore, SameSignaturesWithAnotherSeed) {
  compare_with_botocore(20260131, 150);
}

}  // namespace
}  // namespace drpilot::aws
