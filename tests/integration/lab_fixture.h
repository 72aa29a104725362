#pragma once
// A lab on loopback for integration tests: a generated configuration with
// free ports, the real `drpilot` binary as child processes, and `dig` as the
// DNS client.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/process.h"

namespace drpilot::testing {

struct LabPorts {
  std::uint16_t dns = 0, api = 0, control = 0, site = 0;
};

class LabFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // The configuration for the current ports: examples/lab.yaml with a
  // shorter hold-down.
  std::string config_text(const std::string& hold_down = "2s") const;
  void write_config(const std::string& text);

  void start_demo();        // lab + controller in one process
  void start_lab();         // lab only
  void start_controller();  // controller only
  void wait_controller_ready();

  // `drpilot ARGS...` to completion.
  CommandResult drpilot(std::vector<std::string> args);
  void lab(const std::string& action, const std::string& site);
  // `dig +short` answers for www.example.test (empty on no answer).
  std::vector<std::string> dig(const std::string& qtype = "A",
                               const std::string& name = "www.example.test");
  // Waits until the A answer is exactly {address}; returns false on timeout.
  bool wait_for_answer(const std::string& address, std::chrono::milliseconds timeout);
  // Waits until the controller's status shows `site` with verdict `state`.
  bool wait_for_site(const std::string& site, const std::string& state,
                     std::chrono::milliseconds timeout);
  // GET on the API: over https, trusting api_ca_file_, when that is set.
  std::string api_get(const std::string& path);

  std::string dir_;
  std::string config_path_;
  LabPorts ports_;
  std::string api_ca_file_;
  std::unique_ptr<Process> demo_, lab_, controller_;
};

}  // namespace drpilot::testing
