#include "providers/provider.h"

namespace drpilot::providers {

const RecordTarget* Target::find(std::string_view name, core::RecordType type) const {
  for (const RecordTarget& r : records) {
    if (r.name == name && r.type == type) return &r;
  }
  return nullptr;
}

}  // namespace drpilot::providers
