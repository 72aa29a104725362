#pragma once
// The DNS message format (RFC 1035 §4, EDNS0 from RFC 6891) as plain data,
// and the parsers that turn untrusted octets into it.
//
// Two parsers with one set of rules:
//  - parse_query: the server's hot path. No allocation; keeps exactly what an
//    authoritative answer needs (the question, lower-cased, and EDNS0 facts).
//  - parse_message: any message, responses included, decoded into vectors of
//    records; for tests, the client and tools.
// Both check every bound; neither reads outside [msg, msg + len).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dns/name.h"
#include "dns/wire_error.h"

namespace drpilot::dns {

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kClassicUdpSize = 512;   // limit without EDNS0 (RFC 1035 §4.2.1)
inline constexpr std::size_t kMaxTcpMessage = 65535;  // the 2-octet TCP length prefix
inline constexpr std::size_t kOptRecordSize = 11;     // OPT with no options

namespace type {
inline constexpr std::uint16_t A = 1;
inline constexpr std::uint16_t NS = 2;
inline constexpr std::uint16_t CNAME = 5;
inline constexpr std::uint16_t SOA = 6;
inline constexpr std::uint16_t MX = 15;
inline constexpr std::uint16_t TXT = 16;
inline constexpr std::uint16_t AAAA = 28;
inline constexpr std::uint16_t OPT = 41;
inline constexpr std::uint16_t IXFR = 251;
inline constexpr std::uint16_t AXFR = 252;
inline constexpr std::uint16_t ANY = 255;
}  // namespace type

namespace klass {
inline constexpr std::uint16_t IN = 1;
inline constexpr std::uint16_t CH = 3;
inline constexpr std::uint16_t ANY = 255;
}  // namespace klass

namespace rcode {
inline constexpr std::uint16_t NOERROR = 0;
inline constexpr std::uint16_t FORMERR = 1;
inline constexpr std::uint16_t SERVFAIL = 2;
inline constexpr std::uint16_t NXDOMAIN = 3;
inline constexpr std::uint16_t NOTIMP = 4;
inline constexpr std::uint16_t REFUSED = 5;
inline constexpr std::uint16_t BADVERS = 16;  // extended: needs the OPT's upper 8 bits
}  // namespace rcode

namespace opcode {
inline constexpr std::uint8_t QUERY = 0;
}

struct Header {
  std::uint16_t id = 0;
  bool qr = false;
  std::uint8_t opcode = 0;  // 4 bits
  bool aa = false;
  bool tc = false;
  bool rd = false;
  bool ra = false;
  bool ad = false;
  bool cd = false;
  std::uint8_t rcode = 0;  // lower 4 bits only; see Message::rcode()
  std::uint16_t qdcount = 0;
  std::uint16_t ancount = 0;
  std::uint16_t nscount = 0;
  std::uint16_t arcount = 0;
};

// `p` must point at kHeaderSize readable / writable octets.
Header read_header(const std::uint8_t* p);
void write_header(std::uint8_t* p, const Header& h);

struct Question {
  std::string name;  // presentation form, trailing dot
  std::uint16_t qtype = 0;
  std::uint16_t qclass = klass::IN;
};

struct SoaData {
  std::string mname;
  std::string rname;
  std::uint32_t serial = 0;
  std::uint32_t refresh = 0;
  std::uint32_t retry = 0;
  std::uint32_t expire = 0;
  std::uint32_t minimum = 0;
};
struct NsData {
  std::string host;  // presentation form, trailing dot
};
struct AddressData {
  std::string address;  // "192.0.2.1" or "2001:db8::1"
};
struct RawData {};  // types this codec does not decode: see ResourceRecord::rdata

struct ResourceRecord {
  std::string name;  // presentation form, trailing dot
  std::uint16_t type = 0;
  std::uint16_t rclass = klass::IN;
  std::uint32_t ttl = 0;
  std::vector<std::uint8_t> rdata;  // as on the wire (names inside may be compressed)
  std::variant<RawData, AddressData, NsData, SoaData> data;
};

struct Edns {
  std::uint16_t udp_payload = 0;  // the OPT CLASS field
  std::uint8_t extended_rcode = 0;
  std::uint8_t version = 0;
  bool dnssec_ok = false;
  std::vector<std::uint8_t> options;  // raw option TLVs
};

struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<ResourceRecord> answers;
  std::vector<ResourceRecord> authority;
  std::vector<ResourceRecord> additional;  // without the OPT, which goes to `edns`
  std::optional<Edns> edns;

  // The full 12-bit RCODE: header bits plus the OPT's extended bits.
  std::uint16_t rcode() const;
};

WireError parse_message(const std::uint8_t* msg, std::size_t len, Message& out);

// What the authoritative server needs from a query; filled without allocating.
struct Query {
  Header header;
  std::size_t question_end = 0;  // the question is octets [kHeaderSize, question_end)
  std::array<std::uint8_t, kMaxNameSize> qname{};  // wire form, lower case
  std::size_t qname_size = 0;
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  bool has_edns = false;
  std::uint16_t edns_payload = 0;
  std::uint8_t edns_version = 0;
  bool dnssec_ok = false;

  std::string_view qname_view() const {
    return {reinterpret_cast<const char*>(qname.data()), qname_size};
  }
};

// Header, exactly one question, answer/authority records skipped (bounds
// checked), additional records scanned for a single well-formed OPT, nothing
// after. Neither QR nor OPCODE is judged here: that is the responder's call.
WireError parse_query(const std::uint8_t* msg, std::size_t len, Query& out);

struct QueryParams {
  std::uint16_t id = 0;
  std::string name;  // presentation form
  std::uint16_t qtype = type::A;
  std::uint16_t qclass = klass::IN;
  bool rd = false;
  std::optional<std::uint16_t> edns_payload;  // adds an OPT record when set
  bool dnssec_ok = false;
};

// A query message; nothing when the name is not a valid domain name.
std::optional<std::vector<std::uint8_t>> build_query(const QueryParams& params);

// Human-readable names, for logs and test failure messages.
std::string type_name(std::uint16_t t);
std::string rcode_name(std::uint16_t rc);

}  // namespace drpilot::dns
