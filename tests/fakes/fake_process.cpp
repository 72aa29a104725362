#include "fakes/fake_process.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <sstream>

#include "net/http.h"

namespace drpilot::testing {

using nlohmann::json;
using namespace std::chrono_literals;

FakeApiProcess::FakeApiProcess(const std::string& binary, const std::string& name,
                               const std::string& token) {
  dir_ = make_temp_dir(name);
  const std::string ports = dir_ + "/ports";
  process_ = std::make_unique<Process>(
      std::vector<std::string>{binary, "--token", token, "--ports-file", ports}, dir_ + "/log");
  const bool up = wait_until([&] { return std::filesystem::exists(ports); }, 10s);
  if (!up) {
    ADD_FAILURE() << "fake " << name << " did not start: " << process_->log();
    return;
  }
  // The file may be seen before it is written in full.
  wait_until([&] { return read_file(ports).find("control=") != std::string::npos; }, 2s);
  std::istringstream in(read_file(ports));
  std::string word;
  while (in >> word) {
    if (word.rfind("api=", 0) == 0)
      api_port_ = static_cast<std::uint16_t>(std::stoi(word.substr(4)));
    if (word.rfind("control=", 0) == 0) {
      control_port_ = static_cast<std::uint16_t>(std::stoi(word.substr(8)));
    }
  }
  if (api_port_ == 0 || control_port_ == 0) {
    ADD_FAILURE() << "bad ports file: " << read_file(ports);
    api_port_ = 0;
  }
}

FakeApiProcess::~FakeApiProcess() {
  if (process_ && process_->stop(SIGTERM, 5s) == -1) process_->kill_hard();
  process_.reset();
  remove_tree(dir_);
}

json FakeApiProcess::control(const std::string& method, const std::string& path,
                             const std::string& body) {
  net::ClientRequest req;
  req.method = method;
  req.host = "127.0.0.1";
  req.port = control_port_;
  req.target = path;
  req.body = body;
  req.timeout = 10s;
  req.max_body = 64 * 1024 * 1024;
  if (!body.empty()) req.headers.push_back({"Content-Type", "application/json"});
  net::ClientResult r = net::http_request_sync(std::move(req));
  EXPECT_TRUE(r.ok) << method << " " << path << ": " << r.error;
  EXPECT_EQ(r.status, 200) << method << " " << path << ": " << r.body;
  json j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json() : j;
}

void FakeApiProcess::set_state(const json& state) {
  control("POST", "/state", state.dump());
}
json FakeApiProcess::state() {
  return control("GET", "/state");
}
void FakeApiProcess::fault(const json& fault) {
  control("POST", "/fault", fault.dump());
}
json FakeApiProcess::requests() {
  return control("GET", "/requests").value("requests", json::array());
}
void FakeApiProcess::clear_requests() {
  control("POST", "/requests/clear");
}

}  // namespace drpilot::testing
