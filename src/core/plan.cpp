#include "core/plan.h"

namespace drpilot::core {

std::string_view to_string(ChangeKind k) {
  switch (k) {
    case ChangeKind::none:
      return "none";
    case ChangeKind::bootstrap:
      return "bootstrap";
    case ChangeKind::safety:
      return "safety";
    case ChangeKind::discretionary:
      return "discretionary";
    case ChangeKind::operator_:
      return "operator";
  }
  return "none";
}

bool answers_differ(const Plan& a, const Plan& b) {
  if (a.records.size() != b.records.size()) return true;
  for (auto ia = a.records.begin(), ib = b.records.begin(); ia != a.records.end(); ++ia, ++ib) {
    if (ia->first != ib->first) return true;
    if (ia->second.sites != ib->second.sites) return true;
    if (ia->second.flap_frozen != ib->second.flap_frozen) return true;
  }
  return false;
}

}  // namespace drpilot::core
