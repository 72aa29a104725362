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

std::string_view to_string(DataRole r) {
  return r == DataRole::read_only ? "read-only" : "read-write";
}

std::string_view to_string(DataMovePhase p) {
  switch (p) {
    case DataMovePhase::none:
      return "none";
    case DataMovePhase::paused:
      return "paused";
    case DataMovePhase::switched:
      return "switched";
  }
  return "none";
}

namespace {

// What a site is told (not why, nor since when).
bool assignment_differs(const GroupAssignment& a, const GroupAssignment& b) {
  return a.data_region != b.data_region || a.write_region != b.write_region || a.role != b.role;
}

}  // namespace

bool groups_differ(const std::map<std::string, GroupPlan>& a,
                   const std::map<std::string, GroupPlan>& b) {
  if (a.size() != b.size()) return true;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    const GroupPlan& x = ia->second;
    const GroupPlan& y = ib->second;
    if (ia->first != ib->first || x.primary != y.primary || x.move != y.move ||
        x.move_to != y.move_to || x.sites.size() != y.sites.size()) {
      return true;
    }
    for (auto sa = x.sites.begin(), sb = y.sites.begin(); sa != x.sites.end(); ++sa, ++sb) {
      if (sa->first != sb->first || assignment_differs(sa->second, sb->second)) return true;
    }
  }
  return false;
}

bool answers_differ(const Plan& a, const Plan& b) {
  if (a.records.size() != b.records.size()) return true;
  for (auto ia = a.records.begin(), ib = b.records.begin(); ia != a.records.end(); ++ia, ++ib) {
    if (ia->first != ib->first) return true;
    if (ia->second.sites != ib->second.sites) return true;
    if (ia->second.flap_frozen != ib->second.flap_frozen) return true;
  }
  return groups_differ(a.groups, b.groups);
}

}  // namespace drpilot::core
