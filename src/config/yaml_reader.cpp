#include "config/yaml_reader.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstdio>
#include <map>

namespace drpilot::config {
namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string suggestion(const std::string& key, const Section& s) {
  std::string best;
  size_t best_d = 3;
  for (const Field& f : s.fields) {
    size_t d = edit_distance(key, f.key);
    if (d < best_d) {
      best_d = d;
      best = f.key;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

std::string known_keys(const Section& s) {
  std::string out;
  for (const Field& f : s.fields) {
    if (!out.empty()) out += ", ";
    out += f.key;
  }
  return out;
}

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    default:
      return "an undefined value";
  }
}

std::string section_name(const std::string& where) {
  return where.empty() ? "the top level" : where;
}

}  // namespace

// Messages quote the offending values; a value may hold a NUL, a newline or
// an escape sequence, which must not reach a terminal or break the one-line
// "file:line:col: message" form.
static std::string printable(const std::string& message) {
  std::string out;
  for (unsigned char c : message) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void ErrorSink::add(const YAML::Mark& mark, std::string message) {
  ConfigError e;
  e.file = file_;
  e.line = mark.line >= 0 ? mark.line + 1 : 0;
  e.column = mark.column >= 0 ? mark.column + 1 : 0;
  e.message = printable(message);
  errors_.push_back(std::move(e));
}

SectionReader::SectionReader(const YAML::Node& node, const Section& section, std::string where,
                             ErrorSink& errors)
    : node_(node), section_(section), where_(std::move(where)), errors_(errors) {
  if (!node_.IsMap()) {
    errors_.add(node_,
                "expected a mapping for " + section_name(where_) + ", got " + describe(node_));
    valid_ = false;
    return;
  }
  std::map<std::string, int> seen;
  for (const auto& kv : node_) {
    const YAML::Node k = kv.first;
    if (!k.IsScalar()) {
      errors_.add(k, "keys in " + section_name(where_) + " must be plain words");
      continue;
    }
    const std::string key = k.Scalar();
    if (++seen[key] > 1) {
      errors_.add(k, "duplicate key '" + key + "' in " + section_name(where_));
      continue;
    }
    if (!section_.find(key)) {
      std::string hint = suggestion(key, section_);
      if (hint.empty()) hint = " (known keys: " + known_keys(section_) + ")";
      errors_.add(k, "unknown key '" + key + "' in " + section_name(where_) + hint);
    }
  }
  for (const Field& f : section_.fields) {
    if (f.required && !has(f.key)) {
      errors_.add(node_, "missing required key '" + f.key + "' in " + section_name(where_));
    }
  }
}

bool SectionReader::has(const std::string& key) const {
  if (!node_.IsMap()) return false;
  YAML::Node v = node_[key];
  return v.IsDefined();
}

YAML::Node SectionReader::value(const std::string& key) const {
  if (!node_.IsMap()) return YAML::Node();
  return node_[key];
}

const Field& SectionReader::field(const std::string& key) const {
  const Field* f = section_.find(key);
  assert(f && "reading a key the schema does not declare");
  return *f;
}

// yaml-cpp marks an empty value (`ttl:` and nothing after it) at the token
// that follows it, often on the next line; the key is where the user looks.
YAML::Mark SectionReader::key_mark(const std::string& key) const {
  if (node_.IsMap()) {
    for (const auto& kv : node_) {
      if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.first.Mark();
    }
  }
  return node_.Mark();
}

void SectionReader::error(const std::string& key, const std::string& message) {
  YAML::Node v = value(key);
  errors_.add(v.IsDefined() && !v.IsNull() ? v.Mark() : key_mark(key), message);
}

void SectionReader::error_here(const std::string& message) {
  errors_.add(node_, message);
}

std::optional<YAML::Node> SectionReader::source(const std::string& key, bool& from_default) {
  const Field& f = field(key);
  from_default = false;
  if (has(key)) {
    YAML::Node v = value(key);
    if (v.IsNull()) {
      error(key, "'" + key + "' in " + section_name(where_) + " has no value");
      return std::nullopt;
    }
    return v;
  }
  if (f.default_value.empty()) return std::nullopt;
  from_default = true;
  return YAML::Load(f.default_value);
}

bool SectionReader::check_range(const std::string& key, long long v, const std::string& shown) {
  const Field& f = field(key);
  if ((f.min && v < *f.min) || (f.max && v > *f.max)) {
    auto limit = [&](long long x) {
      if (f.type == ValueType::duration) return core::format_duration(core::Duration{x});
      if (f.type == ValueType::percent) return std::to_string(x) + "%";
      return std::to_string(x);
    };
    std::string bounds;
    if (f.min && f.max) {
      bounds = "between " + limit(*f.min) + " and " + limit(*f.max);
    } else if (f.min) {
      bounds = "at least " + limit(*f.min);
    } else {
      bounds = "at most " + limit(*f.max);
    }
    error(key, "'" + key + "' must be " + bounds + (f.unit == "seconds" ? " seconds" : "") +
                   ", got " + shown);
    return false;
  }
  return true;
}

bool SectionReader::check_length(const std::string& key, size_t n) {
  const Field& f = field(key);
  if (f.min && static_cast<long long>(n) < *f.min) {
    error(key, "'" + key + "' needs at least " + std::to_string(*f.min) +
                   (*f.min == 1 ? " item" : " items"));
    return false;
  }
  if (f.max && static_cast<long long>(n) > *f.max) {
    error(key, "'" + key + "' takes at most " + std::to_string(*f.max) + " items");
    return false;
  }
  return true;
}

std::optional<std::string> SectionReader::string(const std::string& key) {
  bool def = false;
  auto n = source(key, def);
  if (!n) return std::nullopt;
  if (!n->IsScalar()) {
    error(key, "'" + key + "' must be a string, got " + describe(*n));
    return std::nullopt;
  }
  return n->Scalar();
}

std::optional<std::string> SectionReader::identifier(const std::string& key) {
  auto s = string(key);
  if (!s) return std::nullopt;
  if (!is_identifier(*s)) {
    error(key, "'" + key +
                   "' must be a name of 1-63 lower-case letters, digits, '-' or '_', got '" + *s +
                   "'");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> SectionReader::dns_name(const std::string& key) {
  auto s = string(key);
  if (!s) return std::nullopt;
  std::string err;
  auto n = normalize_dns_name(*s, err);
  if (!n) error(key, err);
  return n;
}

std::optional<long long> SectionReader::integer(const std::string& key) {
  auto s = string(key);
  if (!s) return std::nullopt;
  long long v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (s->empty() || ec != std::errc() || p != s->data() + s->size()) {
    error(key, "'" + key + "' must be a whole number, got '" + *s + "'");
    return std::nullopt;
  }
  if (!check_range(key, v, *s)) return std::nullopt;
  return v;
}

std::optional<bool> SectionReader::boolean(const std::string& key) {
  auto s = string(key);
  if (!s) return std::nullopt;
  if (*s == "true" || *s == "yes") return true;
  if (*s == "false" || *s == "no") return false;
  error(key, "'" + key + "' must be true or false, got '" + *s + "'");
  return std::nullopt;
}

std::optional<core::Duration> SectionReader::duration(const std::string& key) {
  auto s = string(key);
  if (!s) return std::nullopt;
  std::string err;
  auto d = parse_duration(*s, err);
  if (!d) {
    error(key, "'" + key + "': " + err);
    return std::nullopt;
  }
  if (!check_range(key, d->count(), *s)) return std::nullopt;
  return d;
}

std::optional<int> SectionReader::percent(const std::string& key) {
  auto s = string(key);
  if (!s) return std::nullopt;
  std::string err;
  auto p = parse_percent(*s, err);
  if (!p) {
    error(key, "'" + key + "': " + err);
    return std::nullopt;
  }
  if (!check_range(key, *p, *s)) return std::nullopt;
  return p;
}

std::optional<std::string> SectionReader::address(const std::string& key) {
  auto s = string(key);
  if (!s) return std::nullopt;
  if (!is_ipv4(*s) && !is_ipv6(*s)) {
    error(key, "'" + key + "' must be an IPv4 or IPv6 address, got '" + *s + "'");
    return std::nullopt;
  }
  return s;
}

std::optional<Endpoint> SectionReader::endpoint(const std::string& key, Port port) {
  auto s = string(key);
  if (!s) return std::nullopt;
  std::string err;
  auto ep = parse_endpoint(*s, port == Port::zero_allowed, err);
  if (!ep) error(key, "'" + key + "': " + err);
  return ep;
}

std::optional<std::vector<std::string>> SectionReader::scalar_list(const std::string& key) {
  bool def = false;
  auto n = source(key, def);
  if (!n) return std::nullopt;
  if (!n->IsSequence()) {
    error(key, "'" + key + "' must be a list such as [a, b], got " + describe(*n));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const YAML::Node& item : *n) {
    if (!item.IsScalar()) {
      errors_.add(item, "items of '" + key + "' must be single values, got " + describe(item));
      ok = false;
      continue;
    }
    out.push_back(item.Scalar());
  }
  if (!ok || !check_length(key, out.size())) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> SectionReader::address_list(const std::string& key) {
  auto items = scalar_list(key);
  if (!items) return std::nullopt;
  YAML::Node n = value(key);
  for (size_t i = 0; i < items->size(); ++i) {
    if (!is_ipv4((*items)[i]) && !is_ipv6((*items)[i])) {
      errors_.add(n.IsDefined() ? n[i].Mark() : node_.Mark(),
                  "'" + (*items)[i] + "' in '" + key + "' is not an IPv4 or IPv6 address");
      return std::nullopt;
    }
  }
  return items;
}

std::optional<std::vector<Endpoint>> SectionReader::endpoint_list(const std::string& key,
                                                                  Port port) {
  auto items = scalar_list(key);
  if (!items) return std::nullopt;
  YAML::Node n = value(key);
  std::vector<Endpoint> out;
  for (size_t i = 0; i < items->size(); ++i) {
    std::string err;
    auto ep = parse_endpoint((*items)[i], port == Port::zero_allowed, err);
    if (!ep) {
      errors_.add(n.IsDefined() ? n[i].Mark() : node_.Mark(), "'" + key + "': " + err);
      return std::nullopt;
    }
    out.push_back(*ep);
  }
  return out;
}

std::optional<std::vector<std::string>> SectionReader::string_list(const std::string& key) {
  return scalar_list(key);
}

std::optional<std::vector<std::string>> SectionReader::identifier_list(const std::string& key) {
  auto items = scalar_list(key);
  if (!items) return std::nullopt;
  YAML::Node n = value(key);
  for (size_t i = 0; i < items->size(); ++i) {
    if (!is_identifier((*items)[i])) {
      errors_.add(n.IsDefined() ? n[i].Mark() : node_.Mark(),
                  "'" + (*items)[i] + "' in '" + key + "' is not a valid name");
      return std::nullopt;
    }
  }
  return items;
}

std::optional<std::vector<long long>> SectionReader::int_list(const std::string& key) {
  auto items = scalar_list(key);
  if (!items) return std::nullopt;
  YAML::Node n = value(key);
  std::vector<long long> out;
  for (size_t i = 0; i < items->size(); ++i) {
    const std::string& s = (*items)[i];
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
      errors_.add(n.IsDefined() ? n[i].Mark() : node_.Mark(),
                  "'" + s + "' in '" + key + "' is not a whole number");
      return std::nullopt;
    }
    out.push_back(v);
  }
  return out;
}

std::optional<std::string> SectionReader::choice(const std::string& key) {
  auto s = string(key);
  if (!s) return std::nullopt;
  const Field& f = field(key);
  if (std::find(f.choices.begin(), f.choices.end(), *s) == f.choices.end()) {
    std::string list;
    for (const std::string& c : f.choices) list += (list.empty() ? "" : ", ") + c;
    error(key, "'" + key + "' must be one of " + list + ", got '" + *s + "'");
    return std::nullopt;
  }
  return s;
}

std::vector<SectionReader> SectionReader::items(const std::string& key) {
  std::vector<SectionReader> out;
  const Field& f = field(key);
  assert(f.type == ValueType::section_list && f.section);
  if (!has(key)) return out;
  YAML::Node n = value(key);
  if (!n.IsSequence()) {
    error(key, "'" + key + "' must be a list of mappings, got " + describe(n));
    return out;
  }
  if (!check_length(key, n.size())) return out;
  std::string base = (where_.empty() ? "" : where_ + ".") + key;
  for (size_t i = 0; i < n.size(); ++i) {
    out.emplace_back(n[i], *f.section, base + "[" + std::to_string(i) + "]", errors_);
  }
  return out;
}

std::optional<SectionReader> SectionReader::section(const std::string& key) {
  const Field& f = field(key);
  assert(f.type == ValueType::section && f.section);
  if (!has(key)) return std::nullopt;
  const std::string where = (where_.empty() ? "" : where_ + ".") + key;
  if (value(key).IsNull()) {
    // `controller:` with nothing under it: report it at the key, once.
    error(key, "expected a mapping for " + where + ", got nothing");
    return std::nullopt;
  }
  return SectionReader(value(key), *f.section, where, errors_);
}

}  // namespace drpilot::config
