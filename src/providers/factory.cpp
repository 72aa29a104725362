#include "providers/factory.h"

#include "config/secrets.h"
#include "providers/digitalocean_dns.h"
#include "providers/digitalocean_lb.h"
#include "providers/linode_dns.h"
#include "providers/webhook.h"

namespace drpilot::providers {

std::unique_ptr<Provider> make_provider(const config::ProviderConfig& cfg,
                                        const core::Clock& clock) {
  std::string err;
  std::optional<std::string> secret = config::resolve_secret(cfg.token, err);
  if (!secret) throw std::runtime_error("provider " + cfg.name + ": " + err);
  try {
    switch (cfg.kind) {
      case config::ProviderKind::linode_dns:
        return make_linode_dns(cfg, std::move(*secret));
      case config::ProviderKind::digitalocean_dns:
        return make_digitalocean_dns(cfg, std::move(*secret));
      case config::ProviderKind::digitalocean_lb:
        return make_digitalocean_lb(cfg, std::move(*secret));
      case config::ProviderKind::webhook:
        return make_webhook(cfg, std::move(*secret), clock);
    }
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error("provider " + cfg.name + ": " + e.what());
  }
  throw std::runtime_error("provider " + cfg.name + ": unknown type");
}

}  // namespace drpilot::providers
