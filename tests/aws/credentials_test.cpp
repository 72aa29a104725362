// Where credentials come from, and that every way of missing them names the
// variable or file to fix.

#include "aws/credentials.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "aws/aws_environment.h"

namespace drpilot::aws {
namespace {

using testing::write_file;

// Each test starts from an environment without AWS settings and a HOME of
// its own; the previous values come back afterwards.
class CredentialLoading : public ::testing::Test {
 protected:
  static void set(const char* name, const std::string& value) {
    testing::AwsEnvironment::set(name, value);
  }
  std::string home_file(const std::string& content) { return env_.credentials_file(content); }
  std::optional<Credentials> load(const CredentialOptions& o = {}) {
    const core::SystemClock clock;
    return find_local_credentials(o, clock.now(), error_);
  }

  testing::AwsEnvironment env_;
  const std::string& home_ = env_.home();
  std::string error_;
};

TEST_F(CredentialLoading, FromTheEnvironment) {
  set("AWS_ACCESS_KEY_ID", "AKIDENV");
  set("AWS_SECRET_ACCESS_KEY", "secretenv");
  auto c = load();
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->secret_access_key, "secretenv");
  EXPECT_EQ(c->session_token, "");
  EXPECT_EQ(c->source, "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");

  set("AWS_SESSION_TOKEN", "tokenenv");
  c = load();
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->session_token, "tokenenv");
  EXPECT_NE(c->source.find("AWS_SESSION_TOKEN"), std::string::npos);
  EXPECT_EQ(c->source.find("tokenenv"), std::string::npos);  // never the secret itself
}

TEST_F(CredentialLoading, HalfOfThePairInTheEnvironmentNamesTheOtherVariable) {
  set("AWS_ACCESS_KEY_ID", "AKIDENV");
  EXPECT_FALSE(load());
  EXPECT_EQ(error_, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  set("AWS_SECRET_ACCESS_KEY", "secretenv");
  EXPECT_FALSE(load());
  EXPECT_EQ(error_, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
}

// Nothing to find is no error: the chain goes on to the container endpoint
// (the provider names every place when that is not set either).
TEST_F(CredentialLoading, NoneInTheEnvironmentOrTheFileIsNoError) {
  EXPECT_FALSE(load());
  EXPECT_EQ(error_, "");
  home_file("[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = x\n");
  EXPECT_FALSE(load());
  EXPECT_EQ(error_, "");
  // Asked for by name, a missing profile is an error.
  CredentialOptions o;
  o.profile = "default";
  EXPECT_FALSE(load(o));
  EXPECT_NE(error_.find("profile default not found"), std::string::npos) << error_;
}

TEST_F(CredentialLoading, TheExpirationIsKept) {
  set("AWS_ACCESS_KEY_ID", "AKIDENV");
  set("AWS_SECRET_ACCESS_KEY", "secretenv");
  set("AWS_SESSION_TOKEN", "tokenenv");
  set("AWS_CREDENTIAL_EXPIRATION", "2999-01-31T12:00:00Z");
  auto c = load();
  ASSERT_TRUE(c) << error_;
  ASSERT_TRUE(c->expiration);
  EXPECT_EQ(core::format_time(*c->expiration), "2999-01-31T12:00:00.000Z");
  // Judged against the time given, not the system's.
  EXPECT_FALSE(find_local_credentials({}, *c->expiration, error_));
  EXPECT_NE(error_.find("expired at 2999-01-31T12:00:00Z"), std::string::npos) << error_;
  ::unsetenv("AWS_CREDENTIAL_EXPIRATION");
  EXPECT_FALSE(load()->expiration);
}

TEST_F(CredentialLoading, ExpiredEnvironmentCredentialsNameTheVariable) {
  set("AWS_ACCESS_KEY_ID", "AKIDENV");
  set("AWS_SECRET_ACCESS_KEY", "secretenv");
  set("AWS_SESSION_TOKEN", "tokenenv");
  set("AWS_CREDENTIAL_EXPIRATION", "2020-01-31T12:00:00Z");
  EXPECT_FALSE(load());
  EXPECT_NE(error_.find("expired at 2020-01-31T12:00:00Z (AWS_CREDENTIAL_EXPIRATION)"),
            std::string::npos)
      << error_;
  EXPECT_NE(error_.find("AWS_SESSION_TOKEN"), std::string::npos) << error_;

  set("AWS_CREDENTIAL_EXPIRATION", "2020-01-31T14:00:00.123+02:00");
  EXPECT_FALSE(load());

  set("AWS_CREDENTIAL_EXPIRATION", "2999-01-31T12:00:00Z");
  EXPECT_TRUE(load()) << error_;
  set("AWS_CREDENTIAL_EXPIRATION", "2999-01-31T12:00:00.5-05:30");
  EXPECT_TRUE(load()) << error_;

  for (const char* bad : {"tomorrow", "2999-01-31", "2999-01-31T12:00:00", "2999-13-01T00:00:00Z",
                          "2999-01-31T12:00:00Zjunk"}) {
    set("AWS_CREDENTIAL_EXPIRATION", bad);
    EXPECT_FALSE(load()) << bad;
    EXPECT_NE(error_.find("AWS_CREDENTIAL_EXPIRATION is '"), std::string::npos) << error_;
  }
}

TEST_F(CredentialLoading, TheDefaultProfileOfTheSharedFile) {
  const std::string path = home_file(
      "# comment\n; another\n[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = "
      "x\n\n[default]\naws_access_key_id=AKIDFILE   \nAWS_SECRET_ACCESS_KEY = secretfile # "
      "note\naws_session_token = tok#en\n");
  auto c = load();
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->access_key_id, "AKIDFILE");
  EXPECT_EQ(c->secret_access_key, "secretfile");
  EXPECT_EQ(c->session_token, "tok#en");
  EXPECT_EQ(c->source, "profile default in " + path);
}

TEST_F(CredentialLoading, ANamedProfileWinsOverTheEnvironment) {
  home_file("[shop]\naws_access_key_id = AKIDSHOP\naws_secret_access_key = secretshop\n");
  set("AWS_ACCESS_KEY_ID", "AKIDENV");
  set("AWS_SECRET_ACCESS_KEY", "secretenv");
  EXPECT_EQ(load()->access_key_id, "AKIDENV");
  CredentialOptions o;
  o.profile = "shop";
  auto c = load(o);
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->access_key_id, "AKIDSHOP");
}

TEST_F(CredentialLoading, AwsProfileAndAMissingProfileAreNamed) {
  const std::string path =
      home_file("[profile shop]\naws_access_key_id = AKIDSHOP\naws_secret_access_key = s\n");
  set("AWS_PROFILE", "shop");
  EXPECT_FALSE(load());
  EXPECT_NE(error_.find("profile shop not found in " + path), std::string::npos) << error_;
  EXPECT_NE(error_.find("[profile shop]"), std::string::npos) << error_;
  EXPECT_NE(error_.find("(AWS_PROFILE)"), std::string::npos) << error_;
}

TEST_F(CredentialLoading, AnIncompleteProfileSaysWhatIsMissing) {
  const std::string path = home_file(
      "[a]\naws_access_key_id = AKIDA\n[b]\naws_secret_access_key = s\n[c]\nrole_arn = "
      "arn:aws:iam::1:role/x\nsource_profile = a\n");
  CredentialOptions o;
  o.profile = "a";
  EXPECT_FALSE(load(o));
  EXPECT_EQ(error_, "profile a in " + path + " has aws_access_key_id but no aws_secret_access_key");
  o.profile = "b";
  EXPECT_FALSE(load(o));
  EXPECT_EQ(error_, "profile b in " + path + " has aws_secret_access_key but no aws_access_key_id");
  o.profile = "c";
  EXPECT_FALSE(load(o));
  EXPECT_NE(error_.find("uses role_arn"), std::string::npos) << error_;
}

TEST_F(CredentialLoading, AMalformedFileIsRefusedWithItsLine) {
  const std::string path = home_file("[default]\naws_access_key_id = A\nthis is not ini\n");
  EXPECT_FALSE(load());
  EXPECT_EQ(error_, path + ":3: expected 'key = value' or '[profile]'");
  home_file("aws_access_key_id = A\n");
  EXPECT_FALSE(load());
  EXPECT_NE(error_.find(":1: 'aws_access_key_id' is outside any [profile] section"),
            std::string::npos)
      << error_;
}

TEST_F(CredentialLoading, ANamedFileThatCannotBeReadIsNamed) {
  const std::string missing = home_ + "/nowhere/credentials";
  CredentialOptions o;
  o.credentials_file = missing;
  EXPECT_FALSE(load(o));
  EXPECT_EQ(error_, "cannot read " + missing + ": No such file or directory");

  set("AWS_SHARED_CREDENTIALS_FILE", missing);
  EXPECT_FALSE(load());
  EXPECT_EQ(error_,
            "cannot read " + missing + " (AWS_SHARED_CREDENTIALS_FILE): No such file or directory");

  const std::string other = home_ + "/creds";
  write_file(other, "[default]\naws_access_key_id = AKIDVAR\naws_secret_access_key = s\n");
  set("AWS_SHARED_CREDENTIALS_FILE", other);
  auto c = load();
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->access_key_id, "AKIDVAR");
}

}  // namespace
}  // namespace drpilot::aws
