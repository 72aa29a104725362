#pragma once
// AWS credentials as the SDKs find them in the environment and the shared
// credentials file. The environment: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN and
// AWS_CREDENTIAL_EXPIRATION (credentials past their expiration are refused).
// The shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
// ~/.aws/credentials) and profile (AWS_PROFILE, default "default"). The
// container credentials endpoint, the last link of the chain, is read by
// CredentialProvider (credential_provider.h), which also keeps them fresh.
//
// As with the AWS CLI's --profile, a profile named in CredentialOptions
// takes precedence over keys in the environment. The file is the SDKs' INI
// format: [name] sections (not [profile name], which belongs in
// ~/.aws/config), "key = value" lines with aws_access_key_id,
// aws_secret_access_key and aws_session_token, comments starting with '#' or
// ';'. Roles, SSO and credential_process are not followed.

#include <optional>
#include <string>

#include "core/time.h"

namespace drpilot::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  // Where they came from, for messages: "environment variables
  // AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", "profile shop in
  // /root/.aws/credentials". Never the secret itself.
  std::string source;
  // When temporary credentials stop working (AWS_CREDENTIAL_EXPIRATION, the
  // container endpoint's Expiration); none for long-term keys.
  std::optional<core::TimePoint> expiration;
};

struct CredentialOptions {
  std::string profile;           // empty: AWS_PROFILE, else "default"
  std::string credentials_file;  // empty: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials
  bool operator==(const CredentialOptions&) const = default;
};

// The environment's credentials, else the shared file's, as of `now`.
// Nothing with `error` empty when neither holds any and none were asked for
// by name (no keys in the environment; no file, or no [default] profile in
// it, with no profile named): the chain goes on to the container endpoint.
// Otherwise nothing with `error` naming the variable or file that is
// missing, unreadable, incomplete or expired.
std::optional<Credentials> find_local_credentials(const CredentialOptions& options,
                                                  core::TimePoint now, std::string& error);

}  // namespace drpilot::aws
