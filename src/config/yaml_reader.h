#pragma once
// Reads YAML mappings against the schema: unknown and duplicate keys, missing
// required keys, wrong types and out-of-range values become positioned
// errors; absent keys take the schema's default so docs and behaviour agree.

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/schema.h"

namespace drpilot::config {

class ErrorSink {
 public:
  explicit ErrorSink(std::string file) : file_(std::move(file)) {}
  void add(const YAML::Mark& mark, std::string message);
  void add(const YAML::Node& node, std::string message) { add(node.Mark(), std::move(message)); }
  bool empty() const { return errors_.empty(); }
  std::vector<ConfigError> take() { return std::move(errors_); }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

// One mapping node checked against one schema section. `where` names it in
// messages ("sites[1]").
class SectionReader {
 public:
  SectionReader(const YAML::Node& node, const Section& section, std::string where,
                ErrorSink& errors);

  bool valid() const { return valid_; }  // a mapping at all
  bool has(const std::string& key) const;
  const YAML::Node& node() const { return node_; }
  YAML::Node value(const std::string& key) const;  // null node when absent
  const std::string& where() const { return where_; }

  // Typed reads: the configured value, else the schema default. A value that
  // is invalid is reported and nullopt is returned.
  std::optional<std::string> string(const std::string& key);
  std::optional<std::string> identifier(const std::string& key);
  std::optional<std::string> dns_name(const std::string& key);
  std::optional<long long> integer(const std::string& key);
  std::optional<bool> boolean(const std::string& key);
  std::optional<core::Duration> duration(const std::string& key);
  std::optional<int> percent(const std::string& key);
  std::optional<std::string> address(const std::string& key);
  // A listen address may have port 0: the system picks a free port, which
  // the process then reports (its log, `--port-file`).
  enum class Port { fixed, zero_allowed };
  std::optional<Endpoint> endpoint(const std::string& key, Port port = Port::fixed);
  std::optional<std::vector<std::string>> address_list(const std::string& key);
  std::optional<std::vector<Endpoint>> endpoint_list(const std::string& key,
                                                     Port port = Port::fixed);
  std::optional<std::vector<std::string>> identifier_list(const std::string& key);
  std::optional<std::vector<std::string>> string_list(const std::string& key);
  std::optional<std::vector<long long>> int_list(const std::string& key);
  std::optional<std::string> choice(const std::string& key);
  // Items of a section_list (empty when absent); each item a SectionReader.
  std::vector<SectionReader> items(const std::string& key);
  std::optional<SectionReader> section(const std::string& key);

  void error(const std::string& key, const std::string& message);
  void error_here(const std::string& message);

 private:
  const Field& field(const std::string& key) const;
  YAML::Mark key_mark(const std::string& key) const;
  // The YAML node for `key`, or a node parsed from the schema default.
  std::optional<YAML::Node> source(const std::string& key, bool& from_default);
  std::optional<std::vector<std::string>> scalar_list(const std::string& key);
  bool check_range(const std::string& key, long long v, const std::string& shown);
  bool check_length(const std::string& key, size_t n);

  YAML::Node node_;
  const Section& section_;
  std::string where_;
  ErrorSink& errors_;
  bool valid_ = true;
};

}  // namespace drpilot::config
