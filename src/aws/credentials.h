#pragma once
// AWS credentials as the SDKs find them: the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN and
// AWS_CREDENTIAL_EXPIRATION; credentials past their expiration are refused), else
// the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
// ~/.aws/credentials) and profile (AWS_PROFILE, default "default").
//
// As with the AWS CLI's --profile, a profile named in CredentialOptions
// takes precedence over keys in the environment. The file is the SDKs' INI
// format: [name] sections (not [profile name], which belongs in
// ~/.aws/config), "key = value" lines with aws_access_key_id,
// aws_secret_access_key and aws_session_token, comments starting with '#' or
// ';'. Roles, SSO and credential_process are not followed.

#include <optional>
#include <string>

namespace drpilot::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  // Where they came from, for messages: "environment variables
  // AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", "profile shop in
  // /root/.aws/credentials". Never the secret itself.
  std::string source;
};

struct CredentialOptions {
  std::string profile;           // empty: AWS_PROFILE, else "default"
  std::string credentials_file;  // empty: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials
};

// The credentials, or nothing with `error` naming the variable or file that
// is missing, unreadable or incomplete.
std::optional<Credentials> load_credentials(const CredentialOptions& options, std::string& error);

}  // namespace drpilot::aws
