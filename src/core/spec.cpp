#include "core/spec.h"

namespace drpilot::core {

std::string_view to_string(RecordType t) {
  return t == RecordType::A ? "A" : "AAAA";
}
std::string_view to_string(RoutingMode m) {
  return m == RoutingMode::failover ? "failover" : "multivalue";
}
std::string_view to_string(AllDown a) {
  return a == AllDown::fail_static ? "fail-static" : "fail-open";
}
std::string_view to_string(Failback f) {
  return f == Failback::automatic ? "auto" : "manual";
}

std::string RecordSpec::key() const {
  std::string k = name;
  k += '/';
  k += to_string(type);
  return k;
}

}  // namespace drpilot::core
