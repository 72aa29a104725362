// drpilot dynamodb OPERATION / bootstrap dynamodb: DynamoDB by hand, with the
// same credentials, signing and retries the controller uses.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <iterator>
#include <stdexcept>

#include "aws/bootstrap.h"
#include "aws/bootstrap_config.h"
#include "aws/credential_provider.h"
#include "aws/dynamodb.h"
#include "cli/commands.h"
#include "cli/random_seed.h"
#include "config/config.h"

namespace drpilot::cli {
namespace {

using nlohmann::json;

// Loaded now (the container endpoint too), refreshed before a request when
// due: a bootstrap that waits long for replicas outlives short credentials.
std::shared_ptr<aws::CredentialSource> credentials_for(const aws::CredentialOptions& options) {
  static const core::SystemClock clock;
  std::string error;
  std::shared_ptr<aws::CredentialProvider> c = aws::load_blocking(clock, options, error);
  if (!c) std::cerr << "drpilot: " << error << "\n";
  return c;
}

}  // namespace

int dynamodb_command(const DynamoCommand& cmd) {
  std::string text = cmd.input.empty() ? "{}" : cmd.input;
  if (text == "-") text.assign(std::istreambuf_iterator<char>(std::cin), {});
  const std::string from = cmd.input == "-" ? " (read from standard input)" : "";
  const bool operation_name =
      !cmd.operation.empty() && std::all_of(cmd.operation.begin(), cmd.operation.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0;
      });
  if (!operation_name) {
    std::cerr << "drpilot: '" << cmd.operation
              << "' is not a DynamoDB operation name, such as DescribeTable\n";
    return 2;
  }
  json request;
  try {
    request = json::parse(text);
  } catch (const json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    std::string why = e.what();
    if (const auto at = why.find("] "); at != std::string::npos) why = why.substr(at + 2);
    std::cerr << "drpilot: the request" << from << " is not valid JSON: " << why << "\n";
    return 2;
  }
  if (!request.is_object()) {
    std::cerr << "drpilot: the request" << from
              << " must be a JSON object, e.g. '{\"TableName\": \"orders\"}'\n";
    return 2;
  }
  aws::CredentialOptions credential_options;
  credential_options.profile = cmd.profile;
  std::shared_ptr<aws::CredentialSource> credentials = credentials_for(credential_options);
  if (!credentials) return 1;

  aws::DynamoOptions options;
  options.region = cmd.region;
  options.endpoint = cmd.endpoint;
  std::unique_ptr<aws::DynamoClient> client;
  try {
    client = std::make_unique<aws::DynamoClient>(options, credentials, random_seed());
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

int bootstrap_dynamodb_command(const std::string& config_path, bool dry_run) {
  config::LoadResult loaded = config::load_config_file(config_path);
  if (!loaded.ok()) {
    std::cerr << loaded.error_text();
    std::cerr << "drpilot: the configuration has " << loaded.errors.size()
              << (loaded.errors.size() == 1 ? " error" : " errors") << "; nothing was changed\n";
    return 1;
  }
  const config::Config& cfg = *loaded.config;
  std::string error;
  std::optional<aws::BootstrapPlan> plan = aws::bootstrap_plan_from_config(cfg, error);
  if (plan) {
    plan->dry_run = dry_run;
    error = aws::validate_plan(*plan);
  }
  if (!error.empty()) {
    std::cerr << "drpilot: " << error << "; nothing was changed\n";
    return 1;
  }
  std::shared_ptr<aws::CredentialSource> credentials =
      credentials_for(aws::credential_options_from_config(cfg));
  if (!credentials) return 1;
  aws::DynamoCall call =
      aws::make_regional_call(plan->regions, credentials, aws::DynamoOptions{}, random_seed());
  aws::BootstrapResult r = aws::bootstrap_dynamodb(
      *plan, call, [](const std::string& line) { std::cout << line << std::endl; });
  if (!r.ok) {
    std::cerr << "drpilot: " << r.error << "\n";
    return 1;
  }
  return 0;
}

}  // namespace drpilot::cli
