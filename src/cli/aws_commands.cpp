// drpilot dynamodb OPERATION / bootstrap dynamodb: DynamoDB by hand, with the
// same credentials, signing and retries the controller uses.

#include <nlohmann/json.hpp>

#include <iostream>
#include <iterator>
#include <random>
#include <stdexcept>

#include "aws/bootstrap.h"
#include "aws/credentials.h"
#include "aws/dynamodb.h"
#include "cli/commands.h"

namespace drpilot::cli {
namespace {

using nlohmann::json;

std::uint64_t random_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

std::optional<aws::Credentials> credentials_for(const std::string& profile) {
  aws::CredentialOptions options;
  options.profile = profile;
  std::string error;
  auto c = aws::load_credentials(options, error);
  if (!c) std::cerr << "drpilot: " << error << "\n";
  return c;
}

}  // namespace

int dynamodb_command(const DynamoCommand& cmd) {
  std::string text = cmd.input.empty() ? "{}" : cmd.input;
  if (text == "-") text.assign(std::istreambuf_iterator<char>(std::cin), {});
  const json request = json::parse(text, nullptr, false);
  if (request.is_discarded() || !request.is_object()) {
    std::cerr << "drpilot: the request must be a JSON object, e.g. '{\"TableName\": \"orders\"}'"
              << (cmd.input == "-" ? " (read from standard input)" : "") << "\n";
    return 2;
  }
  std::optional<aws::Credentials> credentials = credentials_for(cmd.profile);
  if (!credentials) return 1;

  aws::DynamoOptions options;
  options.region = cmd.region;
  options.endpoint = cmd.endpoint;
  std::unique_ptr<aws::DynamoClient> client;
  try {
    client = std::make_unique<aws::DynamoClient>(options, *credentials, random_seed());
  } catch (const std::invalid_argument& e) {
    std::cerr << "drpilot: " << e.what() << "\n";
    return 2;
  }
  aws::DynamoResult r = client->call(cmd.operation, request);
  if (!r.ok) {
    std::cerr << "drpilot: " << r.message << "\n";
    return 1;
  }
  std::cout << r.body.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  return 0;
}

int bootstrap_dynamodb_command(const aws::BootstrapPlan& plan, const std::string& profile) {
  if (std::string e = aws::validate_plan(plan); !e.empty()) {
    std::cerr << "drpilot: " << e << "\n";
    return 2;
  }
  std::optional<aws::Credentials> credentials = credentials_for(profile);
  if (!credentials) return 1;
  aws::DynamoCall call =
      aws::make_regional_call(plan.regions, *credentials, aws::DynamoOptions{}, random_seed());
  aws::BootstrapResult r = aws::bootstrap_dynamodb(
      plan, call, [](const std::string& line) { std::cout << line << std::endl; });
  if (!r.ok) {
    std::cerr << "drpilot: " << r.error << "\n";
    return 1;
  }
  return 0;
}

}  // namespace drpilot::cli
