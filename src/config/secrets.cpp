#include "config/secrets.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace drpilot::config {

std::string SecretSource::describe() const {
  if (!env.empty()) return "environment variable " + env;
  if (!file.empty()) return "file " + file;
  if (!value.empty()) return "the configuration";
  return "nowhere";
}

std::string_view to_string(ProviderKind k) {
  switch (k) {
    case ProviderKind::linode_dns:
      return "linode_dns";
    case ProviderKind::digitalocean_dns:
      return "digitalocean_dns";
    case ProviderKind::digitalocean_lb:
      return "digitalocean_lb";
    case ProviderKind::webhook:
      return "webhook";
  }
  return "unknown";
}

std::optional<std::string> resolve_secret(const SecretSource& source, std::string& error) {
  constexpr std::uintmax_t kMaxSecretFile = 64 * 1024;
  std::string value;
  if (!source.env.empty()) {
    const char* v = std::getenv(source.env.c_str());
    if (v == nullptr) {
      error = "environment variable " + source.env + " is not set";
      return std::nullopt;
    }
    value = v;
  } else if (!source.file.empty()) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_regular_file(source.file, ec)) {
      error = "secret file " + source.file + " is not a readable regular file";
      return std::nullopt;
    }
    if (fs::file_size(source.file, ec) > kMaxSecretFile) {
      error = "secret file " + source.file + " is larger than 64 KiB";
      return std::nullopt;
    }
    std::ifstream in(source.file, std::ios::binary);
    if (!in) {
      error = "cannot read secret file " + source.file + ": " + std::strerror(errno);
      return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    value = text.str();
    if (!value.empty() && value.back() == '\n') value.pop_back();
    if (!value.empty() && value.back() == '\r') value.pop_back();
  } else if (!source.value.empty()) {
    value = source.value;
  } else {
    error = "no secret is configured";
    return std::nullopt;
  }
  if (value.empty()) {
    error = source.describe() + " is empty";
    return std::nullopt;
  }
  if (value.size() < kMinSecretBytes) {
    // A short token is guessed; the API answers a wrong one as fast as a right one.
    error = source.describe() + " holds " + std::to_string(value.size()) +
            " bytes; a secret needs at least " + std::to_string(kMinSecretBytes) +
            " (make one with: openssl rand -hex 16)";
    return std::nullopt;
  }
  for (unsigned char c : value) {
    // It goes into an HTTP header: a control character there would end it.
    if (c < 0x20 || c == 0x7f) {
      error = source.describe() + " holds a control character";
      return std::nullopt;
    }
  }
  return value;
}

namespace {

// "" when only its owner can read `path`, else why not ("mode 0644").
std::string readable_by_others(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";  // resolve_secret reports what is wrong
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) == 0) return "";
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return std::string("mode ") + mode;
}

}  // namespace

std::vector<std::string> secret_warnings(const Config& config) {
  std::vector<std::string> out;
  bool inline_secret = false;
  auto check_file = [&](const std::string& what, const std::string& file) {
    if (std::string why = readable_by_others(file); !why.empty()) {
      out.push_back(what + ": " + file + " can be read by others (" + why + "); chmod 600 " + file);
    }
  };
  for (const NamedSecret& s : config.secrets()) {
    if (!s.source->file.empty()) check_file(s.what, s.source->file);
    if (!s.source->value.empty()) inline_secret = true;
  }
  if (!config.api_tls_key_file.empty()) check_file("the API's TLS key", config.api_tls_key_file);
  if (inline_secret && !config.path.empty()) {
    if (std::string why = readable_by_others(config.path); !why.empty()) {
      out.push_back("the configuration " + config.path +
                    " holds secrets itself and can be read by others (" + why +
                    "); use token_file or token_env, or chmod 600 " + config.path);
    }
  }
  return out;
}

std::vector<std::string> known_secret_values(const Config& config) {
  std::vector<std::string> values;
  for (const NamedSecret& s : config.secrets()) {
    std::string ignored;
    if (s.source->empty()) continue;
    if (auto v = resolve_secret(*s.source, ignored); v && !v->empty()) values.push_back(*v);
  }
  for (const char* aws : {"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
    if (const char* v = std::getenv(aws); v && *v) values.push_back(v);
  }
  return values;
}

}  // namespace drpilot::config
