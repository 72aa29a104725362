// libFuzzer target for the JSON text writer, which writes what sites, agents
// and providers said into the status document: any bytes, as a key and as a
// value, make text that parses as JSON, and a value that was valid UTF-8
// reads back unchanged.

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "api/json_text.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  drpilot::api::JsonText w;
  w.begin_object()
      .key(in)
      .begin_array()
      .value(in)
      .value(std::int64_t(size))
      .end_array()
      .end_object();
  nlohmann::json back = nlohmann::json::parse(w.text(), nullptr, false);
  FUZZ_CHECK(!back.is_discarded());
  FUZZ_CHECK(back.is_object() && back.size() == 1);
  const std::string value = back.begin().value()[0].get<std::string>();
  bool utf8 = true;
  try {
    (void)nlohmann::json(in).dump();  // throws when `in` is not UTF-8
  } catch (const nlohmann::json::exception&) {
    utf8 = false;
  }
  // Valid UTF-8 reads back as it was; anything else has its bad bytes replaced.
  FUZZ_CHECK(utf8 ? value == in : value.find("\xEF\xBF\xBD") != std::string::npos);
  return 0;
}
