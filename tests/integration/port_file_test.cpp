// Port 0 in the configuration and --port-file: `drpilot run`, `drpilot lab`
// and `drpilot agent` listen on ports the system picks, write where they
// listen once they do (and remove it when they stop), log the same, and
// serve there; the commands that would read port 0 from the configuration
// say what to pass instead. Tests need not guess a free port for them.

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <string>

#include "integration/lab_fixture.h"

namespace drpilot::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// "127.0.0.1:40123" -> 40123 (0 when it is not that).
std::uint16_t port_of(const json& address) {
  if (!address.is_string()) return 0;
  const std::string s = address.get<std::string>();
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || s.substr(0, colon) != "127.0.0.1") return 0;
  return static_cast<std::uint16_t>(std::stoi(s.substr(colon + 1)));
}

class PortFile : public LabFixture {
 protected:
  // The file's object once it exists and parses; null if the process
  // ended, or nothing came in time.
  json wait_port_file(const std::string& path, Process& p) {
    json out;
    wait_until(
        [&] {
          out = json::parse(read_file(path), nullptr, false);
          return (!out.is_discarded() && out.is_object()) || !p.running();
        },
        15s, 20ms);
    return out.is_discarded() || !out.is_object() ? json() : out;
  }
  static void replace(std::string& text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }
};

TEST_F(PortFile, AControllerOnPortZeroReportsWhereItListensAndServesThere) {
  std::string text = config_text();
  replace(text, "listen: 127.0.0.1:" + std::to_string(ports_.api), "listen: 127.0.0.1:0");
  replace(text, "listen: [127.0.0.1:" + std::to_string(ports_.dns) + "]", "listen: [127.0.0.1:0]");
  write_config(text);
  start_lab();
  const std::string file = dir_ + "/ports.json";
  controller_ = std::make_unique<Process>(
      std::vector<std::string>{DRPILOT_BINARY, "run", "-c", config_path_, "--port-file", file},
      dir_ + "/controller.log");
  const json ports = wait_port_file(file, *controller_);
  ASSERT_TRUE(ports.is_object()) << controller_->log();
  EXPECT_EQ(ports.value("pid", 0L), static_cast<long>(controller_->pid()));
  ports_.api = port_of(ports["api"]);
  ASSERT_TRUE(ports["dns"].is_array() && ports["dns"].size() == 1) << ports.dump();
  ports_.dns = port_of(ports["dns"][0]);
  ASSERT_NE(ports_.api, 0) << ports.dump();
  ASSERT_NE(ports_.dns, 0) << ports.dump();

  // Ready when written: the API answers and so does the DNS.
  EXPECT_EQ(api_get("/healthz"), "ok\n");
  EXPECT_TRUE(wait_for_answer("127.0.0.11", 10s)) << controller_->log();
  const std::string log = controller_->log();
  EXPECT_NE(log.find("event=api listen=127.0.0.1:" + std::to_string(ports_.api)), std::string::npos)
      << log;
  EXPECT_NE(log.find("event=dns listen=127.0.0.1:" + std::to_string(ports_.dns)), std::string::npos)
      << log;

  CommandResult from_file = drpilot({"status", "-c", config_path_});
  EXPECT_NE(from_file.exit_code, 0);
  EXPECT_NE(from_file.output.find("Pass --api"), std::string::npos) << from_file.output;
  CommandResult told =
      drpilot({"status", "--api", "http://127.0.0.1:" + std::to_string(ports_.api)});
  EXPECT_EQ(told.exit_code, 0) << told.output;

  EXPECT_EQ(controller_->stop(SIGTERM, 10s), 0);
  EXPECT_FALSE(std::filesystem::exists(file)) << "the port file outlived the controller";
}

TEST_F(PortFile, ALabOnPortZeroReportsItsControlAddress) {
  std::string text = config_text();
  replace(text, "control: 127.0.0.1:" + std::to_string(ports_.control), "control: 127.0.0.1:0");
  write_config(text);
  const std::string file = dir_ + "/lab-ports.json";
  lab_ = std::make_unique<Process>(
      std::vector<std::string>{DRPILOT_BINARY, "lab", "-c", config_path_, "--port-file", file},
      dir_ + "/lab.log");
  const json ports = wait_port_file(file, *lab_);
  ASSERT_TRUE(ports.is_object()) << lab_->log();
  const std::uint16_t control = port_of(ports["lab_control"]);
  ASSERT_NE(control, 0) << ports.dump();
  EXPECT_FALSE(ports.contains("api")) << "no controller runs in `drpilot lab`";

  CommandResult status =
      drpilot({"lab", "--control", "127.0.0.1:" + std::to_string(control), "status"});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("ams"), std::string::npos) << status.output;
  CommandResult from_file = drpilot({"lab", "-c", config_path_, "break", "ams"});
  EXPECT_NE(from_file.exit_code, 0);
  EXPECT_NE(from_file.output.find("Pass --control"), std::string::npos) << from_file.output;
}

TEST_F(PortFile, AnAgentOnPortZeroReportsItsHealthz) {
  std::string text = config_text();
  text +=
      "agents:\n  - name: ams-agent\n    site: ams\n    key: port-file-agent-key-0001\n"
      "    controllers: [http://127.0.0.1:" +
      std::to_string(ports_.api) +
      "]\n"
      "    listen: 127.0.0.1:0\n";
  write_config(text);
  const std::string file = dir_ + "/agent-ports.json";
  Process agent(
      {DRPILOT_BINARY, "agent", "-c", config_path_, "--name", "ams-agent", "--port-file", file},
      dir_ + "/agent.log");
  const json ports = wait_port_file(file, agent);
  ASSERT_TRUE(ports.is_object()) << agent.log();
  const std::uint16_t healthz = port_of(ports["healthz"]);
  ASSERT_NE(healthz, 0) << ports.dump();
  // Answered (503 while it has no assignment): a connection is all we ask.
  const int fd = connect_loopback(healthz);
  EXPECT_GE(fd, 0) << "nothing listens on the reported port";
  if (fd >= 0) ::close(fd);
  EXPECT_NE(agent.log().find("/healthz"), std::string::npos);
  EXPECT_EQ(agent.stop(SIGTERM, 10s), 0);
  EXPECT_FALSE(std::filesystem::exists(file));
}

TEST_F(PortFile, PortZeroIsRefusedWhereAFixedPortIsNeeded) {
  std::string text = config_text();
  replace(text, "listen: 127.0.0.11:" + std::to_string(ports_.site), "listen: 127.0.0.11:0");
  write_config(text);
  CommandResult r = drpilot({"check-config", "-c", config_path_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("'0' is not a valid port (1-65535)"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace drpilot::testing
