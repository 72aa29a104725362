#pragma once
// The verdict rule that tells "down" from "cut off" (docs/vantages.md has it
// as a truth table). A site is judged by the vantages outside it: it is down
// when a strict majority of the fresh external vantages see it down, up when
// at least as many see it up as down, and unknown when no external vantage
// has fresh evidence: never a failover on silence. The site's own agent
// (internal) never decides, since it cannot see whether users reach the
// site; what it sees is said in the reason. Pure: the votes are the input.
//
// A vantage is reported as cut off when every site it judges from outside
// looks down to it while each of those sites is seen up by a majority of the
// other fresh external vantages: the fault is on its side, not the sites'.

#include <string>
#include <vector>

#include "core/quorum.h"

namespace drpilot::core {

// The verdict on one site (or target) from its votes: quorum() over the
// external ones, and what the internal ones see appended. The reason names
// the vantages that decided it: "2 of 2 external vantages see it down:
// controller: connect timeout; nyc-agent: connect timeout; its own agent
// sees it up".
QuorumResult vantage_verdict(const std::vector<Vote>& votes);

// One cell of the vantage matrix: how `vote.vantage` sees `site` (a site, or
// one of its checks when each is judged on its own).
struct MatrixCell {
  std::string site;
  Vote vote;
};

// The vantages that are cut off, in the order of their first cell.
std::vector<std::string> cut_off_vantages(const std::vector<MatrixCell>& matrix);

}  // namespace drpilot::core
