// Who may use the API, end to end: a controller serving HTTPS with named
// tokens (an operator, a read-only one) and reading made to need a token;
// the command line finds the certificate and a token in the configuration,
// is refused without them with errors that say why, and the journal names
// the token that gave a command. Secrets that others can read are warned
// about at start-up and by check-config.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <fstream>

#include "integration/lab_fixture.h"

namespace drpilot::testing {
namespace {

using namespace std::chrono_literals;

const std::string kAlice = "alice-operator-0123456789";
const std::string kGrafana = "grafana-reader-0123456789";

class ApiAccess : public LabFixture {
 protected:
  void SetUp() override {
    if (!have_program("openssl")) GTEST_SKIP() << "openssl is not installed";
    LabFixture::SetUp();
    auto gen = run_command({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir_ + "/api.key",
                            "-out", dir_ + "/api.crt", "-days", "1", "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"});
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    secret("alice.token", kAlice, 0600);
    secret("grafana.token", kGrafana, 0644);  // readable by others: warned about
    ::chmod((dir_ + "/api.key").c_str(), 0600);
    std::string text = config_text();
    const std::string listen = "api:\n  listen: 127.0.0.1:" + std::to_string(ports_.api) + "\n";
    text.replace(text.find(listen), listen.size(),
                 listen +
                     "  tls_certificate_file: api.crt\n  tls_key_file: api.key\n"
                     "  read_token_required: true\n  tokens:\n"
                     "    - name: alice\n      token_file: alice.token\n"
                     "    - name: grafana\n      role: read\n      token_file: grafana.token\n");
    write_config(text);
    api_ca_file_ = dir_ + "/api.crt";
  }

  void secret(const std::string& name, const std::string& value, mode_t mode) {
    std::ofstream(dir_ + "/" + name) << value << "\n";
    ::chmod((dir_ + "/" + name).c_str(), mode);
  }

  std::string https() const { return "https://127.0.0.1:" + std::to_string(ports_.api); }
};

TEST_F(ApiAccess, HttpsWithNamedTokensAndRoles) {
  start_lab();
  start_controller();
  EXPECT_NE(controller_->log().find(dir_ + "/grafana.token can be read by others (mode 0644)"),
            std::string::npos)
      << controller_->log();

  // With the configuration: https, its certificate trusted, a read token found.
  CommandResult s = drpilot({"status", "-c", config_path_});
  ASSERT_EQ(s.exit_code, 0) << s.output;
  EXPECT_NE(s.output.find("www.example.test"), std::string::npos) << s.output;

  // Without the certificate the server is not trusted; without a token reading is refused.
  CommandResult untrusted = drpilot({"status", "--api", https()});
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_NE(untrusted.output.find("certificate verify failed"), std::string::npos)
      << untrusted.output;
  CommandResult anonymous = drpilot({"status", "--api", https(), "--ca-file", api_ca_file_});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_NE(anonymous.output.find("needs a token to read"), std::string::npos)
      << anonymous.output;
  CommandResult reader = drpilot(
      {"status", "--api", https(), "--ca-file", api_ca_file_, "--token", kGrafana});
  EXPECT_EQ(reader.exit_code, 0) << reader.output;
  // Plain HTTP to the HTTPS port gets nothing.
  CommandResult plain = drpilot({"status", "--api", "http://127.0.0.1:" +
                                                        std::to_string(ports_.api)});
  EXPECT_EQ(plain.exit_code, 1) << plain.output;

  // The read token cannot operate; the operator's can, and is journaled by name.
  CommandResult refused = drpilot({"drain", "ams", "--api", https(), "--ca-file", api_ca_file_,
                                   "--token", kGrafana, "--reason", "try"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("(403): token 'grafana' has the read role"), std::string::npos)
      << refused.output;
  CommandResult drained = drpilot({"drain", "ams", "-c", config_path_, "--token", kAlice, "--who",
                                   "mallory", "--reason", "maintenance"});
  ASSERT_EQ(drained.exit_code, 0) << drained.output;
  const std::string history = api_get("/api/v1/history?limit=50");
  EXPECT_EQ(history, "") << "reading needs a token, even for the test's own client";
  CommandResult h = drpilot({"history", "-c", config_path_, "--json"});
  ASSERT_EQ(h.exit_code, 0) << h.output;
  EXPECT_NE(h.output.find("alice (mallory)"), std::string::npos) << h.output;

  // check-config says the same about the token file others can read.
  CommandResult check = drpilot({"check-config", "-c", config_path_});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("warning: API token 'grafana': " + dir_ + "/grafana.token"),
            std::string::npos)
      << check.output;
}

}  // namespace
}  // namespace drpilot::testing
