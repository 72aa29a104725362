#include "dns/wire_error.h"

namespace drpilot::dns {

std::string_view to_string(WireError e) {
  switch (e) {
    case WireError::none:
      return "ok";
    case WireError::too_short:
      return "shorter than the 12-octet header";
    case WireError::bad_question_count:
      return "question count is not 1";
    case WireError::truncated:
      return "message ends inside a field";
    case WireError::bad_label_type:
      return "unsupported label type";
    case WireError::name_too_long:
      return "name longer than 255 octets";
    case WireError::bad_pointer:
      return "compression pointer not strictly backwards";
    case WireError::bad_rdata:
      return "RDATA does not match its type";
    case WireError::bad_opt:
      return "malformed or misplaced OPT record";
    case WireError::duplicate_opt:
      return "more than one OPT record";
    case WireError::trailing_data:
      return "octets after the last record";
  }
  return "unknown";
}

}  // namespace drpilot::dns
