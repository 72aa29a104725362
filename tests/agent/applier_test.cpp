// Applying an assignment with real files and real reload commands: render,
// write, reload; a reload that fails or hangs puts the previous file back and
// says why; a template that does not render writes nothing.

#include "agent/applier.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>

#include "support/process.h"

namespace drpilot::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

api::SiteAssignmentMessage assignment(std::uint64_t generation, const std::string& region) {
  api::SiteAssignmentMessage a;
  a.generation = generation;
  a.site = "ams";
  core::GroupAssignment g;
  g.data_region = region;
  g.write_region = "eu-west-1";
  g.role = region == "eu-west-1" ? core::DataRole::read_write : core::DataRole::read_only;
  a.groups["shop"] = g;
  return a;
}

class ApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("applier");
    testing::write_file(path("app.tmpl"), "DATA={{data_region}}\nROLE={{role}}\n");
  }
  void TearDown() override { testing::remove_tree(dir_); }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  // A reload that records each run (its environment included) in reload.log.
  ApplierOptions options(const std::string& then = "exit 0") const {
    ApplierOptions o;
    o.template_path = path("app.tmpl");
    o.output_path = path("out/app.env");
    o.reload = {"/bin/sh", "-c",
                "echo \"gen=$DRPILOT_GENERATION site=$DRPILOT_SITE data=$DRPILOT_DATA_REGION "
                "write=$DRPILOT_WRITE_REGION role=$DRPILOT_ROLE out=$DRPILOT_OUTPUT "
                "key=${DRPILOT_TEST_AGENT_KEY:-unset}\" >> " +
                    path("reload.log") + "; " + then};
    o.reload_timeout = core::Duration{5'000};
    return o;
  }

  std::string reload_log() const {
    return fs::exists(path("reload.log")) ? testing::read_file(path("reload.log")) : "";
  }

  std::string dir_;
};

TEST_F(ApplierTest, RendersWritesAndReloads) {
  fs::create_directory(path("out"));
  setenv("DRPILOT_TEST_AGENT_KEY", "secret", 1);
  ApplierOptions o = options();
  Applier applier(o);
  ApplyOutcome out = applier.apply(assignment(3, "eu-west-1"));
  unsetenv("DRPILOT_TEST_AGENT_KEY");
  EXPECT_TRUE(out.ok) << out.error;
  EXPECT_TRUE(out.changed);
  EXPECT_TRUE(out.reloaded);
  EXPECT_FALSE(out.restored);
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.reload_outcome, "exit 0");
  EXPECT_EQ(testing::read_file(path("out/app.env")), "DATA=eu-west-1\nROLE=read-write\n");
  // The reload saw the assignment, and never the agent's key.
  EXPECT_EQ(reload_log(), "gen=3 site=ams data=eu-west-1 write=eu-west-1 role=read-write out=" +
                              path("out/app.env") + " key=unset\n");
}

TEST_F(ApplierTest, UnchangedContentIsNeitherWrittenNorReloaded) {
  fs::create_directory(path("out"));
  Applier applier(options());
  ASSERT_TRUE(applier.apply(assignment(3, "eu-west-1")).ok);
  // A newer generation with the same rendering: the application already runs with it.
  ApplyOutcome out = applier.apply(assignment(4, "eu-west-1"));
  EXPECT_TRUE(out.ok) << out.error;
  EXPECT_FALSE(out.changed);
  EXPECT_FALSE(out.reloaded);
  EXPECT_EQ(out.reload_outcome, "");
  const std::string log = reload_log();
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << "one reload only: " << log;
  EXPECT_EQ(log.rfind("gen=3 ", 0), 0u) << log;
}

TEST_F(ApplierTest, AFailingReloadRestoresThePreviousFileAndSaysTheExitStatus) {
  fs::create_directory(path("out"));
  testing::write_file(path("out/app.env"), "DATA=eu-west-1\nROLE=read-write\n");
  Applier applier(options("echo php-fpm: bad config >&2; exit 3"));
  ApplyOutcome out = applier.apply(assignment(5, "us-east-1"));
  EXPECT_FALSE(out.ok);
  EXPECT_TRUE(out.changed);
  EXPECT_FALSE(out.reloaded);
  EXPECT_TRUE(out.restored);
  EXPECT_EQ(out.reload_outcome, "exit 3");
  EXPECT_NE(out.error.find("` exit 3 (php-fpm: bad config); restored the previous " +
                           path("out/app.env")),
            std::string::npos)
      << out.error;
  EXPECT_EQ(out.error.rfind("reload `/bin/sh -c ", 0), 0u) << out.error;
  EXPECT_EQ(testing::read_file(path("out/app.env")), "DATA=eu-west-1\nROLE=read-write\n");
  // The reload did run, with the new file in place.
  EXPECT_NE(reload_log().find("gen=5 site=ams data=us-east-1"), std::string::npos);
}

TEST_F(ApplierTest, AFailingFirstReloadRemovesTheFileItCreated) {
  fs::create_directory(path("out"));
  Applier applier(options("exit 1"));
  ApplyOutcome out = applier.apply(assignment(1, "eu-west-1"));
  EXPECT_FALSE(out.ok);
  EXPECT_TRUE(out.restored);
  EXPECT_FALSE(fs::exists(path("out/app.env")));
  EXPECT_EQ(std::distance(fs::directory_iterator(path("out")), fs::directory_iterator()), 0);
}

TEST_F(ApplierTest, AHangingReloadIsKilledAtTheTimeoutAndThePreviousFileRestored) {
  fs::create_directory(path("out"));
  testing::write_file(path("out/app.env"), "previous\n");
  ApplierOptions o = options("sleep 30");
  o.reload_timeout = core::Duration{300};
  Applier applier(o);
  const auto start = std::chrono::steady_clock::now();
  ApplyOutcome out = applier.apply(assignment(2, "us-east-1"));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 5s) << "the reload was not killed at its timeout";
  EXPECT_GE(took, 300ms);
  EXPECT_FALSE(out.ok);
  EXPECT_TRUE(out.restored);
  EXPECT_NE(out.reload_outcome.find("timed out after"), std::string::npos) << out.reload_outcome;
  EXPECT_NE(out.error.find("timed out after"), std::string::npos) << out.error;
  EXPECT_NE(out.error.find("and was killed; restored the previous"), std::string::npos)
      << out.error;
  EXPECT_EQ(testing::read_file(path("out/app.env")), "previous\n");
}

TEST_F(ApplierTest, AReloadThatCannotStartRestoresToo) {
  fs::create_directory(path("out"));
  testing::write_file(path("out/app.env"), "previous\n");
  ApplierOptions o = options();
  o.reload = {path("no-such-reload")};
  Applier applier(o);
  ApplyOutcome out = applier.apply(assignment(2, "us-east-1"));
  EXPECT_FALSE(out.ok);
  EXPECT_TRUE(out.restored);
  EXPECT_NE(out.error.find("cannot run " + path("no-such-reload")), std::string::npos) << out.error;
  EXPECT_EQ(testing::read_file(path("out/app.env")), "previous\n");
}

TEST_F(ApplierTest, ATemplateThatDoesNotRenderWritesNothingAndRunsNothing) {
  fs::create_directory(path("out"));
  testing::write_file(path("out/app.env"), "previous\n");
  testing::write_file(path("app.tmpl"), "DATA={{data_region}}\nX={{ datacenter }}\n");
  Applier applier(options());
  ApplyOutcome out = applier.apply(assignment(2, "us-east-1"));
  EXPECT_FALSE(out.ok);
  EXPECT_FALSE(out.changed);
  EXPECT_FALSE(out.restored);
  EXPECT_EQ(out.error.rfind("cannot render the template: " + path("app.tmpl") +
                                ":2: unknown variable 'datacenter'",
                            0),
            0u)
      << out.error;
  EXPECT_NE(out.error.find("; " + path("out/app.env") + " was left unchanged"), std::string::npos)
      << out.error;
  EXPECT_EQ(testing::read_file(path("out/app.env")), "previous\n");
  EXPECT_EQ(reload_log(), "");
  EXPECT_EQ(std::distance(fs::directory_iterator(path("out")), fs::directory_iterator()), 1);
}

TEST_F(ApplierTest, AMissingTemplateOrDirectoryIsAClearError) {
  ApplierOptions o = options();
  o.template_path = path("missing.tmpl");
  ApplyOutcome out = Applier(o).apply(assignment(1, "eu-west-1"));
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.error, "template " + path("missing.tmpl") + " does not exist; " +
                           path("out/app.env") + " was left unchanged");

  // The output's directory does not exist (no "out" here).
  out = Applier(options()).apply(assignment(1, "eu-west-1"));
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.error, "cannot write " + path("out/app.env") + ": directory " + path("out") +
                           " does not exist");
  EXPECT_EQ(reload_log(), "");
}

TEST_F(ApplierTest, WithoutATemplateAnAssignmentIsAppliedAsItIs) {
  ApplierOptions o;
  ApplyOutcome out = Applier(o).apply(assignment(1, "eu-west-1"));
  EXPECT_TRUE(out.ok);
  EXPECT_FALSE(out.changed);
}

TEST_F(ApplierTest, TheAppliedAssignmentIsKeptForARestart) {
  fs::create_directory(path("out"));
  Applier applier(options());
  EXPECT_EQ(applier.state_path(), path("out/.app.env.drpilot-applied.json"));
  std::string why;
  EXPECT_FALSE(applier.load_applied("ams", why));
  EXPECT_EQ(why, "") << "nothing kept is not a problem";

  ASSERT_TRUE(applier.apply(assignment(3, "eu-west-1")).ok);
  auto kept = applier.load_applied("ams", why);
  ASSERT_TRUE(kept) << why;
  EXPECT_EQ(kept->generation, 3u);
  EXPECT_EQ(kept->groups.at("shop").data_region, "eu-west-1");

  // A failed apply keeps what the application still runs with.
  Applier failing(options("exit 1"));
  ASSERT_FALSE(failing.apply(assignment(4, "us-east-1")).ok);
  kept = applier.load_applied("ams", why);
  ASSERT_TRUE(kept) << why;
  EXPECT_EQ(kept->generation, 3u);

  // An unchanged rendering is kept too: it is what runs.
  ASSERT_TRUE(applier.apply(assignment(5, "eu-west-1")).ok);
  kept = applier.load_applied("ams", why);
  ASSERT_TRUE(kept) << why;
  EXPECT_EQ(kept->generation, 5u);

  EXPECT_FALSE(applier.load_applied("nyc", why));
  EXPECT_EQ(why, applier.state_path() + " holds an assignment for site ams, not nyc");
}

TEST_F(ApplierTest, AKeptAssignmentIsNotTrustedWhenTheFileChanged) {
  fs::create_directory(path("out"));
  Applier applier(options());
  ASSERT_TRUE(applier.apply(assignment(3, "eu-west-1")).ok);
  testing::write_file(path("out/app.env"), "DATA=us-east-1\nROLE=read-write\n");  // by hand
  std::string why;
  EXPECT_FALSE(applier.load_applied("ams", why));
  EXPECT_EQ(why, path("out/app.env") +
                     " no longer holds what generation 3 renders (the file or the template "
                     "changed)");
  // Garbage where the assignment was kept.
  testing::write_file(applier.state_path(), "{\"generation\": ");
  EXPECT_FALSE(applier.load_applied("ams", why));
  EXPECT_EQ(why,
            applier.state_path() + " is not a valid assignment: the assignment is not valid JSON");
}

}  // namespace
}  // namespace drpilot::agent
