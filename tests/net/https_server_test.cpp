// The HTTP server over TLS against the real client: a client that trusts the
// server's certificate (its own file as the trust anchor) is answered; one
// that does not, or that speaks plain HTTP, is not; a connection that never
// finishes its handshake is the first evicted when the server is full; and
// unusable certificate or key files are refused by name before anything
// listens. Certificates are made by the openssl command.

#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>
#include <thread>

#include "net/http.h"
#include "net/loop.h"
#include "support/process.h"

namespace drpilot::net {
namespace {

using namespace std::chrono_literals;

class HttpsServer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!drpilot::testing::have_program("openssl")) GTEST_SKIP() << "openssl is not installed";
    dir_ = drpilot::testing::make_temp_dir("https");
    make_certificate("api", "subjectAltName=DNS:localhost,IP:127.0.0.1");
    make_certificate("other", "subjectAltName=DNS:localhost,IP:127.0.0.1");
  }
  void TearDown() override {
    stop();
    if (!dir_.empty()) drpilot::testing::remove_tree(dir_);
  }

  void make_certificate(const std::string& name, const std::string& san) {
    auto gen = drpilot::testing::run_command(
        {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", path(name + ".key"), "-out", path(name + ".crt"), "-days", "1",
         "-subj", "/CN=localhost", "-addext", san});
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  ServerOptions tls_options() const {
    ServerOptions o;
    o.tls_certificate_file = path("api.crt");
    o.tls_key_file = path("api.key");
    return o;
  }

  void serve(ServerOptions o) {
    server_ = std::make_unique<HttpServer>(
        loop_, "127.0.0.1", 0,
        [](const ServerRequest& req, Responder respond) {
          ServerResponse r;
          r.content_type = "text/plain";
          r.body = "ok " + req.path;
          respond(r);
        },
        o);
    server_->start();
    thread_ = std::thread([this] { loop_.run(); });
  }
  void stop() {
    if (!thread_.joinable()) return;
    loop_.post([this] {
      server_->stop();
      loop_.stop();
    });
    thread_.join();
  }

  ClientRequest request(const std::string& ca_file) const {
    ClientRequest r;
    r.tls = true;
    r.host = "127.0.0.1";
    r.port = server_->port();
    r.target = "/api/v1/status";
    r.timeout = 3s;
    r.connect_timeout = 2s;
    r.tls_ca_file = ca_file;
    return r;
  }

  std::string dir_;
  Loop loop_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(HttpsServer, AClientTrustingTheCertificateIsAnswered) {
  serve(tls_options());
  ClientResult r = http_request_sync(request(path("api.crt")));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok /api/v1/status");
  // Keep-alive and several requests work over the same TLS server.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(http_request_sync(request(path("api.crt"))).ok);
}

TEST_F(HttpsServer, AClientThatDoesNotTrustItRefusesTheServer) {
  serve(tls_options());
  ClientResult system_store = http_request_sync(request(""));
  EXPECT_FALSE(system_store.ok);
  EXPECT_NE(system_store.error.find("certificate verify failed"), std::string::npos)
      << system_store.error;
  ClientResult other = http_request_sync(request(path("other.crt")));
  EXPECT_FALSE(other.ok);
  EXPECT_NE(other.error.find("certificate verify failed"), std::string::npos) << other.error;
  ClientResult missing = http_request_sync(request(path("no-such.crt")));
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.error.find("cannot load the CA file " + path("no-such.crt")),
            std::string::npos)
      << missing.error;
}

TEST_F(HttpsServer, PlainHttpGetsNoAnswer) {
  serve(tls_options());
  ClientRequest req = request("");
  req.tls = false;
  req.timeout = 2s;
  ClientResult r = http_request_sync(req);
  EXPECT_FALSE(r.ok && r.status == 200) << r.status << " " << r.body;
}

// A connection that opened and never said a word of TLS holds no slot that
// a real client needs.
TEST_F(HttpsServer, AConnectionThatNeverHandshakesIsEvictedFirst) {
  ServerOptions o = tls_options();
  o.max_connections = 2;
  o.max_connections_per_client = 2;
  serve(o);
  const int a = drpilot::testing::connect_loopback(server_->port());
  const int b = drpilot::testing::connect_loopback(server_->port());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  ClientResult r = http_request_sync(request(path("api.crt")));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  ::close(a);
  ::close(b);
}

TEST_F(HttpsServer, UnusableFilesAreRefusedByName) {
  EXPECT_EQ(tls_server_files_error(path("api.crt"), path("api.key")), "");
  const std::string missing = tls_server_files_error(path("none.crt"), path("api.key"));
  EXPECT_NE(missing.find("cannot load the TLS certificate " + path("none.crt")), std::string::npos)
      << missing;
  std::ofstream(path("garbage.key")) << "not a key\n";
  const std::string garbage = tls_server_files_error(path("api.crt"), path("garbage.key"));
  EXPECT_NE(garbage.find("cannot load the TLS key " + path("garbage.key")), std::string::npos)
      << garbage;
  const std::string mismatch = tls_server_files_error(path("api.crt"), path("other.key"));
  EXPECT_NE(mismatch.find("does not match the certificate"), std::string::npos) << mismatch;
  // The server itself refuses them when it is made, before it listens.
  ServerOptions o = tls_options();
  o.tls_key_file = path("other.key");
  EXPECT_THROW(HttpServer(loop_, "127.0.0.1", 0, [](const ServerRequest&, Responder) {}, o),
               std::runtime_error);
}

}  // namespace
}  // namespace drpilot::net
