#pragma once
// A private directory per test for journal files, removed afterwards.

#include <gtest/gtest.h>

#include <string>

#include "support/process.h"

namespace drpilot::store {

class JournalFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("journal"); }
  void TearDown() override { testing::remove_tree(dir_); }
  std::string path(const std::string& name = "journal.db") const { return dir_ + "/" + name; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace drpilot::store
