#pragma once
// An environment without AWS settings for one test: every variable the
// credential chain reads is unset (HOME points at a fresh directory), and
// the previous values come back afterwards.

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "support/process.h"

namespace drpilot::testing {

class AwsEnvironment {
 public:
  static constexpr const char* kVariables[] = {"AWS_ACCESS_KEY_ID",
                                               "AWS_SECRET_ACCESS_KEY",
                                               "AWS_SESSION_TOKEN",
                                               "AWS_CREDENTIAL_EXPIRATION",
                                               "AWS_PROFILE",
                                               "AWS_SHARED_CREDENTIALS_FILE",
                                               "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                               "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                               "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                               "HOME"};

  AwsEnvironment() : home_(make_temp_dir("aws-home")) {
    for (const char* name : kVariables) {
      if (const char* v = std::getenv(name)) saved_[name] = v;
      ::unsetenv(name);
    }
    set("HOME", home_);
  }
  ~AwsEnvironment() {
    for (const char* name : kVariables) {
      auto it = saved_.find(name);
      if (it == saved_.end()) {
        ::unsetenv(name);
      } else {
        ::setenv(name, it->second.c_str(), 1);
      }
    }
    remove_tree(home_);
  }
  AwsEnvironment(const AwsEnvironment&) = delete;
  AwsEnvironment& operator=(const AwsEnvironment&) = delete;

  static void set(const char* name, const std::string& value) { ::setenv(name, value.c_str(), 1); }
  static void unset(const char* name) { ::unsetenv(name); }
  const std::string& home() const { return home_; }
  // Writes ~/.aws/credentials; returns its path.
  std::string credentials_file(const std::string& content) const {
    std::filesystem::create_directories(home_ + "/.aws");
    const std::string path = home_ + "/.aws/credentials";
    write_file(path, content);
    return path;
  }

 private:
  std::string home_;
  std::map<std::string, std::string> saved_;
};

}  // namespace drpilot::testing
