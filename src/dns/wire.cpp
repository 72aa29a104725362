#include "dns/wire.h"

#include <arpa/inet.h>

#include "dns/writer.h"

namespace drpilot::dns {
namespace {

std::uint16_t get16(const std::uint8_t* p) {
  return std::uint16_t((p[0] << 8) | p[1]);
}
std::uint32_t get32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         p[3];
}

// The fixed part of a resource record, with its owner name decompressed.
struct RecordHead {
  std::array<std::uint8_t, kMaxNameSize> owner;
  std::size_t owner_size = 0;
  std::uint16_t type = 0;
  std::uint16_t rclass = 0;
  std::uint32_t ttl = 0;
  std::size_t rdata_pos = 0;
  std::size_t rdata_len = 0;
};

// Reads one record at `pos` and moves `pos` past its RDATA.
WireError read_record(const std::uint8_t* msg, std::size_t len, std::size_t& pos, RecordHead& rr) {
  if (auto e = read_name(msg, len, pos, rr.owner.data(), rr.owner_size); e != WireError::none) {
    return e;
  }
  if (len - pos < 10) return WireError::truncated;
  rr.type = get16(msg + pos);
  rr.rclass = get16(msg + pos + 2);
  rr.ttl = get32(msg + pos + 4);
  rr.rdata_len = get16(msg + pos + 8);
  pos += 10;
  if (rr.rdata_len > len - pos) return WireError::truncated;
  rr.rdata_pos = pos;
  pos += rr.rdata_len;
  return WireError::none;
}

// RFC 6891 §6.1.2: owner is the root; RDATA is a sequence of
// {code, length, data} options that must exactly fill it.
WireError check_opt(const std::uint8_t* msg, const RecordHead& rr) {
  if (rr.owner_size != 1) return WireError::bad_opt;
  std::size_t p = rr.rdata_pos;
  const std::size_t end = rr.rdata_pos + rr.rdata_len;
  while (p < end) {
    if (end - p < 4) return WireError::bad_opt;
    const std::size_t option_len = get16(msg + p + 2);
    p += 4;
    if (option_len > end - p) return WireError::bad_opt;
    p += option_len;
  }
  return WireError::none;
}

std::string address_text(int family, const std::uint8_t* data) {
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family, data, text, sizeof text) == nullptr) return {};
  return text;
}

// Reads a name inside RDATA; it must not run past the RDATA's end.
WireError read_rdata_name(const std::uint8_t* msg, std::size_t len, std::size_t& pos,
                          std::size_t end, std::string& out) {
  std::array<std::uint8_t, kMaxNameSize> name;
  std::size_t size = 0;
  if (auto e = read_name(msg, end, pos, name.data(), size); e != WireError::none) {
    // A name cut short by the RDATA boundary is an RDATA error, not a
    // truncated message.
    return e == WireError::truncated && end < len ? WireError::bad_rdata : e;
  }
  out = wire_to_text(name.data(), size);
  return WireError::none;
}

WireError decode_rdata(const std::uint8_t* msg, std::size_t len, const RecordHead& head,
                       ResourceRecord& rr) {
  const std::uint8_t* rdata = msg + head.rdata_pos;
  const std::size_t end = head.rdata_pos + head.rdata_len;
  rr.rdata.assign(rdata, rdata + head.rdata_len);
  // A and AAAA mean addresses only in class IN (RFC 1035 §3.4.1).
  if (head.type == type::A && head.rclass == klass::IN) {
    if (head.rdata_len != 4) return WireError::bad_rdata;
    rr.data = AddressData{address_text(AF_INET, rdata)};
  } else if (head.type == type::AAAA && head.rclass == klass::IN) {
    if (head.rdata_len != 16) return WireError::bad_rdata;
    rr.data = AddressData{address_text(AF_INET6, rdata)};
  } else if (head.type == type::NS) {
    std::size_t p = head.rdata_pos;
    NsData ns;
    if (auto e = read_rdata_name(msg, len, p, end, ns.host); e != WireError::none) return e;
    if (p != end) return WireError::bad_rdata;
    rr.data = std::move(ns);
  } else if (head.type == type::SOA) {
    std::size_t p = head.rdata_pos;
    SoaData soa;
    if (auto e = read_rdata_name(msg, len, p, end, soa.mname); e != WireError::none) return e;
    if (auto e = read_rdata_name(msg, len, p, end, soa.rname); e != WireError::none) return e;
    if (end - p != 20) return WireError::bad_rdata;
    soa.serial = get32(msg + p);
    soa.refresh = get32(msg + p + 4);
    soa.retry = get32(msg + p + 8);
    soa.expire = get32(msg + p + 12);
    soa.minimum = get32(msg + p + 16);
    rr.data = std::move(soa);
  }
  return WireError::none;
}

WireError parse_section(const std::uint8_t* msg, std::size_t len, std::size_t& pos,
                        std::uint16_t count, bool additional, Message& out,
                        std::vector<ResourceRecord>& section) {
  for (std::uint16_t i = 0; i < count; ++i) {
    RecordHead head;
    if (auto e = read_record(msg, len, pos, head); e != WireError::none) return e;
    if (head.type == type::OPT) {
      if (!additional) return WireError::bad_opt;
      if (out.edns) return WireError::duplicate_opt;
      if (auto e = check_opt(msg, head); e != WireError::none) return e;
      Edns edns;
      edns.udp_payload = head.rclass;
      edns.extended_rcode = std::uint8_t(head.ttl >> 24);
      edns.version = std::uint8_t(head.ttl >> 16);
      edns.dnssec_ok = (head.ttl & 0x8000) != 0;
      edns.options.assign(msg + head.rdata_pos, msg + head.rdata_pos + head.rdata_len);
      out.edns = std::move(edns);
      continue;
    }
    ResourceRecord rr;
    rr.name = wire_to_text(head.owner.data(), head.owner_size);
    rr.type = head.type;
    rr.rclass = head.rclass;
    rr.ttl = head.ttl;
    if (auto e = decode_rdata(msg, len, head, rr); e != WireError::none) return e;
    section.push_back(std::move(rr));
  }
  return WireError::none;
}

}  // namespace

Header read_header(const std::uint8_t* p) {
  Header h;
  h.id = get16(p);
  h.qr = (p[2] & 0x80) != 0;
  h.opcode = std::uint8_t((p[2] >> 3) & 0x0F);
  h.aa = (p[2] & 0x04) != 0;
  h.tc = (p[2] & 0x02) != 0;
  h.rd = (p[2] & 0x01) != 0;
  h.ra = (p[3] & 0x80) != 0;
  h.ad = (p[3] & 0x20) != 0;
  h.cd = (p[3] & 0x10) != 0;
  h.rcode = p[3] & 0x0F;
  h.qdcount = get16(p + 4);
  h.ancount = get16(p + 6);
  h.nscount = get16(p + 8);
  h.arcount = get16(p + 10);
  return h;
}

void write_header(std::uint8_t* p, const Header& h) {
  p[0] = std::uint8_t(h.id >> 8);
  p[1] = std::uint8_t(h.id);
  p[2] = std::uint8_t((h.qr ? 0x80 : 0) | ((h.opcode & 0x0F) << 3) | (h.aa ? 0x04 : 0) |
                      (h.tc ? 0x02 : 0) | (h.rd ? 0x01 : 0));
  p[3] = std::uint8_t((h.ra ? 0x80 : 0) | (h.ad ? 0x20 : 0) | (h.cd ? 0x10 : 0) | (h.rcode & 0x0F));
  const std::uint16_t counts[4] = {h.qdcount, h.ancount, h.nscount, h.arcount};
  for (int i = 0; i < 4; ++i) {
    p[4 + 2 * i] = std::uint8_t(counts[i] >> 8);
    p[5 + 2 * i] = std::uint8_t(counts[i]);
  }
}

std::uint16_t Message::rcode() const {
  return std::uint16_t(header.rcode | (edns ? edns->extended_rcode << 4 : 0));
}

WireError parse_message(const std::uint8_t* msg, std::size_t len, Message& out) {
  out = Message{};
  if (len < kHeaderSize) return WireError::too_short;
  out.header = read_header(msg);
  std::size_t pos = kHeaderSize;
  for (std::uint16_t i = 0; i < out.header.qdcount; ++i) {
    std::array<std::uint8_t, kMaxNameSize> name;
    std::size_t size = 0;
    if (auto e = read_name(msg, len, pos, name.data(), size); e != WireError::none) return e;
    if (len - pos < 4) return WireError::truncated;
    out.questions.push_back(
        {wire_to_text(name.data(), size), get16(msg + pos), get16(msg + pos + 2)});
    pos += 4;
  }
  if (auto e = parse_section(msg, len, pos, out.header.ancount, false, out, out.answers);
      e != WireError::none) {
    return e;
  }
  if (auto e = parse_section(msg, len, pos, out.header.nscount, false, out, out.authority);
      e != WireError::none) {
    return e;
  }
  if (auto e = parse_section(msg, len, pos, out.header.arcount, true, out, out.additional);
      e != WireError::none) {
    return e;
  }
  return pos == len ? WireError::none : WireError::trailing_data;
}

WireError parse_query(const std::uint8_t* msg, std::size_t len, Query& out) {
  if (len < kHeaderSize) return WireError::too_short;
  out.header = read_header(msg);
  out.has_edns = false;
  if (out.header.qdcount != 1) return WireError::bad_question_count;
  std::size_t pos = kHeaderSize;
  if (auto e = read_name(msg, len, pos, out.qname.data(), out.qname_size); e != WireError::none) {
    return e;
  }
  lower_name(out.qname.data(), out.qname_size);
  if (len - pos < 4) return WireError::truncated;
  out.qtype = get16(msg + pos);
  out.qclass = get16(msg + pos + 2);
  pos += 4;
  out.question_end = pos;

  // Answer and authority records have no meaning in a QUERY, but are legal
  // on the wire; they are skipped with full bounds checks.
  const std::size_t skipped = std::size_t(out.header.ancount) + out.header.nscount;
  for (std::size_t i = 0; i < skipped; ++i) {
    RecordHead head;
    if (auto e = read_record(msg, len, pos, head); e != WireError::none) return e;
    if (head.type == type::OPT) return WireError::bad_opt;
  }
  for (std::uint16_t i = 0; i < out.header.arcount; ++i) {
    RecordHead head;
    if (auto e = read_record(msg, len, pos, head); e != WireError::none) return e;
    if (head.type != type::OPT) continue;
    if (out.has_edns) return WireError::duplicate_opt;
    if (auto e = check_opt(msg, head); e != WireError::none) return e;
    out.has_edns = true;
    out.edns_payload = head.rclass;
    out.edns_version = std::uint8_t(head.ttl >> 16);
    out.dnssec_ok = (head.ttl & 0x8000) != 0;
  }
  return pos == len ? WireError::none : WireError::trailing_data;
}

std::optional<std::vector<std::uint8_t>> build_query(const QueryParams& params) {
  const auto name = name_to_wire(params.name);
  if (!name) return std::nullopt;
  std::vector<std::uint8_t> buf(kHeaderSize + name->size() + 4 + kOptRecordSize);
  Header h;
  h.id = params.id;
  h.rd = params.rd;
  h.qdcount = 1;
  h.arcount = params.edns_payload ? 1 : 0;
  std::uint8_t head[kHeaderSize];
  write_header(head, h);
  Writer w(buf.data(), buf.size());
  w.bytes(head, kHeaderSize);
  w.bytes(name->data(), name->size());
  w.u16(params.qtype);
  w.u16(params.qclass);
  if (params.edns_payload) {
    w.u8(0);  // root owner
    w.u16(type::OPT);
    w.u16(*params.edns_payload);
    w.u32(params.dnssec_ok ? 0x8000 : 0);
    w.u16(0);
  }
  buf.resize(w.size());
  return buf;
}

std::string type_name(std::uint16_t t) {
  switch (t) {
    case type::A:
      return "A";
    case type::NS:
      return "NS";
    case type::CNAME:
      return "CNAME";
    case type::SOA:
      return "SOA";
    case type::MX:
      return "MX";
    case type::TXT:
      return "TXT";
    case type::AAAA:
      return "AAAA";
    case type::OPT:
      return "OPT";
    case type::IXFR:
      return "IXFR";
    case type::AXFR:
      return "AXFR";
    case type::ANY:
      return "ANY";
  }
  return "TYPE" + std::to_string(t);
}

std::string rcode_name(std::uint16_t rc) {
  switch (rc) {
    case rcode::NOERROR:
      return "NOERROR";
    case rcode::FORMERR:
      return "FORMERR";
    case rcode::SERVFAIL:
      return "SERVFAIL";
    case rcode::NXDOMAIN:
      return "NXDOMAIN";
    case rcode::NOTIMP:
      return "NOTIMP";
    case rcode::REFUSED:
      return "REFUSED";
    case rcode::BADVERS:
      return "BADVERS";
  }
  return "RCODE" + std::to_string(rc);
}

}  // namespace drpilot::dns
