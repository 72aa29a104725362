#pragma once
// The lab plus the outside world: fakes of the Linode and DigitalOcean APIs
// as real processes, and the controller configured to keep a Linode record,
// a DigitalOcean record and a DigitalOcean load balancer in step with
// www.example.test.

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "integration/lab_fixture.h"

namespace drpilot::testing {

// A fake cloud API process and its control port.
class FakeCloud {
 public:
  FakeCloud(const std::string& binary, const std::string& token, const std::string& dir,
            const std::string& name);
  std::uint16_t api_port() const { return api_port_; }
  nlohmann::json control(const std::string& method, const std::string& path,
                         const nlohmann::json& body = nullptr);
  void set_state(const nlohmann::json& state) { control("POST", "/state", state); }
  nlohmann::json state() { return control("GET", "/state"); }
  void fault(const nlohmann::json& f) { control("POST", "/fault", f); }
  nlohmann::json requests() { return control("GET", "/requests")["requests"]; }
  // How many requests with `method` whose path contains `path_part` arrived.
  int count(const std::string& method, const std::string& path_part = "");
  Process& process() { return *process_; }

 private:
  std::unique_ptr<Process> process_;
  std::uint16_t api_port_ = 0, control_port_ = 0;
};

class WorldFixture : public LabFixture {
 protected:
  static constexpr const char* kLinodeToken = "linode-7f3a9c-secret";
  static constexpr const char* kDoToken = "do-91b2e4-secret";
  static constexpr const char* kApiToken = "api-5d8e1f-secret";

  void SetUp() override;
  void TearDown() override;

  // The lab configuration with the providers (and `extra` appended).
  std::string world_config(const std::string& extra = "") const;

  // The A target of www at the Linode fake, and at the DigitalOcean fake;
  // the droplets of the load balancer.
  std::string linode_www();
  std::string do_www();
  std::vector<std::int64_t> lb_droplets();
  // The provider's entry in the controller's status.
  nlohmann::json provider_status(const std::string& name);
  CommandResult operator_cmd(std::vector<std::string> args);

  std::unique_ptr<FakeCloud> linode_, digitalocean_;
};

}  // namespace drpilot::testing
