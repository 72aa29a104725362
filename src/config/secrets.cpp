#include "config/secrets.h"

#include <cerrno>
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
  for (unsigned char c : value) {
    // It goes into an HTTP header: a control character there would end it.
    if (c < 0x20 || c == 0x7f) {
      error = source.describe() + " holds a control character";
      return std::nullopt;
    }
  }
  return value;
}

std::vector<std::string> known_secret_values(const Config& config) {
  std::vector<const SecretSource*> sources{&config.api_token};
  for (const ProviderConfig& p : config.providers) sources.push_back(&p.token);
  for (const AgentConfig& a : config.agents) sources.push_back(&a.key);
  std::vector<std::string> values;
  for (const SecretSource* s : sources) {
    std::string ignored;
    if (s->empty()) continue;
    if (auto v = resolve_secret(*s, ignored); v && !v->empty()) values.push_back(*v);
  }
  for (const char* aws : {"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
    if (const char* v = std::getenv(aws); v && *v) values.push_back(v);
  }
  return values;
}

}  // namespace drpilot::config
