#pragma once
// Where a signer gets its credentials: asked for them at signing time, so
// that refreshed credentials sign the very next request, and told what AWS
// made of them, so that a refusal is reported (and may hasten a refresh).

#include <memory>
#include <string>

#include "aws/credentials.h"

namespace drpilot::aws {

class CredentialSource {
 public:
  virtual ~CredentialSource() = default;

  // The credentials to sign with now; null, with `why`, when there are none
  // that are valid (never loaded, or expired and not refreshed).
  virtual std::shared_ptr<const Credentials> current(std::string& why) = 0;

  // AWS refused a request signed with `used` for its credentials: `code`
  // (ExpiredTokenException, ...) and `message` as AWS put them; `region`
  // and `about` ("DescribeTable orders") say where and what.
  virtual void refused(const Credentials& used, const std::string& region, const std::string& about,
                       const std::string& code, const std::string& message) {}
  // AWS accepted a request signed with `used` (whatever else it answered).
  virtual void accepted(const Credentials& used, const std::string& region,
                        const std::string& about) {}
};

// Credentials that never change: tests, and callers that have them at hand.
std::shared_ptr<CredentialSource> fixed_credentials(Credentials c);

}  // namespace drpilot::aws
