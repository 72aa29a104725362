#include "aws/credential_source.h"

namespace drpilot::aws {
namespace {

class Fixed final : public CredentialSource {
 public:
  explicit Fixed(Credentials c) : credentials_(std::make_shared<const Credentials>(std::move(c))) {}
  std::shared_ptr<const Credentials> current(std::string&) override { return credentials_; }

 private:
  std::shared_ptr<const Credentials> credentials_;
};

}  // namespace

std::shared_ptr<CredentialSource> fixed_credentials(Credentials c) {
  return std::make_shared<Fixed>(std::move(c));
}

}  // namespace drpilot::aws
