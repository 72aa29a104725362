#pragma once
// From a provider's configuration to the provider itself, its secret read from
// where the configuration says (config/secrets.h).

#include <memory>
#include <stdexcept>

#include "config/config.h"
#include "providers/provider.h"

namespace drpilot::providers {

// Throws std::runtime_error naming the provider when its secret cannot be
// read or its configuration cannot be used.
std::unique_ptr<Provider> make_provider(const config::ProviderConfig& cfg,
                                        const core::Clock& clock);

}  // namespace drpilot::providers
