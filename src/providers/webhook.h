#pragma once
// A webhook: every new generation is POSTed once, as JSON, to a URL of the
// operator's own tooling. The body is signed so the receiver can trust it:
//
//   X-Drpilot-Timestamp: <Unix seconds>
//   X-Drpilot-Signature: sha256=<hex HMAC-SHA256(key, timestamp + "." + body)>
//   X-Drpilot-Generation: <generation>
//   X-Drpilot-Term: <the leader's term>  (in a cluster; the body has "term"
//                                          and "leader" too)
//
// A receiver should check the signature, refuse timestamps more than a few
// minutes old (replays), and ignore a generation it has already seen: a
// delivery whose reply was lost is sent again.
//
// There is no world to read back: diff() reports the delivery as pending
// until a 2xx reply was received for this generation or a newer one.

#include <memory>
#include <optional>

#include "config/config.h"
#include "providers/provider.h"

namespace drpilot::providers {

std::unique_ptr<Provider> make_webhook(const config::ProviderConfig& cfg, std::string key,
                                       const core::Clock& clock);

// The signature header's value for `body` sent at `timestamp` (Unix seconds).
std::string webhook_signature(const std::string& key, const std::string& timestamp,
                              const std::string& body);

// The JSON body for `target`; `previous` (the last delivered target, if
// known) lets the body list what changed.
std::string webhook_body(const Target& target, const Target* previous);

}  // namespace drpilot::providers
