#pragma once
// Why a DNS message was rejected. Precise kinds (instead of a bool) make the
// tests say which rule fired and let the server count bad input by cause.

#include <string_view>

namespace drpilot::dns {

enum class WireError {
  none,
  too_short,           // fewer than the 12 header octets: nothing to answer to
  bad_question_count,  // a query must carry exactly one question
  truncated,           // the message ends inside a name, a field or an RDATA
  bad_label_type,      // label octet with top bits 01 or 10: extended/reserved types
  name_too_long,       // more than 255 octets once decompressed
  bad_pointer,         // compression pointer not strictly backwards, or into the header
  bad_rdata,           // RDATA not the size its type requires
  bad_opt,             // OPT with a non-root owner, outside the additional section,
                       // or with malformed option framing
  duplicate_opt,       // more than one OPT record (RFC 6891 §6.1.1)
  trailing_data,       // octets after the last record the header announced
};

std::string_view to_string(WireError e);

}  // namespace drpilot::dns
