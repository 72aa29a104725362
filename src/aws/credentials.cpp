#include "aws/credentials.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

namespace drpilot::aws {
namespace {

constexpr const char* kNoCredentials =
    "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or create "
    "~/.aws/credentials";

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

bool digits(const std::string& s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// ISO 8601 as the SDKs write AWS_CREDENTIAL_EXPIRATION:
// "2026-01-31T12:00:00Z", with optional fractional seconds and a "+01:00"
// style offset instead of Z. Seconds since the epoch, or nothing.
std::optional<std::int64_t> parse_iso8601(const std::string& s) {
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return std::nullopt;
  }
  int offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int sign = s[i] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    if (!digits(s, i + 1, 2, oh)) return std::nullopt;
    i += 3;
    if (i < s.size() && s[i] == ':') ++i;
    if (!digits(s, i, 2, om) || oh > 23 || om > 59) return std::nullopt;
    i += 2;
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;  // a time without a zone is ambiguous
  }
  if (i != s.size()) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<std::int64_t>(timegm(&tm)) - offset;
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

std::optional<Credentials> from_environment(std::string& error) {
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
    const std::optional<std::int64_t> at = parse_iso8601(expiry);
    if (!at) {
      error =
          "AWS_CREDENTIAL_EXPIRATION is '" + expiry + "', not a time such as 2026-01-31T12:00:00Z";
      return std::nullopt;
    }
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    if (*at <= now) {
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

std::optional<Credentials> load_credentials(const CredentialOptions& options, std::string& error) {
  error.clear();
  const bool explicit_profile = !options.profile.empty();
  if (!explicit_profile) {
    auto c = from_environment(error);
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
    if (home.empty()) {
      error = kNoCredentials;
      return std::nullopt;
    }
    path = home + "/.aws/credentials";
  }
  path = expand_home(path);

  std::ifstream in(path);
  if (!in) {
    const int err = errno;
    if (err == ENOENT && !named_file) {
      error = named_profile
                  ? "profile " + profile + profile_from + " not found: " + path + " does not exist"
                  : kNoCredentials;
    } else {
      error = "cannot read " + path + path_from + ": " + std::strerror(err);
    }
    return std::nullopt;
  }
  Sections sections;
  if (!parse_ini(path, in, sections, error)) return std::nullopt;
  auto c = from_profile(path, profile, sections, error);
  if (!c && !profile_from.empty()) error += profile_from;
  return c;
}

}  // namespace drpilot::aws
