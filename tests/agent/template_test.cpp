// The configuration template and the variables an assignment gives it: every
// variable, group variables, clear errors naming the variable and the line,
// and values that could break out of a quoted string in the rendered file.

#include "agent/template.h"

#include <gtest/gtest.h>

#include <string>

#include "agent/variables.h"
#include "support/process.h"

namespace drpilot::agent {
namespace {

api::SiteAssignmentMessage one_group() {
  api::SiteAssignmentMessage a;
  a.generation = 7;
  a.site = "ams";
  core::GroupAssignment g;
  g.data_region = "eu-west-1";
  g.write_region = "us-east-1";
  g.role = core::DataRole::read_only;
  g.reason = "us-east-1 is the write-primary";
  a.groups["shop"] = g;
  return a;
}

api::SiteAssignmentMessage two_groups() {
  api::SiteAssignmentMessage a = one_group();
  core::GroupAssignment s;
  s.data_region = "eu-central-1";
  s.write_region = "eu-central-1";
  s.role = core::DataRole::read_write;
  s.reason = "local";
  a.groups["sessions"] = s;
  return a;
}

std::optional<std::string> render(const std::string& text, const api::SiteAssignmentMessage& a,
                                  std::string& error) {
  return render_template(
      text, "app.tmpl",
      [&](const std::string& name, std::string& why) { return assignment_variable(a, name, why); },
      error);
}

TEST(Template, EveryVariableOfOneGroup) {
  std::string error;
  auto out = render(
      "SITE={{site}}\nGEN={{ generation }}\nDATA={{data_region}}\nWRITE={{write_region}}\n"
      "ROLE={{role}}\nWHY={{reason}}\nG={{group.shop.data_region}}\n",
      one_group(), error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(*out,
            "SITE=ams\nGEN=7\nDATA=eu-west-1\nWRITE=us-east-1\nROLE=read-only\n"
            "WHY=us-east-1 is the write-primary\nG=eu-west-1\n");
}

TEST(Template, GroupVariablesWithSeveralGroups) {
  std::string error;
  auto out = render(
      "{{group.shop.data_region}} {{group.shop.write_region}} {{group.shop.role}}\n"
      "{{group.sessions.data_region}} {{group.sessions.write_region}} "
      "{{\tgroup.sessions.role\t}} {{group.sessions.reason}}",
      two_groups(), error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(*out,
            "eu-west-1 us-east-1 read-only\n"
            "eu-central-1 eu-central-1 read-write local");
}

TEST(Template, TextWithoutVariablesIsKeptByteForByte) {
  std::string error;
  const std::string text = "<?php\n// } { }} {x}\n$a = ['k' => \"v\"];\r\n\n";
  auto out = render(text, one_group(), error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(*out, text);
}

TEST(Template, ShortNamesAreAmbiguousWithSeveralGroups) {
  std::string error;
  EXPECT_FALSE(render("a\nDATA={{data_region}}\n", two_groups(), error));
  EXPECT_EQ(error.rfind("app.tmpl:2: ", 0), 0u) << error;
  EXPECT_NE(error.find("'data_region' is ambiguous"), std::string::npos) << error;
  EXPECT_NE(error.find("{{group.NAME.data_region}}"), std::string::npos) << error;
  EXPECT_NE(error.find("sessions, shop"), std::string::npos) << error;
}

TEST(Template, ShortNamesWithoutGroupsHaveNoValue) {
  api::SiteAssignmentMessage a = one_group();
  a.groups.clear();
  std::string error;
  EXPECT_FALSE(render("{{role}}", a, error));
  EXPECT_EQ(error, "app.tmpl:1: variable 'role' has no value: the assignment has no table group");
  // site and generation need no group.
  auto out = render("{{site}}-{{generation}}", a, error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(*out, "ams-7");
}

TEST(Template, AnUnknownVariableIsNamedWithItsLine) {
  std::string error;
  EXPECT_FALSE(render("A=1\nB=2\n\nC={{ data_regoin }}\n", one_group(), error));
  EXPECT_EQ(error.rfind("app.tmpl:4: unknown variable 'data_regoin' (known: site, generation, "
                        "data_region",
                        0),
            0u)
      << error;
}

TEST(Template, UnknownGroupsAndFieldsAreNamed) {
  std::string error;
  EXPECT_FALSE(render("{{group.orders.data_region}}", two_groups(), error));
  EXPECT_EQ(error,
            "app.tmpl:1: unknown variable 'group.orders.data_region': the assignment has no "
            "table group 'orders' (it has: sessions, shop)");
  EXPECT_FALSE(render("\n{{group.shop.region}}", two_groups(), error));
  EXPECT_EQ(error.rfind("app.tmpl:2: unknown variable 'group.shop.region': a group has", 0), 0u)
      << error;
  EXPECT_FALSE(render("{{group.shop}}", two_groups(), error));
  EXPECT_NE(error.find("use group.NAME.FIELD"), std::string::npos) << error;
}

TEST(Template, UnclosedAndEmptyBracesAreRefused) {
  std::string error;
  EXPECT_FALSE(render("ok\nDATA={{data_region\n}}\n", one_group(), error));
  EXPECT_EQ(error, "app.tmpl:2: unterminated '{{' (no '}}' on the same line) at '{{data_region'");
  EXPECT_FALSE(render("x {{ site", one_group(), error));
  EXPECT_EQ(error, "app.tmpl:1: unterminated '{{' (no '}}' on the same line) at '{{ site'");
  EXPECT_FALSE(render("a\nb\nc={{ }}", one_group(), error));
  EXPECT_EQ(error, "app.tmpl:3: empty variable '{{}}'");
}

TEST(Template, AValueIsNeverExpandedAgain) {
  // The lookup may return anything; the renderer does one pass.
  std::string error;
  auto out = render_template(
      "{{a}}{{b}}", "t",
      [](const std::string& name, std::string&) -> std::optional<std::string> {
        return name == "a" ? "{{b}}" : "B";
      },
      error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(*out, "{{b}}B");
}

TEST(Template, NamesThatCouldBreakOutAreRefused) {
  // Signed messages are checked by the protocol already; the renderer does
  // not rely on that, since the file is what the application executes.
  for (const char* bad :
       {"eu'west", "eu\"west", "eu$west", "eu`id`", "eu\\west", "eu\nX=1", "eu west", "eu;rm"}) {
    api::SiteAssignmentMessage a = one_group();
    a.groups["shop"].data_region = bad;
    std::string error;
    EXPECT_FALSE(render("A=1\nDATA='{{data_region}}'\n", a, error)) << bad;
    EXPECT_EQ(error.rfind("app.tmpl:2: variable 'data_region' is refused: its value '", 0), 0u)
        << error;
    EXPECT_NE(error.find("could break out of a quoted string"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << "the error stays on one line: " << error;
  }
  api::SiteAssignmentMessage a = one_group();
  a.site = "ams'";
  std::string error;
  EXPECT_FALSE(render("{{site}}", a, error));
  EXPECT_NE(error.find("variable 'site' is refused"), std::string::npos) << error;
  a = one_group();
  a.groups["shop"].write_region = "x\"y";
  EXPECT_FALSE(render("{{group.shop.write_region}}", a, error));
  EXPECT_NE(error.find("variable 'group.shop.write_region' is refused"), std::string::npos)
      << error;
  a = one_group();
  a.groups["shop"].data_region = "";
  EXPECT_FALSE(render("{{data_region}}", a, error));
  EXPECT_EQ(error, "app.tmpl:1: variable 'data_region' has no value in the assignment");
}

TEST(Template, AnEmptyWriteRegionRendersEmpty) {
  // No write-primary is known: the application sees an empty value.
  api::SiteAssignmentMessage a = one_group();
  a.groups["shop"].write_region = "";
  std::string error;
  auto out = render("W='{{write_region}}'", a, error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(*out, "W=''");
}

TEST(Template, AReasonIsMadeSafeInsteadOfRefused) {
  // A reason quotes check details; a quote in it must not fail the apply,
  // nor end the quoted string it is rendered into.
  api::SiteAssignmentMessage a = one_group();
  a.groups["shop"].reason = "the site's check said \"503\" $HOME `id` a\\b\nX=1";
  std::string error;
  auto out = render("WHY='{{reason}}'", a, error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(*out, "WHY='the site\xE2\x80\x99s check said  503   HOME  id  a b X=1'");
  for (char c : std::string("'\"$`\\\n")) {
    EXPECT_EQ(out->substr(5, out->size() - 6).find(c), std::string::npos) << c;
  }
}

std::string example(const std::string& name) {
  return testing::read_file(std::string(DRPILOT_SOURCE_DIR) + "/examples/agent/" + name);
}

TEST(Template, TheEnvFileExampleRenders) {
  api::SiteAssignmentMessage a = one_group();
  a.groups["shop"].reason = "the site's region";
  std::string error;
  auto out = render(example("drpilot.env.tmpl"), a, error);
  ASSERT_TRUE(out) << error;
  EXPECT_NE(out->find("\nAWS_REGION=eu-west-1\nDRPILOT_DATA_REGION=eu-west-1\n"
                      "DRPILOT_WRITE_REGION=us-east-1\nDRPILOT_DATA_ROLE=read-only\n"
                      "# the site\xE2\x80\x99s region\n"),
            std::string::npos)
      << *out;
  EXPECT_NE(out->find("\nDRPILOT_SITE=ams\nDRPILOT_GENERATION=7\n"), std::string::npos) << *out;
  // Every line is a comment, empty, or NAME=value.
  std::size_t start = 0;
  while (start < out->size()) {
    const std::string line = out->substr(start, out->find('\n', start) - start);
    start += line.size() + 1;
    if (line.empty() || line[0] == '#') continue;
    EXPECT_NE(line.find('='), std::string::npos) << line;
  }
}

TEST(Template, ThePhpIncludeExampleRenders) {
  api::SiteAssignmentMessage a = one_group();
  a.groups["shop"].reason = "it's 'quoted' \\ ?> <?php";
  std::string error;
  auto out = render(example("drpilot-data.php.tmpl"), a, error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->rfind("<?php\n", 0), 0u);
  for (const char* line :
       {"define('DRPILOT_SITE', 'ams');", "define('DRPILOT_GENERATION', 7);",
        "define('DRPILOT_DATA_REGION', 'eu-west-1');",
        "define('DRPILOT_WRITE_REGION', 'us-east-1');", "define('DRPILOT_DATA_ROLE', 'read-only');",
        "define('DRPILOT_READ_ONLY', 'read-only' === 'read-only');",
        // The reason stays inside its single quotes.
        "define('DRPILOT_REASON', 'it\xE2\x80\x99s \xE2\x80\x99quoted\xE2\x80\x99   ?> <?php');"}) {
    EXPECT_NE(out->find("\n" + std::string(line) + "\n"), std::string::npos) << line << "\n"
                                                                             << *out;
  }
  // With several table groups the short names would be a guess: a clear error.
  EXPECT_FALSE(render(example("drpilot-data.php.tmpl"), two_groups(), error));
  EXPECT_NE(error.find("is ambiguous"), std::string::npos) << error;
}

}  // namespace
}  // namespace drpilot::agent
