#pragma once
// Shared by the Linode tests: fake_linode as a real child process (its own
// API and control ports on loopback), and small builders for targets and
// provider configurations.

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "fakes/fake_process.h"
#include "providers/provider.h"
#include "support/process.h"

namespace drpilot::testing {

inline constexpr const char* kLinodeToken = "linode-test-token-5f1c";

class FakeLinodeProcess : public FakeApiProcess {
 public:
  FakeLinodeProcess();  // starts it and waits for its ports (fails the test if it cannot)

  // What a provider is configured with: "http://127.0.0.1:PORT/v4".
  std::string endpoint() const;

  // The records of one domain in the fake's state.
  nlohmann::json records(std::int64_t domain_id);
  // How many logged API requests used `method` (and whose path contains `part`).
  int count(const std::string& method, const std::string& part = "");

  // One raw API request (for testing the fake itself).
  struct Reply {
    int status = 0;
    nlohmann::json body;
    std::map<std::string, std::string> headers;
  };
  Reply api(const std::string& method, const std::string& target, const std::string& body = "",
            const std::string& token = kLinodeToken);
};

// A domain for the fake's state.
nlohmann::json linode_domain(std::int64_t id, const std::string& name,
                             nlohmann::json records = nlohmann::json::array());
nlohmann::json linode_record(std::int64_t id, const std::string& type, const std::string& name,
                             const std::string& target, int ttl = 30);

providers::RecordTarget record_target(const std::string& name, core::RecordType type, int ttl,
                                      std::vector<std::string> addresses);
providers::Target target_of(std::vector<providers::RecordTarget> records);

config::ProviderConfig linode_config(const std::string& endpoint, const std::string& domain);

}  // namespace drpilot::testing
