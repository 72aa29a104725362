#include "dns/answer.h"

#include <algorithm>

#include "dns/wire.h"
#include "dns/writer.h"

namespace drpilot::dns {
namespace {

constexpr std::size_t kMaxPointerTarget = 0x3FFF;

// One response under construction: header fields, then sections appended in
// order, then finish() decides between the full answer and a truncated one.
class Response {
 public:
  Response(std::uint8_t* out, std::size_t limit, const Header& query_header)
      : w_(out, limit), limit_(limit) {
    h_.id = query_header.id;
    h_.qr = true;
    h_.opcode = query_header.opcode;
    h_.rd = query_header.rd;  // RFC 1035 §4.1.1: RD is copied
    h_.cd = query_header.cd;
    static constexpr std::uint8_t kBlankHeader[kHeaderSize] = {};
    w_.bytes(kBlankHeader, kHeaderSize);
    unusable_ = w_.overflow();
  }

  Header& header() { return h_; }

  // Copies the question octets verbatim: the client's case survives, which
  // resolvers using 0x20 case randomisation check.
  void question(const std::uint8_t* query, std::size_t question_end) {
    w_.bytes(query + kHeaderSize, question_end - kHeaderSize);
    h_.qdcount = 1;
    question_end_ = w_.size();
    unusable_ = unusable_ || w_.overflow();
  }

  // The response will carry an OPT; keep room for it while adding sections.
  void with_edns(bool dnssec_ok) {
    edns_ = true;
    dnssec_ok_ = dnssec_ok;
    w_.set_limit(limit_ >= kOptRecordSize ? limit_ - kOptRecordSize : 0);
  }

  // The whole RRset, owners pointing at the question.
  void answer(const Rrset& set) {
    w_.bytes(set.answer_wire.data(), set.answer_wire.size());
    h_.ancount = std::uint16_t(h_.ancount + set.count());
  }

  // The zone SOA in the authority section of a negative answer. Its owner is
  // the apex, a suffix of the question name: a pointer into the question.
  void negative_soa(const Zone& zone, std::size_t qname_size) {
    const std::size_t apex_offset = kHeaderSize + qname_size - zone.apex.size();
    w_.u16(std::uint16_t(0xC000 | apex_offset));
    w_.bytes(zone.negative_soa_tail.data(), zone.negative_soa_tail.size());
    ++h_.nscount;
  }

  // Addresses of in-zone name servers after an NS answer that starts at
  // `ns_start`. Optional data: if it does not fit it is left out rather than
  // truncating the whole answer.
  void glue(const Zone& zone, std::size_t ns_start) {
    if (w_.overflow()) return;
    const std::size_t mark = w_.size();
    const std::uint16_t saved = h_.arcount;
    std::size_t record = ns_start;
    for (std::size_t i = 0; i < zone.ns.count(); ++i) {
      const std::size_t name_offset = record + 2 + 10;  // owner pointer, fixed fields
      record += 2 + 10 + zone.ns.rdatas[i].size();
      const Node* node = zone.glue[i];
      if (node == nullptr) continue;
      for (const Rrset* set : {&node->a, &node->aaaa}) {
        // Each record of the set without its 2-byte owner: its tail.
        const std::string& aw = set->answer_wire;
        for (std::size_t at = 0; at + 12 <= aw.size();) {
          const std::size_t rdlength =
              std::size_t(std::uint8_t(aw[at + 10])) << 8 | std::uint8_t(aw[at + 11]);
          if (name_offset <= kMaxPointerTarget) {
            w_.u16(std::uint16_t(0xC000 | name_offset));
          } else {
            w_.bytes(zone.ns.rdatas[i].data(), zone.ns.rdatas[i].size());
          }
          w_.bytes(aw.data() + at + 2, 10 + rdlength);
          ++h_.arcount;
          at += 12 + rdlength;
        }
      }
    }
    if (w_.overflow()) {
      w_.rewind(mark);
      h_.arcount = saved;
    }
  }

  std::size_t size() const { return w_.size(); }

  AnswerResult finish(std::uint16_t rc) {
    if (unusable_) return {};  // not even header + question fit the caller's buffer
    if (w_.overflow()) {
      // RFC 2181 §9: a partial RRset is worse than none; the client retries
      // over TCP when it sees TC.
      w_.rewind(question_end_);
      h_.ancount = h_.nscount = h_.arcount = 0;
      h_.tc = true;
    }
    w_.set_limit(limit_);
    if (edns_) {
      w_.u8(0);  // root owner
      w_.u16(type::OPT);
      w_.u16(kServerEdnsPayload);
      w_.u8(std::uint8_t(rc >> 4));     // extended RCODE
      w_.u8(0);                         // version
      w_.u16(dnssec_ok_ ? 0x8000 : 0);  // RFC 3225 §3: DO is copied
      w_.u16(0);
      ++h_.arcount;
    }
    if (w_.overflow()) return {};  // the caller's buffer cannot even hold this
    h_.rcode = std::uint8_t(rc & 0x0F);
    write_header(w_.data(), h_);
    return {w_.size(), rc, h_.tc};
  }

 private:
  Writer w_;
  std::size_t limit_;
  Header h_;
  std::size_t question_end_ = kHeaderSize;
  bool edns_ = false;
  bool dnssec_ok_ = false;
  bool unusable_ = false;
};

// A lookup in the snapshot, with the AA answer or negative answer written.
AnswerResult answer_from(const Snapshot& snap, const Query& q, Response& r) {
  const std::string_view qname = q.qname_view();
  const Node* node = snap.find_node(qname);
  if (node == nullptr) {
    const Zone* zone = snap.find_zone(qname);
    if (zone == nullptr) return r.finish(rcode::REFUSED);  // not ours: no AA
    r.header().aa = true;
    r.negative_soa(*zone, q.qname_size);
    return r.finish(rcode::NXDOMAIN);
  }
  const Zone& zone = *node->zone;
  r.header().aa = true;
  bool answered = false;
  auto add = [&](const Rrset& set) {
    if (set.empty()) return;
    r.answer(set);
    answered = true;
  };
  switch (q.qtype) {
    case type::A:
      add(node->a);
      break;
    case type::AAAA:
      add(node->aaaa);
      break;
    case type::NS:
      if (node->apex && !zone.ns.empty()) {
        const std::size_t ns_start = r.size();
        add(zone.ns);
        r.glue(zone, ns_start);
      }
      break;
    case type::SOA:
      if (node->apex) add(zone.soa);
      break;
    case type::ANY:
      // RFC 8482: one RRset, not all of them, so ANY is no amplifier: the
      // addresses when the name has them, else the apex's SOA.
      if (!node->a.empty()) {
        add(node->a);
      } else if (!node->aaaa.empty()) {
        add(node->aaaa);
      } else if (node->apex) {
        add(zone.soa);
      }
      break;
    default:
      break;
  }
  if (!answered) r.negative_soa(zone, q.qname_size);  // NODATA (RFC 2308 §2.2)
  return r.finish(rcode::NOERROR);
}

}  // namespace

AnswerResult answer(const Snapshot* snapshot, const std::uint8_t* query, std::size_t len,
                    std::uint8_t* out, std::size_t out_cap, Transport transport) {
  // Nothing to address a reply to, or a response (answering responses is
  // how reflection loops between servers start): silence.
  if (query == nullptr || out == nullptr || len < kHeaderSize) return {};
  const Header qh = read_header(query);
  if (qh.qr) return {};

  const std::size_t transport_limit =
      transport == Transport::udp ? kClassicUdpSize : kMaxTcpMessage;
  Query q;
  const WireError error = parse_query(query, len, q);
  std::size_t limit = std::min(out_cap, transport_limit);
  if (error == WireError::none && q.has_edns && transport == Transport::udp) {
    const std::size_t client =
        std::clamp<std::size_t>(q.edns_payload, kClassicUdpSize, kMaxUdpResponse);
    limit = std::min(out_cap, client);
  }
  Response r(out, limit, qh);

  if (qh.opcode != opcode::QUERY) {
    if (error == WireError::none) {
      r.question(query, q.question_end);
      if (q.has_edns) r.with_edns(q.dnssec_ok);
    }
    return r.finish(rcode::NOTIMP);
  }
  if (error != WireError::none) return r.finish(rcode::FORMERR);

  r.question(query, q.question_end);
  if (q.has_edns) {
    r.with_edns(q.dnssec_ok);
    // RFC 6891 §6.1.3: we implement version 0 only.
    if (q.edns_version > 0) return r.finish(rcode::BADVERS);
  }
  if (q.qclass != klass::IN && q.qclass != klass::ANY) return r.finish(rcode::REFUSED);
  // Zone transfers are not offered: the zones are generated, not replicated.
  if (q.qtype == type::AXFR || q.qtype == type::IXFR) return r.finish(rcode::REFUSED);
  if (snapshot == nullptr) return r.finish(rcode::SERVFAIL);
  return answer_from(*snapshot, q, r);
}

}  // namespace drpilot::dns
