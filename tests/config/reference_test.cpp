// The schema is the single source of the configuration reference and of the
// defaults: the generated reference must mention everything the loader reads,
// and every documented default must be exactly what the loader applies.

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "config/config.h"
#include "config/schema.h"
#include "config_dump.h"

namespace drpilot::config {
namespace {

bool is_nested(const Field& f) {
  return f.type == ValueType::section || f.type == ValueType::section_list;
}

// A configuration in which every section is present with only its required
// keys; `key: value` is added to the section whose schema path is `path`.
class FullMinimal {
 public:
  FullMinimal() = default;
  FullMinimal(std::string path, std::string key, std::string value)
      : path_(std::move(path)), line_(std::move(key) + ": " + std::move(value)) {}

  static const std::set<std::string>& known_paths() {
    static const std::set<std::string> paths = {"",
                                                "controller",
                                                "journal",
                                                "api",
                                                "api.tokens[]",
                                                "dns",
                                                "dns.zones[]",
                                                "dns.zones[].ns[]",
                                                "dns.zones[].soa",
                                                "policy",
                                                "checks[]",
                                                "sites[]",
                                                "records[]",
                                                "lab",
                                                "lab.sites[]",
                                                "providers[]",
                                                "providers[].records[]",
                                                "providers[].members[]",
                                                "hooks",
                                                "hooks.pre_change[]",
                                                "hooks.post_change[]",
                                                "aws",
                                                "data_regions[]",
                                                "table_groups[]",
                                                "agents[]",
                                                "cluster",
                                                "cluster.members[]",
                                                "cluster.etcd",
                                                "lab.data_regions[]"};
    return paths;
  }

  std::string text() const {
    std::string t;
    t += mapping("controller");
    t += mapping("journal");
    t += "api:\n" + extra("api", 2) + "  tokens:\n    - name: ops\n      token: t\n" +
         extra("api.tokens[]", 6);
    t += "dns:\n" + extra("dns", 2) + "  zones:\n    - name: example.test\n" +
         extra("dns.zones[]", 6) + "      ns:\n        - name: ns1.example.net\n" +
         extra("dns.zones[].ns[]", 10) + "      soa:" + nested("dns.zones[].soa", 8);
    t += mapping("policy");
    // Keys of dynamodb checks go to a dynamodb check, the others to an http one.
    const bool ddb_key = path_ == "checks[]" && dynamodb_keys().count(key());
    t += "checks:\n  - name: web\n    type: http\n" + (ddb_key ? "" : extra("checks[]", 4)) +
         "  - name: table\n    type: dynamodb\n    table: orders\n" +
         (ddb_key ? extra("checks[]", 4) : "");
    t += "sites:\n  - name: ams\n    endpoints: [127.0.0.11]\n" + extra("sites[]", 4);
    t += "records:\n  - name: www.example.test\n    sites: [ams]\n" + extra("records[]", 4);
    t += "lab:\n" + extra("lab", 2) + "  sites:\n    - name: ams\n      listen: 127.0.0.11:8000\n" +
         extra("lab.sites[]", 6) +
         "  data_regions:\n    - name: eu\n      listen: 127.0.0.11:8001\n" +
         extra("lab.data_regions[]", 6);
    t += mapping("aws");
    t += "data_regions:\n  - name: eu\n" + extra("data_regions[]", 4);
    t += "table_groups:\n  - name: shop\n    tables: [orders]\n" + extra("table_groups[]", 4);
    t += "agents:\n  - name: ams-agent\n    site: ams\n    key: k\n"
         "    controllers: [http://127.0.0.1:8080]\n" +
         extra("agents[]", 4);
    t += "cluster:\n" + extra("cluster", 2) +
         "  members:\n    - name: ams-ctl\n      api: http://127.0.0.1:8080\n" +
         extra("cluster.members[]", 6) + "  etcd:\n    endpoints: [http://127.0.0.1:2379]\n" +
         extra("cluster.etcd", 4);
    t += "providers:\n  - name: dns\n    type: linode_dns\n    token: t\n"
         "    domain: example.test\n" +
         extra("providers[]", 4) + "    records:\n      - name: www.example.test\n" +
         extra("providers[].records[]", 8) +
         "  - name: lb\n    type: digitalocean_lb\n    token: t\n    load_balancer_id: lb1\n"
         "    record: www.example.test\n    members:\n      - site: ams\n"
         "        droplet_ids: [1]\n" +
         extra("providers[].members[]", 8);
    t += "hooks:\n" + extra("hooks", 2) + "  pre_change:\n    - command: [/bin/true]\n" +
         extra("hooks.pre_change[]", 6) + "  post_change:\n    - command: [/bin/true]\n" +
         extra("hooks.post_change[]", 6);
    return t;
  }

 private:
  static const std::set<std::string>& dynamodb_keys() {
    static const std::set<std::string> keys = {"operation", "table", "key"};
    return keys;
  }
  std::string key() const { return line_.substr(0, line_.find(':')); }
  std::string extra(const std::string& path, int indent) const {
    if (path != path_) return "";
    return std::string(indent, ' ') + line_ + "\n";
  }
  std::string nested(const std::string& path, int indent) const {
    if (path != path_) return " {}\n";
    return "\n" + extra(path, indent);
  }
  std::string mapping(const std::string& path) const { return path + ":" + nested(path, 2); }

  std::string path_ = "-";
  std::string line_;
};

LoadResult load(const std::string& text) {
  return load_config_string(text, "ref.yaml", "/srv");
}

TEST(Reference, MentionsEverySectionKeyAndChoice) {
  const std::string md = render_reference_markdown();
  ASSERT_FALSE(md.empty());
  for (const Section* s : all_sections()) {
    const std::string heading =
        "### `" + (s->path.empty() ? std::string("(top level)") : s->path) + "`";
    EXPECT_NE(md.find(heading), std::string::npos) << heading;
    EXPECT_FALSE(s->doc.empty()) << "section " << s->path;
    EXPECT_NE(md.find(s->doc), std::string::npos) << "doc of section " << s->path;
    for (const Field& f : s->fields) {
      SCOPED_TRACE(s->path + " " + f.key);
      EXPECT_NE(md.find("| `" + f.key + "` |"), std::string::npos);
      EXPECT_FALSE(f.doc.empty());
      for (const std::string& c : f.choices) {
        EXPECT_NE(md.find("`" + c + "`"), std::string::npos) << "choice " << c;
      }
      if (f.type == ValueType::choice) {
        EXPECT_FALSE(f.choices.empty());
      }
      if (is_nested(f)) {
        ASSERT_NE(f.section, nullptr);
        EXPECT_NE(md.find("see `" + f.section->path + "`"), std::string::npos);
      } else if (f.required) {
        EXPECT_TRUE(f.default_value.empty()) << "a required key has a default";
      } else if (!f.default_note.empty()) {
        EXPECT_NE(md.find(f.default_note), std::string::npos) << f.default_note;
      } else {
        EXPECT_NE(md.find("`" + f.default_value + "`"), std::string::npos) << f.default_value;
      }
    }
  }
}

TEST(Reference, EverySectionIsReachableFromTheRoot) {
  std::set<const Section*> reachable;
  std::vector<const Section*> todo{&root_schema()};
  while (!todo.empty()) {
    const Section* s = todo.back();
    todo.pop_back();
    if (!reachable.insert(s).second) continue;
    for (const Field& f : s->fields) {
      if (f.section) todo.push_back(f.section);
    }
  }
  std::set<const Section*> listed;
  for (const Section* s : all_sections()) listed.insert(s);
  EXPECT_EQ(reachable, listed);
  EXPECT_EQ(all_sections().front(), &root_schema());
}

TEST(Reference, EveryKeyHasAUniqueName) {
  for (const Section* s : all_sections()) {
    std::set<std::string> keys;
    for (const Field& f : s->fields) EXPECT_TRUE(keys.insert(f.key).second) << s->path << f.key;
  }
}

TEST(Reference, FullMinimalConfigurationLoads) {
  for (const Section* s : all_sections()) {
    EXPECT_TRUE(FullMinimal::known_paths().count(s->path)) << "no test layout for " << s->path;
  }
  LoadResult r = load(FullMinimal().text());
  ASSERT_TRUE(r.ok()) << r.error_text() << FullMinimal().text();
}

// Every optional key that documents a literal default: writing that default
// explicitly must be accepted and give exactly the configuration that leaving
// the key out gives.
TEST(Reference, DocumentedDefaultsAreWhatTheLoaderApplies) {
  LoadResult base = load(FullMinimal().text());
  ASSERT_TRUE(base.ok()) << base.error_text();
  const std::string expected = testing::dump(*base.config);
  int checked = 0;
  for (const Section* s : all_sections()) {
    for (const Field& f : s->fields) {
      if (is_nested(f) || f.required) continue;
      SCOPED_TRACE(s->path + " " + f.key);
      if (f.default_note.empty()) {
        EXPECT_FALSE(f.default_value.empty()) << "an optional key with neither default nor note";
      }
      if (f.default_value.empty()) continue;
      const std::string text = FullMinimal(s->path, f.key, f.default_value).text();
      LoadResult r = load(text);
      ASSERT_TRUE(r.ok()) << "the documented default '" << f.default_value << "' is refused:\n"
                          << r.error_text() << text;
      EXPECT_EQ(testing::dump(*r.config), expected) << text;
      ++checked;
    }
  }
  EXPECT_GE(checked, 30);
}

// The same placement with a value of the wrong shape is refused, naming the
// key: proof that each key above was really read from its section.
TEST(Reference, EveryScalarKeyIsReadFromItsSection) {
  for (const Section* s : all_sections()) {
    for (const Field& f : s->fields) {
      if (is_nested(f) || f.required) continue;
      SCOPED_TRACE(s->path + " " + f.key);
      const std::string text = FullMinimal(s->path, f.key, "{a: b}").text();
      LoadResult r = load(text);
      ASSERT_FALSE(r.ok()) << text;
      bool named = false;
      for (const ConfigError& e : r.errors) {
        named |= e.message.find("'" + f.key + "'") != std::string::npos;
      }
      EXPECT_TRUE(named) << r.error_text();
    }
  }
}

TEST(Reference, TypeNamesAreDescriptive) {
  for (const Section* s : all_sections()) {
    for (const Field& f : s->fields) {
      const std::string t = type_name(f);
      EXPECT_FALSE(t.empty());
      EXPECT_NE(t, "value") << s->path << " " << f.key;
      for (const std::string& c : f.choices) {
        EXPECT_NE(t.find("`" + c + "`"), std::string::npos) << c;
      }
    }
  }
}

// The committed reference is what the schema generates, so the docs a user
// reads cannot drift from what the loader accepts.
TEST(Reference, CommittedDocsMatchTheSchema) {
  std::ifstream in(DRPILOT_SOURCE_DIR "/docs/configuration.md", std::ios::binary);
  ASSERT_TRUE(in) << "docs/configuration.md is missing";
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(text.str() == render_reference_markdown())
      << "docs/configuration.md is out of date; regenerate it with\n"
         "  build/drpilot config-reference > docs/configuration.md";
}

}  // namespace
}  // namespace drpilot::config
