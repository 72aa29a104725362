// Interoperability: BIND's dig, a third-party implementation, queries the
// in-process server and must be satisfied with what it gets.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "dns/server.h"
#include "test_zone.h"

namespace drpilot::dns {
namespace {

bool have_dig() {
  return std::system("command -v dig >/dev/null 2>&1") == 0;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  pclose(pipe);
  return out;
}

class Dig : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_dig()) GTEST_SKIP() << "dig is not installed";
    ServerOptions o;
    o.listen = {{"127.0.0.1", 0}};
    o.udp_threads = 1;
    server_ = std::make_unique<Server>(o);
    server_->publish(fixture::test_snapshot());
    server_->start();
  }

  std::string dig(const std::string& args) {
    return run("dig @127.0.0.1 -p " + std::to_string(server_->bound_port(0)) +
               " +time=3 +tries=1 " + args);
  }

  std::unique_ptr<Server> server_;
};

TEST_F(Dig, AuthoritativeAnswer) {
  const std::string out = dig("+norecurse www.example.test A");
  EXPECT_NE(out.find("status: NOERROR"), std::string::npos) << out;
  EXPECT_NE(out.find("flags: qr aa;"), std::string::npos) << out;
  EXPECT_NE(out.find("udp: 1232"), std::string::npos) << out;
  EXPECT_NE(out.find("198.51.100.1"), std::string::npos) << out;
  EXPECT_NE(out.find("192.0.2.2"), std::string::npos) << out;
  EXPECT_EQ(out.find("WARNING"), std::string::npos) << out;
}

TEST_F(Dig, ShortAnswerInPlanOrder) {
  EXPECT_EQ(dig("+short www.example.test A"), "198.51.100.1\n192.0.2.1\n192.0.2.2\n");
  EXPECT_EQ(dig("+short +tcp www.example.test AAAA"), "2001:db8::1\n");
}

TEST_F(Dig, MixedCaseIsEchoed) {
  const std::string out = dig("+noall +answer WwW.ExAmPlE.tEsT A");
  EXPECT_NE(out.find("WwW.ExAmPlE.tEsT."), std::string::npos) << out;
  EXPECT_NE(out.find("198.51.100.1"), std::string::npos) << out;
}

TEST_F(Dig, NxdomainWithSoa) {
  const std::string out = dig("nope.example.test A");
  EXPECT_NE(out.find("status: NXDOMAIN"), std::string::npos) << out;
  EXPECT_NE(out.find("AUTHORITY: 1"), std::string::npos) << out;
  EXPECT_NE(out.find("ns1.example.test. hostmaster.example.test. 7 3600 600 86400 300"),
            std::string::npos)
      << out;
}

TEST_F(Dig, NameServersWithGlue) {
  const std::string out = dig("example.test NS");
  EXPECT_NE(out.find("ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 3"), std::string::npos) << out;
  EXPECT_NE(out.find("192.0.2.53"), std::string::npos) << out;
}

TEST_F(Dig, RetriesOverTcpAfterTruncation) {
  const std::string out = dig("big.example.test A");
  EXPECT_NE(out.find("Truncated, retrying in TCP mode"), std::string::npos) << out;
  EXPECT_NE(out.find("ANSWER: 100"), std::string::npos) << out;
}

TEST_F(Dig, RefusedOutsideTheZones) {
  EXPECT_NE(dig("www.other.net A").find("status: REFUSED"), std::string::npos);
}

TEST_F(Dig, BadversForEdnsVersionOne) {
  const std::string out = dig("+edns=1 +noednsnegotiation www.example.test A");
  EXPECT_NE(out.find("status: BADVERS"), std::string::npos) << out;
}

}  // namespace
}  // namespace drpilot::dns
