#pragma once
// The authoritative responder: one query in, one response out, from a
// Snapshot. Pure (no I/O, no locks, no allocation) so the server's worker
// threads call it directly and the fuzzer can drive it.

#include <cstddef>
#include <cstdint>

#include "dns/snapshot.h"

namespace drpilot::dns {

enum class Transport { udp, tcp };

// The UDP payload size we advertise in our OPT and the most we ever send over
// UDP, whatever the client advertises: the DNS Flag Day 2020 value, which
// avoids IP fragmentation (lost fragments turn into timeouts; TC turns into a
// quick retry over TCP). BIND, Knot and gdnsd default to the same.
inline constexpr std::uint16_t kServerEdnsPayload = 1232;
inline constexpr std::size_t kMaxUdpResponse = 1232;

struct AnswerResult {
  std::size_t size = 0;     // octets written to `out`; 0: send nothing
  std::uint16_t rcode = 0;  // full RCODE sent (BADVERS included)
  bool truncated = false;   // TC was set
};

// Answers `query` into `out` (at most `out_cap` octets; 512 or more is needed
// for the UDP rules to apply in full, 65535 for TCP).
//
// `snapshot` may be null (nothing published yet): queries that would be
// looked up get SERVFAIL, so resolvers try another server instead of caching
// a negative answer made from no data.
//
// Rules: shorter than a header or QR set → dropped; OPCODE not QUERY →
// NOTIMP; otherwise malformed → FORMERR; EDNS version above 0 → BADVERS;
// class not IN/ANY, AXFR/IXFR, or a name outside every served zone → REFUSED;
// else an authoritative answer, NODATA or NXDOMAIN (both with the zone SOA in
// the authority section). The question is echoed verbatim (the client's case)
// and answer owners are compression pointers to it. If the answer does not fit
// the UDP limit (512 without EDNS0, else the client's size within
// [512, kMaxUdpResponse]) the response is header + question (+ OPT) with TC.
AnswerResult answer(const Snapshot* snapshot, const std::uint8_t* query, std::size_t len,
                    std::uint8_t* out, std::size_t out_cap, Transport transport);

}  // namespace drpilot::dns
