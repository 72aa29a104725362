// The embedded DNS keeps serving whatever arrives: random datagrams, broken
// TCP framing, idle connections. Answers are checked with dig and kdig.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <random>

#include "integration/lab_fixture.h"

namespace drpilot::testing {
namespace {

using namespace std::chrono_literals;

class DnsRobustness : public LabFixture {
 protected:
  sockaddr_in server() const {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(ports_.dns);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    return a;
  }
};

TEST_F(DnsRobustness, GarbageUdpAndTcpNeverStopTheServer) {
  start_demo();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s));
  std::mt19937 rng(7);
  sockaddr_in a = server();

  int udp = socket(AF_INET, SOCK_DGRAM, 0);
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::uint8_t> junk(std::uniform_int_distribution<int>(0, 700)(rng));
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    if (i % 3 == 0 && junk.size() >= 12) junk[2] &= 0x7f;  // looks like a query: QR clear
    sendto(udp, junk.data(), junk.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  close(udp);

  for (int i = 0; i < 50; ++i) {
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(connect(tcp, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    std::vector<std::uint8_t> junk(std::uniform_int_distribution<int>(1, 3000)(rng));
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    (void)!write(tcp, junk.data(), junk.size());
    if (i % 2)
      close(tcp);  // the others are left half-open until the end
    else
      shutdown(tcp, SHUT_WR);
  }

  EXPECT_EQ(dig(), std::vector<std::string>{"127.0.0.11"});
  CommandResult tcp = run_command({"dig", "@127.0.0.1", "-p", std::to_string(ports_.dns), "+tcp",
                                   "+short", "www.example.test"});
  EXPECT_EQ(tcp.output, "127.0.0.11\n");
  ASSERT_TRUE(demo_->running());
}

TEST_F(DnsRobustness, AuthoritativeAnswersAsSeenByDig) {
  start_demo();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s));
  const std::string port = std::to_string(ports_.dns);
  CommandResult r =
      run_command({"dig", "@127.0.0.1", "-p", port, "WwW.ExAmPlE.tEsT", "A", "+norecurse"});
  EXPECT_NE(r.output.find("flags: qr aa"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("WwW.ExAmPlE.tEsT.\t30\tIN\tA\t127.0.0.11"), std::string::npos)
      << r.output;

  r = run_command({"dig", "@127.0.0.1", "-p", port, "nope.example.test", "A"});
  EXPECT_NE(r.output.find("status: NXDOMAIN"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("AUTHORITY: 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("SOA"), std::string::npos) << r.output;

  r = run_command({"dig", "@127.0.0.1", "-p", port, "www.example.test", "AAAA"});
  EXPECT_NE(r.output.find("status: NOERROR"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ANSWER: 0"), std::string::npos) << r.output;

  r = run_command({"dig", "@127.0.0.1", "-p", port, "www.example.org", "A"});
  EXPECT_NE(r.output.find("status: REFUSED"), std::string::npos) << r.output;

  r = run_command({"dig", "@127.0.0.1", "-p", port, "example.test", "NS", "+short"});
  EXPECT_EQ(r.output, "ns1.example.test.\n");
}

TEST_F(DnsRobustness, KdigOverTcpAndUdp) {
  if (!have_program("kdig")) GTEST_SKIP() << "kdig (knot-dnsutils) is not installed";
  start_demo();
  ASSERT_TRUE(wait_for_answer("127.0.0.11", 10s));
  for (const char* transport : {"+notcp", "+tcp"}) {
    CommandResult r = run_command({"kdig", "@127.0.0.1", "-p", std::to_string(ports_.dns),
                                   transport, "+short", "www.example.test", "A"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "127.0.0.11\n") << transport;
  }
}

}  // namespace
}  // namespace drpilot::testing
