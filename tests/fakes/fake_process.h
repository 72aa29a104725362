#pragma once
// A fake cloud API (tests/fakes/fake_*.cpp) as a real child process, seen
// from a test: started with a token, its API and control ports read from its
// ports file, its control endpoints (fake_api.h) as calls. A failure to start
// or to talk to it fails the test (ok() is then false).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "support/process.h"

namespace drpilot::testing {

class FakeApiProcess {
 public:
  // `name` for messages and the temporary directory ("linode").
  FakeApiProcess(const std::string& binary, const std::string& name, const std::string& token);
  ~FakeApiProcess();
  FakeApiProcess(const FakeApiProcess&) = delete;
  FakeApiProcess& operator=(const FakeApiProcess&) = delete;

  bool ok() const { return api_port_ != 0; }
  std::uint16_t api_port() const { return api_port_; }

  void set_state(const nlohmann::json& state);
  nlohmann::json state();
  void fault(const nlohmann::json& fault);
  nlohmann::json requests();  // [{method, path, body, status}]
  void clear_requests();

 protected:
  nlohmann::json control(const std::string& method, const std::string& path,
                         const std::string& body = "");

  std::string dir_;
  std::unique_ptr<Process> process_;
  std::uint16_t api_port_ = 0;
  std::uint16_t control_port_ = 0;
};

}  // namespace drpilot::testing
