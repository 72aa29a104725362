#pragma once
// DigitalOcean DNS (API v2 domain records): publishes drpilot's records as A
// and AAAA records of one DigitalOcean domain, one DigitalOcean record per
// address of the answer, each with the record's TTL.
//
// Which records: the configured `records` (a name with a type, or a name
// alone for every type of that name in the plan), or, when none are listed,
// every record of the plan inside `domain`. Records of other names and types
// in the domain are never touched.
//
// Minimal change: matching records are kept; a record whose address or TTL is
// wrong is updated in place (PUT), so a failover is a single update; only
// then are missing addresses created (POST) and surplus records deleted, so a
// name never goes without an answer in between.

#include <memory>
#include <string>

#include "config/config.h"
#include "providers/provider.h"

namespace drpilot::providers {

// kind() "digitalocean_dns". The endpoint defaults to
// https://api.digitalocean.com/v2; `token` is the API token itself.
std::unique_ptr<Provider> make_digitalocean_dns(const config::ProviderConfig& cfg,
                                                std::string token);

}  // namespace drpilot::providers
