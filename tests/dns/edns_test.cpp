// EDNS0 and message size limits: OPT echo, BADVERS, the UDP size the client
// advertises, truncation and TCP.

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

class Edns : public ::testing::Test {
 protected:
  std::shared_ptr<const Snapshot> snap_ = test_snapshot();

  std::vector<std::uint8_t> raw(const QueryParams& p, Transport t = Transport::udp) {
    return respond(snap_.get(), *build_query(p), t);
  }
  static QueryParams with_edns(std::string name, std::uint16_t qtype, std::uint16_t payload) {
    auto p = params(std::move(name), qtype);
    p.edns_payload = payload;
    return p;
  }
};

TEST_F(Edns, OptInQueryGivesOptInResponse) {
  auto m = ask(snap_.get(), with_edns("www.example.test", type::A, 4096));
  ASSERT_TRUE(m.edns);
  EXPECT_EQ(m.edns->udp_payload, kServerEdnsPayload);
  EXPECT_EQ(m.edns->version, 0);
  EXPECT_EQ(m.edns->extended_rcode, 0);
  EXPECT_FALSE(m.edns->dnssec_ok);
  EXPECT_EQ(addresses(m.answers).size(), 3u);
}

TEST_F(Edns, NoOptInQueryNoOptInResponse) {
  EXPECT_FALSE(ask(snap_.get(), params("www.example.test", type::A)).edns);
}

TEST_F(Edns, OptAlsoOnNegativeAndRefusedAnswers) {
  EXPECT_TRUE(ask(snap_.get(), with_edns("nope.example.test", type::A, 1232)).edns);
  EXPECT_TRUE(ask(snap_.get(), with_edns("other.net", type::A, 1232)).edns);
}

TEST_F(Edns, DnssecOkBitIsCopied) {
  auto p = with_edns("www.example.test", type::A, 1232);
  p.dnssec_ok = true;
  auto m = ask(snap_.get(), p);
  ASSERT_TRUE(m.edns);
  EXPECT_TRUE(m.edns->dnssec_ok);
}

TEST_F(Edns, HigherVersionGetsBadversWithOpt) {
  auto q = *build_query(with_edns("www.example.test", type::A, 1232));
  q[q.size() - 5] = 1;  // the OPT TTL's version octet
  auto raw = respond(snap_.get(), q);
  Message m;
  ASSERT_EQ(parse_message(raw.data(), raw.size(), m), WireError::none);
  EXPECT_EQ(m.rcode(), rcode::BADVERS);
  EXPECT_EQ(m.header.rcode, 0);  // 16: the low 4 bits are zero
  ASSERT_TRUE(m.edns);
  EXPECT_EQ(m.edns->extended_rcode, 1);
  EXPECT_EQ(m.edns->version, 0);
  EXPECT_TRUE(m.answers.empty());
  EXPECT_EQ(m.questions.size(), 1u);
}

TEST_F(Edns, TwoOptRecordsAreFormerr) {
  auto q = *build_query(with_edns("www.example.test", type::A, 1232));
  const std::vector<std::uint8_t> opt(q.end() - 11, q.end());
  q.insert(q.end(), opt.begin(), opt.end());
  q[11] = 2;  // ARCOUNT
  auto raw = respond(snap_.get(), q);
  Message m;
  ASSERT_EQ(parse_message(raw.data(), raw.size(), m), WireError::none);
  EXPECT_EQ(m.rcode(), rcode::FORMERR);
  EXPECT_EQ(m.header.id, 0x1234);
}

TEST_F(Edns, WithoutOptUdpIsLimitedTo512AndTruncates) {
  auto r = raw(params("big.example.test", type::A));  // 100 addresses: 1600+ octets
  ASSERT_FALSE(r.empty());
  EXPECT_LE(r.size(), kClassicUdpSize);
  Message m;
  ASSERT_EQ(parse_message(r.data(), r.size(), m), WireError::none);
  EXPECT_TRUE(m.header.tc);
  EXPECT_TRUE(m.header.aa);
  EXPECT_EQ(m.questions.size(), 1u);
  EXPECT_TRUE(m.answers.empty());  // never a partial RRset
  EXPECT_TRUE(m.authority.empty());
  EXPECT_FALSE(m.edns);
}

TEST_F(Edns, TruncatedResponseKeepsTheOpt) {
  auto r = raw(with_edns("big.example.test", type::A, 4096));
  Message m;
  ASSERT_EQ(parse_message(r.data(), r.size(), m), WireError::none);
  EXPECT_TRUE(m.header.tc);
  EXPECT_TRUE(m.answers.empty());
  ASSERT_TRUE(m.edns);
  EXPECT_LE(r.size(), kMaxUdpResponse);
}

TEST_F(Edns, ClientPayloadSizeIsHonoured) {
  // big.example.test needs 34 + 100 * 16 + 11 octets, more than any of
  // these: TC every time, and never more octets than the client accepts.
  for (std::uint16_t size : {600, 800, 1000, 1200}) {
    auto r = raw(with_edns("big.example.test", type::A, size));
    EXPECT_LE(r.size(), size) << size;
    EXPECT_TRUE(read_header(r.data()).tc) << size;
  }
}

TEST_F(Edns, AnswerThatFitsTheClientSizeIsNotTruncated) {
  // A 40-address record: 34 + 40 * 16 = 674 octets (+11 OPT) > 512.
  auto d = fixture::test_data();
  d.sites[3].ipv4.resize(40);
  auto snap = build_snapshot(d.zones, d.sites, d.records, d.plan);
  auto p = with_edns("big.example.test", type::A, 1000);
  auto r = respond(snap.get(), *build_query(p));
  Message m;
  ASSERT_EQ(parse_message(r.data(), r.size(), m), WireError::none);
  EXPECT_FALSE(m.header.tc);
  EXPECT_EQ(m.answers.size(), 40u);
  EXPECT_GT(r.size(), kClassicUdpSize);
  EXPECT_LE(r.size(), 1000u);
  // The same without EDNS0 does not fit 512.
  auto r512 = respond(snap.get(), *build_query(params("big.example.test", type::A)));
  EXPECT_TRUE(read_header(r512.data()).tc);
}

TEST_F(Edns, TinyClientSizeMeansFiveHundredTwelve) {
  auto d = fixture::test_data();
  d.sites[3].ipv4.resize(25);  // 34 + 25 * 16 + 11 = 445 octets
  auto snap = build_snapshot(d.zones, d.sites, d.records, d.plan);
  auto r = respond(snap.get(), *build_query(with_edns("big.example.test", type::A, 100)));
  EXPECT_FALSE(read_header(r.data()).tc);
  EXPECT_GT(r.size(), 100u);
  EXPECT_LE(r.size(), kClassicUdpSize);
}

TEST_F(Edns, HugeClientSizeIsCappedAtOurMaximum) {
  auto r = raw(with_edns("big.example.test", type::A, 65000));
  EXPECT_LE(r.size(), kMaxUdpResponse);
  EXPECT_TRUE(read_header(r.data()).tc);
}

TEST_F(Edns, TcpCarriesTheWholeAnswer) {
  auto r = raw(params("big.example.test", type::A), Transport::tcp);
  Message m;
  ASSERT_EQ(parse_message(r.data(), r.size(), m), WireError::none);
  EXPECT_FALSE(m.header.tc);
  EXPECT_EQ(m.answers.size(), 100u);
  EXPECT_EQ(addresses(m.answers).front(), "10.0.0.1");
  EXPECT_EQ(addresses(m.answers).back(), "10.0.99.1");
}

TEST_F(Edns, GlueIsLeftOutRatherThanTruncating) {
  // Many name servers in the zone, all with glue: the NS set fits 512, the
  // glue does not; the answer is complete and not truncated.
  core::ZoneSpec z;
  z.name = "zone.test";
  for (int i = 0; i < 12; ++i) {
    z.ns.push_back({"ns" + std::to_string(i) + ".zone.test",
                    {"192.0.2." + std::to_string(i), "2001:db8::" + std::to_string(i)}});
  }
  auto snap = build_snapshot({z}, {}, {}, core::Plan{});
  auto r = respond(snap.get(), *build_query(params("zone.test", type::NS)));
  Message m;
  ASSERT_EQ(parse_message(r.data(), r.size(), m), WireError::none);
  EXPECT_FALSE(m.header.tc);
  EXPECT_EQ(m.answers.size(), 12u);
  EXPECT_TRUE(m.additional.empty());
  EXPECT_LE(r.size(), kClassicUdpSize);
  // Over TCP the glue comes along.
  auto t = respond(snap.get(), *build_query(params("zone.test", type::NS)), Transport::tcp);
  ASSERT_EQ(parse_message(t.data(), t.size(), m), WireError::none);
  EXPECT_EQ(m.additional.size(), 24u);
}

TEST_F(Edns, CallerBufferTooSmallForEvenTheQuestionDrops) {
  auto q = *build_query(params("www.example.test", type::A));
  std::vector<std::uint8_t> out(20);
  EXPECT_EQ(answer(snap_.get(), q.data(), q.size(), out.data(), out.size(), Transport::udp).size,
            0u);
}

}  // namespace
}  // namespace drpilot::dns
