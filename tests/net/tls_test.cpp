// https checks verify the server by default: a self-signed certificate is
// refused unless verification is explicitly turned off. The peer is a real
// TLS server (openssl s_server).

#include <gtest/gtest.h>

#include "net/http.h"
#include "support/process.h"

namespace drpilot::net {
namespace {

using namespace std::chrono_literals;
using drpilot::testing::Process;

class TlsPeer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!drpilot::testing::have_program("openssl")) GTEST_SKIP() << "openssl is not installed";
    dir_ = drpilot::testing::make_temp_dir("tls");
    auto gen = drpilot::testing::run_command(
        {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir_ + "/key.pem",
         "-out", dir_ + "/cert.pem", "-days", "1", "-subj", "/CN=localhost", "-addext",
         "subjectAltName=DNS:localhost,IP:127.0.0.1"});
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    port_ = drpilot::testing::free_port();
    server_ = std::make_unique<Process>(
        std::vector<std::string>{"openssl", "s_server", "-accept",
                                 "127.0.0.1:" + std::to_string(port_), "-cert", dir_ + "/cert.pem",
                                 "-key", dir_ + "/key.pem", "-www", "-quiet"},
        dir_ + "/server.log");
    // Ready when a plain TCP connect succeeds.
    ASSERT_TRUE(drpilot::testing::wait_until(
        [&] {
          ClientRequest probe;
          probe.host = "127.0.0.1";
          probe.port = port_;
          probe.tls = true;
          probe.tls_verify = false;
          probe.timeout = 1s;
          return http_request_sync(probe).ok;
        },
        10s, 50ms))
        << server_->log();
  }
  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) drpilot::testing::remove_tree(dir_);
  }

  ClientRequest request() {
    ClientRequest r;
    r.tls = true;
    r.host = "127.0.0.1";
    r.port = port_;
    r.host_header = "localhost";
    r.timeout = 3s;
    r.max_body = 256;
    return r;
  }

  std::string dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> server_;
};

TEST_F(TlsPeer, SelfSignedCertificateIsRefusedByDefault) {
  ClientResult r = http_request_sync(request());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("TLS"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("certificate verify failed"), std::string::npos) << r.error;
}

TEST_F(TlsPeer, VerificationCanBeTurnedOffExplicitly) {
  ClientRequest req = request();
  req.tls_verify = false;
  ClientResult r = http_request_sync(req);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
}

TEST_F(TlsPeer, PlainHttpToTlsPortFails) {
  ClientRequest req = request();
  req.tls = false;
  req.timeout = 1s;
  ClientResult r = http_request_sync(req);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.error.empty());
}

}  // namespace
}  // namespace drpilot::net
