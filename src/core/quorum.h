#pragma once
// Corroboration across vantages: a target is down only when a majority of the
// vantages that are currently reporting see it down. A vantage that stopped
// reporting does not vote, nor does one whose last check was inconclusive
// (it could not look: AWS refused its credentials); when none is left to
// vote the target is unknown, and the reason says why they could not look.

#include <string>
#include <vector>

#include "core/model.h"

namespace drpilot::core {

struct QuorumResult {
  Health state = Health::unknown;
  std::string reason;  // one sentence, without a trailing period
};

// `kind` qualifies the vantages counted in the reason ("2 of 3 external
// vantages see it down"); empty: plain "vantages".
QuorumResult quorum(const std::vector<Vote>& votes, const std::string& kind = "");

// The controller is the one cut off when its own vantage sees every site down
// while at least one other fresh vantage sees some site up. Then it must
// change nothing and alert ("unreachable is not dead").
struct SiteView {
  std::string site;
  Health self_state = Health::unknown;  // from the controller's own vantage
  int others_up = 0;                    // fresh non-self vantages seeing it up
};
bool controller_cut_off(const std::vector<SiteView>& sites);

}  // namespace drpilot::core
