#include "aws/bootstrap_config.h"

#include <algorithm>
#include <map>
#include <set>

namespace drpilot::aws {
namespace {

using nlohmann::json;

constexpr const char* kSentinelNote =
    "the sentinel item of drpilot's dynamodb checks: they read it to tell that the table "
    "answers; keep it";

// What one source (a sentinel check, a canary) says about a table's key.
struct KeySource {
  std::string what;  // "sentinel check orders-sentinel", for messages
  KeyAttribute hash;
  std::optional<KeyAttribute> range;
};

bool same_key(const KeySource& a, const KeySource& b) {
  auto same = [](const KeyAttribute& x, const KeyAttribute& y) {
    return x.name == y.name && x.type == y.type;
  };
  return same(a.hash, b.hash) && a.range.has_value() == b.range.has_value() &&
         (!a.range || same(*a.range, *b.range));
}

// The sentinel check's key, read in the order it was written: the first
// attribute is the hash key.
std::optional<KeySource> key_of_check(const config::CheckConfig& c, json& item,
                                      std::string& error) {
  const std::string what = "sentinel check " + c.name;
  const nlohmann::ordered_json key = nlohmann::ordered_json::parse(c.key_json, nullptr, false);
  if (key.is_discarded() || !key.is_object() || key.empty() || key.size() > 2) {
    error = what +
            ": key must name one or two attributes (hash key first) in DynamoDB JSON, "
            "such as {\"pk\": {\"S\": \"drpilot-sentinel\"}}";
    return std::nullopt;
  }
  KeySource s;
  s.what = what;
  item = json::object();
  bool first = true;
  for (const auto& [name, value] : key.items()) {
    if (!value.is_object() || value.size() != 1) {
      error = what + ": key attribute " + name + " is not a value such as {\"S\": \"text\"}";
      return std::nullopt;
    }
    const std::string type = value.begin().key();
    if (type != "S" && type != "N" && type != "B") {
      error = what + ": key attribute " + name + " is of type " + type +
              "; key attributes are S, N or B";
      return std::nullopt;
    }
    if (!value.begin().value().is_string()) {
      error = what + ": key attribute " + name + ": the " + type + " value must be a string";
      return std::nullopt;
    }
    (first ? s.hash : s.range.emplace()) = KeyAttribute{name, type};
    item[name] = json::parse(value.dump());
    first = false;
  }
  return s;
}

}  // namespace

CredentialOptions credential_options_from_config(const config::Config& cfg) {
  CredentialOptions o;
  o.profile = cfg.aws.profile;
  o.credentials_file = cfg.aws.credentials_file;
  return o;
}

std::optional<BootstrapPlan> bootstrap_plan_from_config(const config::Config& cfg,
                                                        std::string& error) {
  if (cfg.data_regions.empty()) {
    error = cfg.path + " has no data_regions: nothing to bootstrap";
    return std::nullopt;
  }
  if (cfg.table_groups.empty()) {
    error = cfg.path + " has no table_groups: nothing to bootstrap";
    return std::nullopt;
  }
  BootstrapPlan plan;
  std::map<std::string, std::string> aws_region;  // data region name -> AWS region
  for (const config::DataRegionConfig& d : cfg.data_regions) {
    plan.regions.push_back({d.region, d.endpoint});
    aws_region[d.name] = d.region;
  }

  // What the sentinel checks say about each table.
  std::map<std::string, std::vector<KeySource>> keys;
  std::map<std::string, std::pair<std::string, json>> items;  // table -> (check, item)
  for (const config::CheckConfig& c : cfg.checks) {
    if (c.kind != config::CheckKind::dynamodb || c.operation != config::DynamoCheck::sentinel) {
      continue;
    }
    json item;
    std::optional<KeySource> k = key_of_check(c, item, error);
    if (!k) return std::nullopt;
    keys[c.table].push_back(*k);
    auto [it, fresh] = items.emplace(c.table, std::make_pair(c.name, item));
    if (!fresh && it->second.second != item) {
      error = "sentinel checks " + it->second.first + " and " + c.name + " of table " + c.table +
              " read different items; bootstrap writes one sentinel item per table";
      return std::nullopt;
    }
  }

  std::set<std::string> seen;
  for (const config::TableGroupConfig& g : cfg.table_groups) {
    // The regions in creation order: the write-primary preference first.
    std::vector<std::string> regions;
    if (g.write_mode == config::WriteMode::single) {
      for (const std::string& name : g.primary_order) {
        auto it = aws_region.find(name);
        if (it == aws_region.end()) {
          error = "table group " + g.name + ": primary_order names " + name +
                  ", which is not a data region";
          return std::nullopt;
        }
        regions.push_back(it->second);
      }
    }
    for (const config::DataRegionConfig& d : cfg.data_regions) {
      if (std::find(regions.begin(), regions.end(), d.region) == regions.end()) {
        regions.push_back(d.region);
      }
    }

    std::vector<std::string> names = g.tables;
    if (!g.canary_table.empty() &&
        std::find(names.begin(), names.end(), g.canary_table) == names.end()) {
      names.push_back(g.canary_table);
    }
    for (const std::string& name : names) {
      if (!seen.insert(name).second) {
        error = "table " + name + " is in more than one table group";
        return std::nullopt;
      }
      std::vector<KeySource> sources = keys[name];
      if (name == g.canary_table) {
        sources.push_back({"table group " + g.name + "'s canary_key", {g.canary_key, "S"}, {}});
      }
      TableSpec t;
      t.name = name;
      t.regions = regions;
      if (!sources.empty()) {
        for (const KeySource& s : sources) {
          if (!same_key(s, sources.front())) {
            error = "table " + name + ": " + sources.front().what + " gives the key " +
                    describe_key(sources.front().hash, sources.front().range) + " but " + s.what +
                    " gives " + describe_key(s.hash, s.range);
            return std::nullopt;
          }
        }
        t.hash_key = sources.front().hash;
        t.range_key = sources.front().range;
      }
      if (auto it = items.find(name); it != items.end()) {
        t.sentinel = it->second.second;
        if (!t.sentinel.contains(kSentinelNoteAttribute)) {
          t.sentinel[kSentinelNoteAttribute] = {{"S", kSentinelNote}};
        }
      }
      plan.tables.push_back(std::move(t));
    }
  }
  return plan;
}

}  // namespace drpilot::aws
