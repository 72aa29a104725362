#include "aws/credentials.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>

#include "aws/iso8601.h"

namespace drpilot::aws {
namespace {

// An unset and an empty variable mean the same, as in the SDKs.
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string home_dir() {
  std::string home = env("HOME");
  if (!home.empty()) return home;
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir) return pw->pw_dir;
  return "";
}

std::string expand_home(const std::string& path) {
  if (path == "~" || path.rfind("~/", 0) == 0) return home_dir() + path.substr(1);
  return path;
}

std::string trim(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const std::size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Keys and tokens never contain whitespace, so " # ..." after a value is a
// comment (the Java and Go SDKs read it so; a '#' inside a value is kept).
std::string strip_inline_comment(const std::string& value) {
  for (std::size_t i = 1; i < value.size(); ++i) {
    if ((value[i] == '#' || value[i] == ';') && (value[i - 1] == ' ' || value[i - 1] == '\t')) {
      return trim(value.substr(0, i));
    }
  }
  return value;
}

using Sections = std::map<std::string, std::map<std::string, std::string>>;

// The whole file, so that a syntax error anywhere is reported with its line,
// as the SDKs refuse such a file too.
bool parse_ini(const std::string& path, std::istream& in, Sections& out, std::string& error) {
  std::string line;
  std::string section;
  bool in_section = false;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t[0] == '[') {
      const std::size_t close = t.find(']');
      if (close == std::string::npos || trim(t.substr(1, close - 1)).empty()) {
        error = path + ":" + std::to_string(n) + ": malformed section header '" + t + "'";
        return false;
      }
      section = trim(t.substr(1, close - 1));
      in_section = true;
      out[section];
      continue;
    }
    // An indented line continues the previous value (nested settings of the
    // config file); nothing drpilot reads is nested.
    if (line[0] == ' ' || line[0] == '\t') continue;
    const std::size_t eq = t.find('=');
    if (eq == std::string::npos) {
      error = path + ":" + std::to_string(n) + ": expected 'key = value' or '[profile]'";
      return false;
    }
    if (!in_section) {
      error = path + ":" + std::to_string(n) + ": '" + trim(t.substr(0, eq)) +
              "' is outside any [profile] section";
      return false;
    }
    out[section][lower(trim(t.substr(0, eq)))] = strip_inline_comment(trim(t.substr(eq + 1)));
  }
  return true;
}

std::optional<Credentials> from_environment(core::TimePoint now, std::string& error) {
  const std::string id = env("AWS_ACCESS_KEY_ID");
  const std::string secret = env("AWS_SECRET_ACCESS_KEY");
  if (id.empty() && secret.empty()) return std::nullopt;
  if (secret.empty()) {
    error = "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not";
    return std::nullopt;
  }
  if (id.empty()) {
    error = "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not";
    return std::nullopt;
  }
  Credentials c;
  c.access_key_id = id;
  c.secret_access_key = secret;
  c.session_token = env("AWS_SESSION_TOKEN");
  c.source = "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY";
  if (!c.session_token.empty()) c.source += "/AWS_SESSION_TOKEN";
  // Temporary credentials exported by a tool (aws configure export-credentials,
  // aws-vault) carry their end: refusing them here says what to refresh,
  // where AWS would only answer ExpiredTokenException.
  if (const std::string expiry = env("AWS_CREDENTIAL_EXPIRATION"); !expiry.empty()) {
    c.expiration = parse_iso8601(expiry);
    if (!c.expiration) {
      error =
          "AWS_CREDENTIAL_EXPIRATION is '" + expiry + "', not a time such as 2026-01-31T12:00:00Z";
      return std::nullopt;
    }
    if (*c.expiration <= now) {
      error = "the credentials in " +
              c.source.substr(std::string("environment variables ").size()) + " expired at " +
              expiry + " (AWS_CREDENTIAL_EXPIRATION): refresh them";
      return std::nullopt;
    }
  }
  return c;
}

std::optional<Credentials> from_profile(const std::string& path, const std::string& profile,
                                        const Sections& sections, std::string& error) {
  const auto it = sections.find(profile);
  if (it == sections.end()) {
    error = "profile " + profile + " not found in " + path;
    if (sections.count("profile " + profile)) {
      error += " (it has a section [profile " + profile + "]; in the credentials file it is [" +
               profile + "])";
    }
    return std::nullopt;
  }
  const auto& keys = it->second;
  auto get = [&keys](const char* k) {
    auto v = keys.find(k);
    return v == keys.end() ? std::string() : v->second;
  };
  const std::string where = "profile " + profile + " in " + path;
  Credentials c;
  c.access_key_id = get("aws_access_key_id");
  c.secret_access_key = get("aws_secret_access_key");
  c.session_token = get("aws_session_token");
  c.source = where;
  if (c.access_key_id.empty() && c.secret_access_key.empty()) {
    error = where + " has no aws_access_key_id and aws_secret_access_key";
    for (const char* k : {"role_arn", "sso_start_url", "sso_session", "credential_process"}) {
      if (keys.count(k)) {
        error += std::string(" (it uses ") + k +
                 ", which drpilot does not follow: give it keys, or export them in "
                 "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN)";
        break;
      }
    }
    return std::nullopt;
  }
  if (c.secret_access_key.empty()) {
    error = where + " has aws_access_key_id but no aws_secret_access_key";
    return std::nullopt;
  }
  if (c.access_key_id.empty()) {
    error = where + " has aws_secret_access_key but no aws_access_key_id";
    return std::nullopt;
  }
  return c;
}

}  // namespace

std::optional<Credentials> find_local_credentials(const CredentialOptions& options,
                                                  core::TimePoint now, std::string& error) {
  error.clear();
  const bool explicit_profile = !options.profile.empty();
  if (!explicit_profile) {
    auto c = from_environment(now, error);
    if (c || !error.empty()) return c;
  }

  std::string profile = options.profile;
  std::string profile_from;  // for messages: which setting chose it
  if (profile.empty()) {
    profile = env("AWS_PROFILE");
    if (!profile.empty()) profile_from = " (AWS_PROFILE)";
  }
  const bool named_profile = !profile.empty();
  if (profile.empty()) profile = "default";

  std::string path = options.credentials_file;
  std::string path_from;
  if (path.empty()) {
    path = env("AWS_SHARED_CREDENTIALS_FILE");
    if (!path.empty()) path_from = " (AWS_SHARED_CREDENTIALS_FILE)";
  }
  const bool named_file = !path.empty();
  if (path.empty()) {
    const std::string home = home_dir();
    if (home.empty()) return std::nullopt;
    path = home + "/.aws/credentials";
  }
  path = expand_home(path);

  std::ifstream in(path);
  if (!in) {
    const int err = errno;
    if (err == ENOENT && !named_file) {
      if (named_profile) {
        error = "profile " + profile + profile_from + " not found: " + path + " does not exist";
      }
      return std::nullopt;
    }
    error = "cannot read " + path + path_from + ": " + std::strerror(err);
    return std::nullopt;
  }
  Sections sections;
  if (!parse_ini(path, in, sections, error)) return std::nullopt;
  // A file without a [default] profile is no answer when none was asked for,
  // as in the SDKs: a container's task role may still provide credentials.
  if (!named_profile && !sections.count(profile)) return std::nullopt;
  auto c = from_profile(path, profile, sections, error);
  if (!c && !profile_from.empty()) error += profile_from;
  return c;
}

}  // namespace drpilot::aws
