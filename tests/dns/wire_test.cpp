// The hand-written codec: names, headers, queries and full messages, valid
// and malformed.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/name.h"
#include "dns/wire.h"

namespace drpilot::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes header(std::uint16_t qd, std::uint16_t an = 0, std::uint16_t ns = 0, std::uint16_t ar = 0,
             std::uint8_t flags_hi = 0x01) {
  return {0xAB,
          0xCD,
          flags_hi,
          0x00,
          std::uint8_t(qd >> 8),
          std::uint8_t(qd),
          std::uint8_t(an >> 8),
          std::uint8_t(an),
          std::uint8_t(ns >> 8),
          std::uint8_t(ns),
          std::uint8_t(ar >> 8),
          std::uint8_t(ar)};
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes str(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

const Bytes kWww = str(std::string("\x03www\x07"
                                   "example\x04test",
                                   17) +
                       std::string(1, '\0'));
const Bytes kTypeA = {0x00, 0x01, 0x00, 0x01};
const Bytes kOpt = {0x00, 0x00, 0x29, 0x04, 0xD0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

Bytes label63() {
  Bytes b{63};
  b.insert(b.end(), 63, 'a');
  return b;
}

TEST(Name, TextToWireAndBack) {
  auto wire = name_to_wire("WWW.Example.Test");
  ASSERT_TRUE(wire);
  EXPECT_EQ(*wire, std::string("\x03www\x07"
                               "example\x04test",
                               17) +
                       std::string(1, '\0'));
  EXPECT_EQ(wire_to_text(*wire), "www.example.test.");
  EXPECT_EQ(name_to_wire("www.example.test."), wire);
}

TEST(Name, RootForms) {
  EXPECT_EQ(name_to_wire(""), std::string(1, '\0'));
  EXPECT_EQ(name_to_wire("."), std::string(1, '\0'));
  EXPECT_EQ(wire_to_text(std::string(1, '\0')), ".");
}

TEST(Name, EscapesRoundTrip) {
  auto wire = name_to_wire("a\\.b.c\\\\d.\\007x");
  ASSERT_TRUE(wire);
  EXPECT_EQ(*wire, std::string("\x03"
                               "a.b\x03"
                               "c\\d\x02\x07x",
                               11) +
                       std::string(1, '\0'));
  EXPECT_EQ(wire_to_text(*wire), "a\\.b.c\\\\d.\\007x.");
  EXPECT_EQ(name_to_wire(wire_to_text(*wire)), wire);
}

TEST(Name, RejectsInvalidText) {
  EXPECT_FALSE(name_to_wire("a..b"));
  EXPECT_FALSE(name_to_wire(".a"));
  EXPECT_FALSE(name_to_wire(std::string(64, 'a') + ".test"));
  EXPECT_TRUE(name_to_wire(std::string(63, 'a') + ".test"));
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += std::string(63, 'a') + ".";
  EXPECT_FALSE(name_to_wire(long_name));  // 4 * 64 + 1 = 257 octets
  EXPECT_FALSE(name_to_wire("a\\"));
  EXPECT_FALSE(name_to_wire("a\\256"));
}

TEST(Name, ReadFollowsBackwardPointers) {
  // Question www.example.test at 12; then "api" + pointer to "example" (16).
  Bytes msg = cat({header(1), kWww, kTypeA, {0x03, 'a', 'p', 'i', 0xC0, 16}});
  std::size_t pos = 12 + kWww.size() + 4;
  std::uint8_t out[kMaxNameSize];
  std::size_t size = 0;
  ASSERT_EQ(read_name(msg.data(), msg.size(), pos, out, size), WireError::none);
  EXPECT_EQ(pos, msg.size());  // resumes after the pointer
  EXPECT_EQ(wire_to_text(out, size), "api.example.test.");
}

TEST(Name, LowerCasingLeavesLengthsAlone) {
  std::string wire("\x03WwW\x01Z", 6);
  wire += '\0';
  lower_name(reinterpret_cast<std::uint8_t*>(wire.data()), wire.size());
  EXPECT_EQ(wire, std::string("\x03www\x01z", 6) + std::string(1, '\0'));
}

TEST(Header, RoundTripsEveryField) {
  Header h;
  h.id = 0xBEEF;
  h.qr = h.aa = h.tc = h.rd = h.ra = h.ad = h.cd = true;
  h.opcode = 5;
  h.rcode = 9;
  h.qdcount = 1;
  h.ancount = 2;
  h.nscount = 3;
  h.arcount = 0x1234;
  std::uint8_t buf[kHeaderSize];
  write_header(buf, h);
  const Header back = read_header(buf);
  EXPECT_EQ(back.id, 0xBEEF);
  EXPECT_TRUE(back.qr && back.aa && back.tc && back.rd && back.ra && back.ad && back.cd);
  EXPECT_EQ(back.opcode, 5);
  EXPECT_EQ(back.rcode, 9);
  EXPECT_EQ(back.qdcount, 1);
  EXPECT_EQ(back.ancount, 2);
  EXPECT_EQ(back.nscount, 3);
  EXPECT_EQ(back.arcount, 0x1234);
}

TEST(Query, BuildThenParse) {
  QueryParams p;
  p.id = 77;
  p.name = "WwW.Example.TEST";
  p.qtype = type::AAAA;
  p.rd = true;
  p.edns_payload = 4096;
  p.dnssec_ok = true;
  auto q = build_query(p);
  ASSERT_TRUE(q);
  Query parsed;
  ASSERT_EQ(parse_query(q->data(), q->size(), parsed), WireError::none);
  EXPECT_EQ(parsed.header.id, 77);
  EXPECT_TRUE(parsed.header.rd);
  EXPECT_EQ(parsed.qtype, type::AAAA);
  EXPECT_EQ(parsed.qclass, klass::IN);
  EXPECT_EQ(parsed.qname_view(), *name_to_wire("www.example.test"));
  EXPECT_EQ(parsed.question_end, kHeaderSize + 18 + 4);
  EXPECT_TRUE(parsed.has_edns);
  EXPECT_EQ(parsed.edns_payload, 4096);
  EXPECT_EQ(parsed.edns_version, 0);
  EXPECT_TRUE(parsed.dnssec_ok);

  Message m;
  ASSERT_EQ(parse_message(q->data(), q->size(), m), WireError::none);
  ASSERT_EQ(m.questions.size(), 1u);
  EXPECT_EQ(m.questions[0].name, "www.example.test.");  // name_to_wire lower-cases
  ASSERT_TRUE(m.edns);
  EXPECT_EQ(m.edns->udp_payload, 4096);
  EXPECT_TRUE(m.edns->dnssec_ok);
}

TEST(Query, RejectsInvalidNameWhenBuilding) {
  QueryParams p;
  p.name = "a..b";
  EXPECT_FALSE(build_query(p));
}

TEST(Query, SkipsAnswerAndAuthorityRecords) {
  const Bytes a_record = {0xC0, 12, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 30, 0x00, 0x04, 1, 2, 3, 4};
  Bytes msg = cat({header(1, 1, 1, 0), kWww, kTypeA, a_record, a_record});
  Query q;
  EXPECT_EQ(parse_query(msg.data(), msg.size(), q), WireError::none);
}

struct Malformed {
  const char* what;
  Bytes bytes;
  WireError error;
};

class MalformedQuery : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedQuery, IsRejectedWithThePreciseError) {
  const Malformed& c = GetParam();
  Query q;
  EXPECT_EQ(parse_query(c.bytes.data(), c.bytes.size(), q), c.error)
      << c.what << ": " << to_string(parse_query(c.bytes.data(), c.bytes.size(), q));
}

Bytes too_long_name() {
  Bytes name;
  for (int i = 0; i < 5; ++i) {
    Bytes l = label63();
    name.insert(name.end(), l.begin(), l.end());
  }
  name.push_back(0);
  return name;
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedQuery,
    ::testing::Values(
        Malformed{"empty", {}, WireError::too_short},
        Malformed{"11 octets", Bytes(11, 0), WireError::too_short},
        Malformed{"no question", header(0), WireError::bad_question_count},
        Malformed{"two questions", cat({header(2), kWww, kTypeA, kWww, kTypeA}),
                  WireError::bad_question_count},
        Malformed{"header only", header(1), WireError::truncated},
        Malformed{"unterminated name", cat({header(1), {3, 'w', 'w', 'w'}}), WireError::truncated},
        Malformed{"label cut short", cat({header(1), {5, 'w', 'w'}}), WireError::truncated},
        Malformed{"extended label type", cat({header(1), {0x41, 0}, kTypeA}),
                  WireError::bad_label_type},
        Malformed{"reserved label type", cat({header(1), {0x81, 0}, kTypeA}),
                  WireError::bad_label_type},
        Malformed{"pointer to itself", cat({header(1), {0xC0, 12}, kTypeA}),
                  WireError::bad_pointer},
        Malformed{"pointer into header", cat({header(1), {0xC0, 2}, kTypeA}),
                  WireError::bad_pointer},
        Malformed{"forward pointer", cat({header(1), {0xC0, 40}, kTypeA, Bytes(30, 0)}),
                  WireError::bad_pointer},
        Malformed{"pointer cut short", cat({header(1), {0xC0}}), WireError::truncated},
        Malformed{"name over 255 octets", cat({header(1), too_long_name(), kTypeA}),
                  WireError::name_too_long},
        Malformed{"no type and class", cat({header(1), kWww, {0x00, 0x01}}), WireError::truncated},
        Malformed{"trailing garbage", cat({header(1), kWww, kTypeA, {0xFF}}),
                  WireError::trailing_data},
        Malformed{"announced OPT missing", cat({header(1, 0, 0, 1), kWww, kTypeA}),
                  WireError::truncated},
        Malformed{"OPT owner not root",
                  cat({header(1, 0, 0, 1),
                       kWww,
                       kTypeA,
                       {0x01, 'x', 0x00, 0x00, 0x29, 0x04, 0xD0, 0, 0, 0, 0, 0, 0}}),
                  WireError::bad_opt},
        Malformed{"two OPT records", cat({header(1, 0, 0, 2), kWww, kTypeA, kOpt, kOpt}),
                  WireError::duplicate_opt},
        Malformed{"OPT option cut short",
                  cat({header(1, 0, 0, 1),
                       kWww,
                       kTypeA,
                       {0x00, 0x00, 0x29, 0x04, 0xD0, 0, 0, 0, 0, 0x00, 0x03, 0x00, 0x0A, 0x00}}),
                  WireError::bad_opt},
        Malformed{"OPT option longer than RDATA",
                  cat({header(1, 0, 0, 1),
                       kWww,
                       kTypeA,
                       {0x00, 0x00, 0x29, 0x04, 0xD0, 0, 0, 0, 0, 0x00, 0x05, 0x00, 0x0A, 0x00,
                        0x08, 0x00}}),
                  WireError::bad_opt},
        Malformed{"OPT in the answer section", cat({header(1, 1, 0, 0), kWww, kTypeA, kOpt}),
                  WireError::bad_opt},
        Malformed{"RDATA past the end",
                  cat({header(1, 0, 0, 1),
                       kWww,
                       kTypeA,
                       {0xC0, 12, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 30, 0x00, 0x10, 1, 2}}),
                  WireError::truncated},
        Malformed{"record header cut short", cat({header(1, 0, 0, 1), kWww, kTypeA, {0x00, 0x00}}),
                  WireError::truncated}));

// A response as a server would send it, with compressed owners.
Bytes sample_response() {
  Bytes msg = cat({header(1, 3, 1, 1, 0x85), kWww, kTypeA});
  const Bytes a = {0xC0, 12, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 30, 0x00, 0x04, 192, 0, 2, 1};
  Bytes aaaa = {0xC0, 12, 0x00, 0x1C, 0x00, 0x01, 0, 0, 0, 40, 0x00, 0x10, 0x20, 0x01, 0x0D, 0xB8};
  aaaa.insert(aaaa.end(), 11, 0);
  aaaa.push_back(1);  // 2001:db8::1
  const Bytes unknown = {0xC0, 12, 0x00, 0x10, 0x00, 0x01, 0, 0, 0, 5, 0x00, 0x03, 2, 'h', 'i'};
  // NS ns1.example.test (pointer to "example" at 16), TTL 3600.
  const Bytes ns = {0xC0, 16,   0x00, 0x02, 0x00, 0x01, 0,   0,    0x0E,
                    0x10, 0x00, 0x06, 3,    'n',  's',  '1', 0xC0, 16};
  return cat({msg, a, aaaa, unknown, ns, kOpt});
}

TEST(Message, ParsesAResponseWithEveryKindOfRecord) {
  const Bytes raw = sample_response();
  Message m;
  ASSERT_EQ(parse_message(raw.data(), raw.size(), m), WireError::none);
  EXPECT_TRUE(m.header.qr);
  EXPECT_TRUE(m.header.aa);
  ASSERT_EQ(m.answers.size(), 3u);
  EXPECT_EQ(m.answers[0].name, "www.example.test.");
  EXPECT_EQ(std::get<AddressData>(m.answers[0].data).address, "192.0.2.1");
  EXPECT_EQ(m.answers[0].ttl, 30u);
  EXPECT_EQ(std::get<AddressData>(m.answers[1].data).address, "2001:db8::1");
  EXPECT_TRUE(std::holds_alternative<RawData>(m.answers[2].data));
  EXPECT_EQ(m.answers[2].rdata, (Bytes{2, 'h', 'i'}));
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_EQ(m.authority[0].name, "example.test.");
  EXPECT_EQ(std::get<NsData>(m.authority[0].data).host, "ns1.example.test.");
  EXPECT_TRUE(m.additional.empty());  // the OPT goes to `edns`
  ASSERT_TRUE(m.edns);
  EXPECT_EQ(m.edns->udp_payload, 1232);
}

TEST(Message, ParsesSoaAndExtendedRcode) {
  Bytes msg = cat({header(1, 0, 1, 1, 0x84), kWww, kTypeA});
  msg[3] = 0x00;
  const Bytes soa = {0xC0, 16,   0x00, 0x06, 0x00, 0x01, 0,    0,    0, 30,
                     0x00, 30,   3,    'n',  's',  '1',  0xC0, 16,  // mname
                     1,    'h',  0xC0, 16,                          // rname
                     0,    0,    0,    7,    0,    0,    0x0E, 0x10, 0, 0,
                     2,    0x58, 0,    1,    0x51, 0x80, 0,    0,    0, 30};
  const Bytes opt = {0x00, 0x00, 0x29, 0x04, 0xD0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
  msg = cat({msg, soa, opt});
  Message m;
  ASSERT_EQ(parse_message(msg.data(), msg.size(), m), WireError::none);
  ASSERT_EQ(m.authority.size(), 1u);
  const auto& s = std::get<SoaData>(m.authority[0].data);
  EXPECT_EQ(s.mname, "ns1.example.test.");
  EXPECT_EQ(s.rname, "h.example.test.");
  EXPECT_EQ(s.serial, 7u);
  EXPECT_EQ(s.refresh, 3600u);
  EXPECT_EQ(s.retry, 600u);
  EXPECT_EQ(s.expire, 86400u);
  EXPECT_EQ(s.minimum, 30u);
  EXPECT_EQ(m.rcode(), rcode::BADVERS);
}

TEST(Message, RejectsBadRdataSizes) {
  const Bytes short_a = {0xC0, 12, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 30, 0x00, 0x03, 1, 2, 3};
  Bytes msg = cat({header(1, 1, 0, 0, 0x84), kWww, kTypeA, short_a});
  Message m;
  EXPECT_EQ(parse_message(msg.data(), msg.size(), m), WireError::bad_rdata);

  // NS whose name runs past its RDLENGTH.
  const Bytes long_ns = {0xC0, 12,   0x00, 0x02, 0x00, 0x01, 0,   0, 0,
                         30,   0x00, 0x02, 3,    'n',  's',  '1', 0};
  msg = cat({header(1, 1, 0, 0, 0x84), kWww, kTypeA, long_ns});
  EXPECT_EQ(parse_message(msg.data(), msg.size(), m), WireError::bad_rdata);
}

TEST(Message, RejectsPointerLoops) {
  // The first answer's RDATA (at 46) holds a pointer to the second answer's
  // owner (48), which points back to 46: 48 → 46 → 48 would never end, and
  // the jump from 46 forward to 48 is refused.
  Bytes msg = cat({header(1, 2, 0, 0, 0x84), kWww, kTypeA});
  ASSERT_EQ(msg.size(), 34u);
  msg.insert(msg.end(), {0xC0, 12, 0x00, 99, 0x00, 0x01, 0, 0, 0, 30, 0x00, 0x02, 0xC0, 48});
  ASSERT_EQ(msg.size(), 48u);
  msg.insert(msg.end(), {0xC0, 46, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 30, 0x00, 0x04, 1, 2, 3, 4});
  Message m;
  EXPECT_EQ(parse_message(msg.data(), msg.size(), m), WireError::bad_pointer);
}

TEST(Message, RejectsNamesOverlongThroughCompression) {
  // 244-octet question; an owner of one 63-octet label + pointer to it is 308.
  Bytes qname;
  for (int i = 0; i < 3; ++i) {
    Bytes l = label63();
    qname.insert(qname.end(), l.begin(), l.end());
  }
  qname.push_back(50);
  qname.insert(qname.end(), 50, 'b');
  qname.push_back(0);
  Bytes owner = label63();
  owner.insert(owner.end(), {0xC0, 12});
  Bytes msg = cat({header(1, 1, 0, 0, 0x84),
                   qname,
                   kTypeA,
                   owner,
                   {0x00, 0x01, 0x00, 0x01, 0, 0, 0, 30, 0x00, 0x04, 1, 2, 3, 4}});
  Message m;
  EXPECT_EQ(parse_message(msg.data(), msg.size(), m), WireError::name_too_long);
}

TEST(Message, EveryPrefixOfAValidMessageIsRejectedCleanly) {
  const Bytes raw = sample_response();
  for (std::size_t n = 0; n < raw.size(); ++n) {
    Message m;
    EXPECT_NE(parse_message(raw.data(), n, m), WireError::none) << n;
  }
}

TEST(Names, PrintableForLogs) {
  EXPECT_EQ(type_name(type::AAAA), "AAAA");
  EXPECT_EQ(type_name(64), "TYPE64");
  EXPECT_EQ(rcode_name(rcode::BADVERS), "BADVERS");
  EXPECT_EQ(rcode_name(11), "RCODE11");
  EXPECT_EQ(to_string(WireError::duplicate_opt), "more than one OPT record");
}

}  // namespace
}  // namespace drpilot::dns
