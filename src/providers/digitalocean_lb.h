#pragma once
// DigitalOcean Load Balancer membership: the droplets behind one load
// balancer follow the answer of one drpilot record. Each configured site
// stands for its droplets (`members`); the droplets of the sites in the
// record's answer (its A record, else its AAAA record) belong on the load
// balancer, the droplets of the other configured sites do not.
//
// Droplets attached to the load balancer that belong to no configured site
// are someone else's and are left alone.
//
// Changes are made only with the droplet endpoints (POST and DELETE
// /v2/load_balancers/{id}/droplets), additions before removals so the load
// balancer never runs empty in between. Never with PUT on the load balancer:
// that replaces the whole load balancer and resets every field it does not
// name. A load balancer that picks its droplets by tag cannot take droplet
// ids; that is a permanent failure until it is switched to droplet ids.

#include <memory>
#include <string>

#include "config/config.h"
#include "providers/provider.h"

namespace drpilot::providers {

// kind() "digitalocean_lb". The endpoint defaults to
// https://api.digitalocean.com/v2; `token` is the API token itself.
std::unique_ptr<Provider> make_digitalocean_lb(const config::ProviderConfig& cfg,
                                               std::string token);

}  // namespace drpilot::providers
