// The responder's rules, one focused test each: authoritative answers,
// negative answers with SOA, REFUSED outside our zones, case handling and
// malformed input.

#include <gtest/gtest.h>

#include "dns/answer.h"
#include "test_zone.h"

namespace drpilot::dns {
namespace {

using fixture::addresses;
using fixture::ask;
using fixture::params;
using fixture::respond;
using fixture::test_snapshot;
using Bytes = std::vector<std::uint8_t>;

class Answer : public ::testing::Test {
 protected:
  std::shared_ptr<const Snapshot> snap_ = test_snapshot();
  Message ask(const QueryParams& p, Transport t = Transport::udp) {
    return fixture::ask(snap_.get(), p, t);
  }
  Message ask(const std::string& name, std::uint16_t qtype) { return ask(params(name, qtype)); }
};

void expect_negative_soa(const Message& m, const std::string& zone, std::uint32_t ttl) {
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_EQ(m.authority[0].type, type::SOA);
  EXPECT_EQ(m.authority[0].name, zone);
  EXPECT_EQ(m.authority[0].ttl, ttl);
}

TEST_F(Answer, AddressesInPlanOrderWithAuthority) {
  auto m = ask("www.example.test", type::A);
  EXPECT_EQ(m.header.id, 0x1234);
  EXPECT_TRUE(m.header.qr);
  EXPECT_TRUE(m.header.aa);
  EXPECT_FALSE(m.header.ra);
  EXPECT_FALSE(m.header.tc);
  EXPECT_EQ(m.rcode(), rcode::NOERROR);
  EXPECT_EQ(addresses(m.answers),
            (std::vector<std::string>{"198.51.100.1", "192.0.2.1", "192.0.2.2"}));
  for (const auto& rr : m.answers) {
    EXPECT_EQ(rr.name, "www.example.test.");
    EXPECT_EQ(rr.ttl, 30u);
    EXPECT_EQ(rr.rclass, klass::IN);
  }
  EXPECT_TRUE(m.authority.empty());
  EXPECT_TRUE(m.additional.empty());
}

TEST_F(Answer, Ipv6FromTheSitesIpv6Endpoints) {
  auto m = ask("www.example.test", type::AAAA);
  EXPECT_TRUE(m.header.aa);
  EXPECT_EQ(addresses(m.answers), (std::vector<std::string>{"2001:db8::1"}));
  EXPECT_EQ(m.answers[0].ttl, 40u);
}

TEST_F(Answer, RecursionDesiredIsCopiedAndNeverAvailable) {
  auto p = params("www.example.test", type::A);
  p.rd = true;
  auto m = ask(p);
  EXPECT_TRUE(m.header.rd);
  EXPECT_FALSE(m.header.ra);
  EXPECT_FALSE(ask("www.example.test", type::A).header.rd);
}

TEST_F(Answer, NameServersWithGlue) {
  auto m = ask("example.test", type::NS);
  EXPECT_TRUE(m.header.aa);
  ASSERT_EQ(m.answers.size(), 2u);
  EXPECT_EQ(std::get<NsData>(m.answers[0].data).host, "ns1.example.test.");
  EXPECT_EQ(std::get<NsData>(m.answers[1].data).host, "ns2.other.net.");
  EXPECT_EQ(m.answers[0].ttl, 3600u);
  // Glue only for the in-zone name server, owned by its name.
  ASSERT_EQ(m.additional.size(), 2u);
  EXPECT_EQ(m.additional[0].name, "ns1.example.test.");
  EXPECT_EQ(addresses(m.additional), (std::vector<std::string>{"192.0.2.53", "2001:db8::53"}));
}

TEST_F(Answer, NameServerAddressesAnswerDirectly) {
  EXPECT_EQ(addresses(ask("ns1.example.test", type::A).answers),
            (std::vector<std::string>{"192.0.2.53"}));
}

TEST_F(Answer, SoaAtTheApex) {
  auto m = ask("example.test", type::SOA);
  EXPECT_TRUE(m.header.aa);
  ASSERT_EQ(m.answers.size(), 1u);
  const auto& soa = std::get<SoaData>(m.answers[0].data);
  EXPECT_EQ(soa.mname, "ns1.example.test.");
  EXPECT_EQ(soa.rname, "hostmaster.example.test.");
  EXPECT_EQ(soa.serial, 7u);
  EXPECT_EQ(soa.minimum, 300u);
  EXPECT_EQ(m.answers[0].ttl, 3600u);
}

// RFC 8482: a minimal answer to ANY, one RRset, never everything at the name.
TEST_F(Answer, AnyIsAnsweredWithOneRRset) {
  auto apex = ask("example.test", type::ANY);
  EXPECT_TRUE(apex.header.aa);
  ASSERT_EQ(apex.answers.size(), 1u);  // the SOA only, not the NS set too
  EXPECT_EQ(apex.answers[0].type, type::SOA);
  auto www = ask("www.example.test", type::ANY);
  ASSERT_FALSE(www.answers.empty());
  for (const auto& rr : www.answers) EXPECT_EQ(rr.type, type::A);  // the A set, no AAAA
}

TEST_F(Answer, NodataForAnotherTypeAtAnExistingName) {
  auto m = ask("www.example.test", type::MX);
  EXPECT_TRUE(m.header.aa);
  EXPECT_EQ(m.rcode(), rcode::NOERROR);
  EXPECT_TRUE(m.answers.empty());
  expect_negative_soa(m, "example.test.", 300);
}

TEST_F(Answer, NodataForNsOrSoaBelowTheApex) {
  for (std::uint16_t t : {type::NS, type::SOA}) {
    auto m = ask("www.example.test", t);
    EXPECT_EQ(m.rcode(), rcode::NOERROR);
    EXPECT_TRUE(m.answers.empty());
    expect_negative_soa(m, "example.test.", 300);
  }
}

TEST_F(Answer, NodataForAnEmptyNonTerminal) {
  auto m = ask("eu.example.test", type::A);
  EXPECT_TRUE(m.header.aa);
  EXPECT_EQ(m.rcode(), rcode::NOERROR);
  EXPECT_TRUE(m.answers.empty());
  expect_negative_soa(m, "example.test.", 300);
}

TEST_F(Answer, NodataForARecordWithoutSitesYet) {
  auto m = ask("pending.example.test", type::A);
  EXPECT_EQ(m.rcode(), rcode::NOERROR);
  EXPECT_TRUE(m.answers.empty());
  expect_negative_soa(m, "example.test.", 300);
}

TEST_F(Answer, NodataWhenNoSiteHasTheAddressFamily) {
  auto m = ask("x.sub.example.test", type::AAAA);  // record is A only
  EXPECT_EQ(m.rcode(), rcode::NOERROR);
  EXPECT_TRUE(m.answers.empty());
}

TEST_F(Answer, NxdomainWithSoaAndNegativeTtl) {
  auto m = ask("nope.example.test", type::A);
  EXPECT_TRUE(m.header.aa);
  EXPECT_EQ(m.rcode(), rcode::NXDOMAIN);
  EXPECT_TRUE(m.answers.empty());
  // TTL = min(SOA TTL 3600, minimum 300).
  expect_negative_soa(m, "example.test.", 300);
  const auto& soa = std::get<SoaData>(m.authority[0].data);
  EXPECT_EQ(soa.serial, 7u);
}

TEST_F(Answer, NegativeTtlIsTheSmallerOfTtlAndMinimum) {
  // sub.example.test: SOA TTL 60, minimum 120.
  auto m = ask("nope.sub.example.test", type::A);
  EXPECT_EQ(m.rcode(), rcode::NXDOMAIN);
  expect_negative_soa(m, "sub.example.test.", 60);
}

TEST_F(Answer, NxdomainBelowAnExistingName) {
  auto m = ask("deeper.www.example.test", type::A);
  EXPECT_EQ(m.rcode(), rcode::NXDOMAIN);
}

TEST_F(Answer, LongestZoneWins) {
  auto m = ask("x.sub.example.test", type::A);
  EXPECT_EQ(addresses(m.answers), (std::vector<std::string>{"203.0.113.1"}));
  auto nx = ask("y.sub.example.test", type::A);
  expect_negative_soa(nx, "sub.example.test.", 60);
}

TEST_F(Answer, RefusedOutsideOurZonesWithoutAa) {
  for (const char* name : {"outside.other.net", "test", ".", "example.test.evil"}) {
    auto m = ask(name, type::A);
    EXPECT_EQ(m.rcode(), rcode::REFUSED) << name;
    EXPECT_FALSE(m.header.aa) << name;
    EXPECT_TRUE(m.answers.empty());
    EXPECT_TRUE(m.authority.empty());
  }
}

TEST_F(Answer, ClassInAndAnyOnly) {
  auto p = params("www.example.test", type::A);
  p.qclass = klass::ANY;
  EXPECT_EQ(addresses(ask(p).answers).size(), 3u);
  p.qclass = klass::CH;
  auto m = ask(p);
  EXPECT_EQ(m.rcode(), rcode::REFUSED);
  EXPECT_FALSE(m.header.aa);
  EXPECT_TRUE(m.answers.empty());
}

TEST_F(Answer, ZoneTransfersAreRefused) {
  EXPECT_EQ(ask("example.test", type::AXFR).rcode(), rcode::REFUSED);
  EXPECT_EQ(ask("example.test", type::IXFR).rcode(), rcode::REFUSED);
}

TEST(AnswerWithoutSnapshot, IsServfail) {
  auto m = ask(nullptr, params("www.example.test", type::A));
  EXPECT_EQ(m.rcode(), rcode::SERVFAIL);
  EXPECT_FALSE(m.header.aa);
  EXPECT_EQ(m.questions.size(), 1u);
}

TEST_F(Answer, CaseInsensitiveMatchEchoesTheQueryCase) {
  // build_query lower-cases names, so the mixed case is written by hand.
  auto q = *build_query(params("www.example.test", type::A));
  const std::string mixed =
      "\x03WwW\x07"
      "ExAmPlE\x04TEst";
  std::copy(mixed.begin(), mixed.end(), q.begin() + 12);
  auto raw = respond(snap_.get(), q);
  ASSERT_GT(raw.size(), 12u);
  // The question is copied verbatim...
  EXPECT_TRUE(std::equal(q.begin() + 12, q.end(), raw.begin() + 12));
  // ...and the first answer's owner is a pointer to it.
  const std::size_t first_answer = q.size();
  EXPECT_EQ(raw[first_answer], 0xC0);
  EXPECT_EQ(raw[first_answer + 1], 12);
  Message m;
  ASSERT_EQ(parse_message(raw.data(), raw.size(), m), WireError::none);
  EXPECT_EQ(m.questions[0].name, "WwW.ExAmPlE.TEst.");
  EXPECT_EQ(m.answers.size(), 3u);
  EXPECT_EQ(m.answers[0].name, "WwW.ExAmPlE.TEst.");
}

TEST_F(Answer, NegativeSoaOwnerPointsIntoTheQuestion) {
  auto q = *build_query(params("nope.example.test", type::A));
  auto raw = respond(snap_.get(), q);
  // The SOA owner is the apex: "example.test" starts after "\x04nope".
  EXPECT_EQ(raw[q.size()], 0xC0);
  EXPECT_EQ(raw[q.size() + 1], 12 + 5);
}

// --- Malformed and unusual queries -----------------------------------------

TEST_F(Answer, ShorterThanAHeaderIsDropped) {
  for (std::size_t n = 0; n < kHeaderSize; ++n) {
    EXPECT_TRUE(respond(snap_.get(), Bytes(n, 0)).empty()) << n;
  }
}

TEST_F(Answer, ResponsesAreDropped) {
  auto q = *build_query(params("www.example.test", type::A));
  q[2] |= 0x80;  // QR
  EXPECT_TRUE(respond(snap_.get(), q).empty());
}

TEST_F(Answer, OtherOpcodesAreNotImplemented) {
  auto q = *build_query(params("www.example.test", type::A));
  q[2] |= 4 << 3;  // NOTIFY
  auto raw = respond(snap_.get(), q);
  Message m;
  ASSERT_EQ(parse_message(raw.data(), raw.size(), m), WireError::none);
  EXPECT_EQ(m.rcode(), rcode::NOTIMP);
  EXPECT_EQ(m.header.opcode, 4);
  EXPECT_EQ(m.header.id, 0x1234);
  EXPECT_TRUE(m.answers.empty());
}

struct BadQuery {
  const char* what;
  Bytes bytes;
};

class FormErr : public ::testing::TestWithParam<BadQuery> {};

TEST_P(FormErr, AnswersFormerrWithTheIdEchoed) {
  auto snap = test_snapshot();
  auto raw = respond(snap.get(), GetParam().bytes);
  ASSERT_GE(raw.size(), kHeaderSize) << GetParam().what;
  Message m;
  ASSERT_EQ(parse_message(raw.data(), raw.size(), m), WireError::none);
  EXPECT_EQ(m.header.id, 0xABCD);
  EXPECT_TRUE(m.header.qr);
  EXPECT_EQ(m.rcode(), rcode::FORMERR);
  EXPECT_TRUE(m.answers.empty());
}

Bytes hdr(std::uint16_t qd, std::uint16_t ar = 0) {
  return {0xAB, 0xCD, 0x01, 0x00, 0x00, std::uint8_t(qd),
          0x00, 0x00, 0x00, 0x00, 0x00, std::uint8_t(ar)};
}
Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
const Bytes kName = {3,   'w', 'w', 'w', 7,   'e', 'x', 'a', 'm',
                     'p', 'l', 'e', 4,   't', 'e', 's', 't', 0};
const Bytes kA = {0, 1, 0, 1};
const Bytes kOpt = {0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0};

INSTANTIATE_TEST_SUITE_P(
    Table, FormErr,
    ::testing::Values(BadQuery{"header only", hdr(1)}, BadQuery{"no question", hdr(0)},
                      BadQuery{"two questions", hdr(2) + kName + kA + kName + kA},
                      BadQuery{"truncated question", hdr(1) + Bytes{3, 'w', 'w'}},
                      BadQuery{"missing type", hdr(1) + kName},
                      BadQuery{"bad label type", hdr(1) + Bytes{0x40, 0} + kA},
                      BadQuery{"pointer", hdr(1) + Bytes{0xC0, 12} + kA},
                      BadQuery{"trailing garbage", hdr(1) + kName + kA + Bytes{1, 2, 3}},
                      BadQuery{"two OPT records", hdr(1, 2) + kName + kA + kOpt + kOpt},
                      BadQuery{"OPT announced, absent", hdr(1, 1) + kName + kA}));

}  // namespace
}  // namespace drpilot::dns
