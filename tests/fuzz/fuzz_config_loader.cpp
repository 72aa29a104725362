// libFuzzer target for the configuration loader: any bytes, as YAML text.
// The loader must return either a configuration or at least one positioned
// error; it must never crash, hang or let an exception escape.

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  drpilot::config::LoadResult r;
  try {
    r = drpilot::config::load_config_string(text, "fuzz.yaml", "/tmp");
  } catch (...) {
    __builtin_trap();  // an exception escaped the loader
  }
  if (r.ok() == !r.errors.empty()) __builtin_trap();  // neither (or both) config and errors
  for (const drpilot::config::ConfigError& e : r.errors) {
    if (e.message.empty() || e.file != "fuzz.yaml" || e.line < 0 || e.column < 0) {
      __builtin_trap();
    }
    (void)e.to_string();
  }
  if (r.ok()) {
    const drpilot::config::Config& c = *r.config;
    if (c.sites.empty() || c.records.empty()) __builtin_trap();
    (void)c.engine_spec();
  }
  return 0;
}
