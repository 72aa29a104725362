#pragma once
// Reading secrets (API tokens, webhook keys) from where the configuration
// says they are. Kept apart from the loader so that a configuration can be
// checked on a machine that does not hold the secrets, and so that the value
// never becomes part of the Config that status and logs describe.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace drpilot::config {

// Shorter secrets are refused: a token is only as good as it is hard to guess.
inline constexpr std::size_t kMinSecretBytes = 16;

// The secret's value, or nothing with `error` saying what is wrong and where
// to fix it ("environment variable LINODE_TOKEN is not set"). A secret file
// must be a regular file of at most 64 KiB; one trailing newline is dropped.
// A value shorter than kMinSecretBytes, or holding a control character, is refused.
std::optional<std::string> resolve_secret(const SecretSource& source, std::string& error);

// What an operator should fix about how secrets are kept: a secret file or
// the API's TLS key that others can read, a configuration holding secrets
// itself that others can read. Empty when all is well; never fatal.
std::vector<std::string> secret_warnings(const Config& config);

// Every secret the configuration names that can be read here (API token,
// provider tokens, agent keys) and the AWS secrets in the environment: what
// hook and reload output is scrubbed of before anyone sees it.
std::vector<std::string> known_secret_values(const Config& config);

}  // namespace drpilot::config
