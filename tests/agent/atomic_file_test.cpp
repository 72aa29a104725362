// Replacing a file atomically: the content lands whole, permissions and
// ownership are kept, a failure leaves the previous file and no temporary
// file, and a missing directory gives a clear error.

#include "agent/atomic_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "support/process.h"

namespace drpilot::agent {
namespace {

namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("atomic"); }
  void TearDown() override { testing::remove_tree(dir_); }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  // Every name in the directory: a leftover temporary file shows here.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  static mode_t mode_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }

  std::string dir_;
};

TEST_F(AtomicFile, WritesANewFileWithDefaultPermissions) {
  std::string error;
  ASSERT_TRUE(write_file_atomic(path("app.env"), "A=1\n", error)) << error;
  EXPECT_EQ(testing::read_file(path("app.env")), "A=1\n");
  EXPECT_EQ(mode_of(path("app.env")), 0644u);
  EXPECT_EQ(entries(), std::vector<std::string>{"app.env"});
}

TEST_F(AtomicFile, ReplacesContentAndKeepsPermissions) {
  testing::write_file(path("app.env"), "OLD=1\nlonger than the new content\n");
  ASSERT_EQ(chmod(path("app.env").c_str(), 0640), 0);
  std::string error;
  ASSERT_TRUE(write_file_atomic(path("app.env"), "NEW=1\n", error)) << error;
  EXPECT_EQ(testing::read_file(path("app.env")), "NEW=1\n");
  EXPECT_EQ(mode_of(path("app.env")), 0640u);
  EXPECT_EQ(entries(), std::vector<std::string>{"app.env"});
}

TEST_F(AtomicFile, ReplacesTheFileRatherThanRewritingIt) {
  // A reader holding the old file open keeps reading the old content whole:
  // the new content is a new inode, renamed over the name.
  testing::write_file(path("app.env"), "OLD\n");
  struct stat before {};
  ASSERT_EQ(stat(path("app.env").c_str(), &before), 0);
  std::string error;
  ASSERT_TRUE(write_file_atomic(path("app.env"), "NEW\n", error)) << error;
  struct stat after {};
  ASSERT_EQ(stat(path("app.env").c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);
}

TEST_F(AtomicFile, KeepsOwnerAndGroup) {
  if (geteuid() != 0) GTEST_SKIP() << "giving a file to another user needs root";
  testing::write_file(path("app.php"), "<?php\n");
  ASSERT_EQ(chown(path("app.php").c_str(), 4321, 8765), 0);
  ASSERT_EQ(chmod(path("app.php").c_str(), 0640), 0);
  std::string error;
  ASSERT_TRUE(write_file_atomic(path("app.php"), "<?php // new\n", error)) << error;
  struct stat st {};
  ASSERT_EQ(stat(path("app.php").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 4321u);
  EXPECT_EQ(st.st_gid, 8765u);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_F(AtomicFile, AMissingDirectoryIsAClearError) {
  std::string error;
  const std::string p = path("no/such/dir/app.env");
  EXPECT_FALSE(write_file_atomic(p, "A=1\n", error));
  EXPECT_EQ(error, "cannot write " + p + ": directory " + path("no/such/dir") + " does not exist");
}

TEST_F(AtomicFile, ADirectoryInThePlaceOfTheFileIsAClearError) {
  fs::create_directory(path("app.env"));
  std::string error;
  EXPECT_FALSE(write_file_atomic(path("app.env"), "A=1\n", error));
  EXPECT_EQ(error, "cannot write " + path("app.env") + ": it is a directory");
}

TEST_F(AtomicFile, AFailedWriteKeepsThePreviousFileAndLeavesNoTemporaryFile) {
  // A file-size limit makes write() fail half-way (as a full disk would),
  // for root too.
  testing::write_file(path("app.env"), "OLD=1\n");
  struct rlimit old {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto* previous_handler = signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 16;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string error;
  const bool ok = write_file_atomic(path("app.env"), std::string(4096, 'x'), error);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, previous_handler);
  EXPECT_FALSE(ok);
  EXPECT_NE(error.find("cannot write " + dir_ + "/.app.env.drpilot-"), std::string::npos) << error;
  EXPECT_NE(error.find("File too large"), std::string::npos) << error;
  EXPECT_EQ(testing::read_file(path("app.env")), "OLD=1\n");
  EXPECT_EQ(entries(), std::vector<std::string>{"app.env"});
}

TEST_F(AtomicFile, ReadStateOfMissingAndExistingFiles) {
  std::string error;
  auto missing = read_file_state(path("none"), error);
  ASSERT_TRUE(missing) << error;
  EXPECT_FALSE(missing->exists);
  testing::write_file(path("f"), std::string("a\0b", 3));
  auto present = read_file_state(path("f"), error);
  ASSERT_TRUE(present) << error;
  EXPECT_TRUE(present->exists);
  EXPECT_EQ(present->content, std::string("a\0b", 3));
  fs::create_directory(path("d"));
  EXPECT_FALSE(read_file_state(path("d"), error));
  EXPECT_EQ(error, "cannot read " + path("d") + ": not a regular file");
}

TEST_F(AtomicFile, RestoreRewritesOrRemoves) {
  std::string error;
  testing::write_file(path("f"), "OLD\n");
  auto state = read_file_state(path("f"), error);
  ASSERT_TRUE(state) << error;
  ASSERT_TRUE(write_file_atomic(path("f"), "NEW\n", error)) << error;
  ASSERT_TRUE(restore_file_state(path("f"), *state, error)) << error;
  EXPECT_EQ(testing::read_file(path("f")), "OLD\n");

  // It did not exist before: restoring removes it.
  auto none = read_file_state(path("g"), error);
  ASSERT_TRUE(none) << error;
  ASSERT_TRUE(write_file_atomic(path("g"), "NEW\n", error)) << error;
  ASSERT_TRUE(restore_file_state(path("g"), *none, error)) << error;
  EXPECT_FALSE(fs::exists(path("g")));
  EXPECT_EQ(entries(), std::vector<std::string>{"f"});
}

// A link planted where the output goes must not steer the write elsewhere,
// and renaming over a link would silently replace it: refused by default.
TEST_F(AtomicFile, ASymlinkedOutputIsRefusedAndNothingChanges) {
  testing::write_file(path("real.env"), "OLD=1\n");
  ASSERT_EQ(symlink(path("real.env").c_str(), path("app.env").c_str()), 0);
  std::string error;
  EXPECT_FALSE(write_file_atomic(path("app.env"), "NEW=1\n", error));
  EXPECT_NE(error.find("is a symbolic link (to " + path("real.env") + ")"), std::string::npos)
      << error;
  EXPECT_EQ(testing::read_file(path("real.env")), "OLD=1\n");
  EXPECT_TRUE(fs::is_symlink(path("app.env")));
  EXPECT_EQ(entries(), (std::vector<std::string>{"app.env", "real.env"}));
}

TEST_F(AtomicFile, WithFollowSymlinkTheFileItPointsToIsReplacedAndTheLinkKept) {
  testing::write_file(path("real.env"), "OLD=1\n");
  ASSERT_EQ(symlink("real.env", path("app.env").c_str()), 0);  // relative, as they usually are
  std::string error;
  ASSERT_TRUE(write_file_atomic(path("app.env"), "NEW=1\n", error, {.follow_symlink = true}))
      << error;
  EXPECT_EQ(testing::read_file(path("real.env")), "NEW=1\n");
  EXPECT_TRUE(fs::is_symlink(path("app.env")));
  EXPECT_EQ(entries(), (std::vector<std::string>{"app.env", "real.env"}));
}

TEST_F(AtomicFile, SetuidSetgidAndStickyBitsAreNeverCopied) {
  testing::write_file(path("app.env"), "OLD=1\n");
  ASSERT_EQ(chmod(path("app.env").c_str(), 06755 | S_ISVTX), 0);
  std::string error;
  ASSERT_TRUE(write_file_atomic(path("app.env"), "NEW=1\n", error)) << error;
  EXPECT_EQ(mode_of(path("app.env")), 0755u);
}

}  // namespace
}  // namespace drpilot::agent
