#pragma once
// Linode DNS (API v4 Domains): publishes the plan's A/AAAA answers as records
// of one Linode domain, one Linode record per address.
//
// The domain is cfg.domain_id, or found by name (cfg.domain) once and
// remembered. The records are cfg.records (by name, optional type, optional
// Linode record id), or every plan record inside the domain when that list is
// empty. Changes are minimal: matching records are kept, mismatched records
// of the same name and type are reused with PUT before any POST, and surplus
// records are deleted last, so an answer is never empty half-way through.

#include <memory>
#include <string>

#include "config/config.h"
#include "providers/provider.h"

namespace drpilot::providers {

// Linode's API serves this; cfg.endpoint overrides it (a fake, a proxy).
inline constexpr const char* kLinodeEndpoint = "https://api.linode.com/v4";

std::unique_ptr<Provider> make_linode_dns(const config::ProviderConfig& cfg, std::string token);

// The ttl_sec Linode stores for a wish of `seconds`: the next value up in its
// fixed list (30, 120, 300, 3600, ... 2419200), and the largest one above it.
// Linode would round the same way on write; asking for the rounded value
// directly means the record read back equals what was asked for, so verify
// compares like with like instead of seeing a difference that never goes away.
// Values of 30 s and below become 30: ttl_sec 0 would mean "the domain's
// default" (hours), never what a failover record wants.
int linode_ttl(int seconds);

}  // namespace drpilot::providers
