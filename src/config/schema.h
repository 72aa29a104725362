#pragma once
// The configuration schema: every key with its type, range, default, unit and
// meaning. The loader validates against it and docs/configuration.md is
// generated from it (`drpilot config-reference`), so the two cannot drift.

#include <optional>
#include <string>
#include <vector>

namespace drpilot::config {

enum class ValueType {
  string,
  identifier,  // site/check name: [a-z0-9_-]
  dns_name,    // normalized to lower case without trailing dot
  integer,
  boolean,
  duration,  // "250ms", "10s"
  percent,   // "10%"
  address,   // IP literal
  endpoint,  // "127.0.0.1:53"
  address_list,
  endpoint_list,
  identifier_list,
  string_list,
  int_list,
  choice,        // one of `choices`
  section,       // a mapping described by `section`
  section_list,  // a sequence of mappings described by `section`
};

struct Section;

struct Field {
  std::string key;
  ValueType type = ValueType::string;
  bool required = false;
  std::string default_value;     // as it would be written in YAML; empty = none
  std::string default_note;      // for derived defaults: prose shown instead
  std::optional<long long> min;  // integers: the value; durations: ms; lists: length
  std::optional<long long> max;
  std::string unit;
  std::vector<std::string> choices;
  std::string doc;
  const Section* section = nullptr;
};

struct Section {
  std::string path;  // "sites[]", "dns.zones[].soa"
  std::string doc;
  std::vector<Field> fields;
  const Field* find(const std::string& key) const;
};

// The root section.
const Section& root_schema();
// Every section, root first, in document order.
std::vector<const Section*> all_sections();
std::string type_name(const Field& f);

// docs/configuration.md's generated part.
std::string render_reference_markdown();

}  // namespace drpilot::config
