// quorum() and controller_cut_off(): corroboration across vantages. Only fresh
// votes count; down needs a strict majority of fresh voters.

#include "core/quorum.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace drpilot::core {
namespace {

Vote vote(const std::string& vantage, Health state, bool fresh = true, std::string detail = "",
          int streak = 0) {
  Vote v;
  v.vantage = vantage;
  v.state = state;
  v.fresh = fresh;
  v.detail = std::move(detail);
  v.streak = streak;
  return v;
}

constexpr Health U = Health::up;
constexpr Health D = Health::down;
constexpr Health X = Health::unknown;

TEST(Quorum, NoVotesIsUnknown) {
  QuorumResult r = quorum({});
  EXPECT_EQ(r.state, Health::unknown);
  EXPECT_EQ(r.reason, "no vantage has reported recently");
}

TEST(Quorum, OnlyStaleVotesIsUnknown) {
  QuorumResult r = quorum({vote("a", D, false), vote("b", D, false), vote("c", U, false)});
  EXPECT_EQ(r.state, Health::unknown);
  EXPECT_EQ(r.reason, "no vantage has reported recently");
}

TEST(Quorum, SingleFreshDownIsDownWithItsDetail) {
  QuorumResult r = quorum({vote("controller", D, true, "status 503", 3)});
  EXPECT_EQ(r.state, Health::down);
  EXPECT_NE(r.reason.find("status 503"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("3 consecutive failures"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("controller"), std::string::npos) << r.reason;
}

TEST(Quorum, SingleFreshUpIsUp) {
  QuorumResult r = quorum({vote("controller", U, true, "status 200", 2)});
  EXPECT_EQ(r.state, Health::up);
  EXPECT_NE(r.reason.find("2 consecutive successes"), std::string::npos) << r.reason;
}

TEST(Quorum, SingleVoteWithoutDetailSaysSo) {
  QuorumResult r = quorum({vote("controller", D)});
  EXPECT_EQ(r.state, Health::down);
  EXPECT_NE(r.reason.find("no detail"), std::string::npos) << r.reason;
}

TEST(Quorum, OneOfThreeDownIsNotDown) {
  QuorumResult r = quorum({vote("a", D, true, "timeout"), vote("b", U), vote("c", U)});
  EXPECT_EQ(r.state, Health::up);
  EXPECT_NE(r.reason.find("not a majority"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("a: timeout"), std::string::npos) << r.reason;
}

TEST(Quorum, TwoOfThreeDownIsDown) {
  QuorumResult r =
      quorum({vote("a", D, true, "timeout"), vote("b", D, true, "refused"), vote("c", U)});
  EXPECT_EQ(r.state, Health::down);
  EXPECT_NE(r.reason.find("2 of 3 vantages"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("a: timeout"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("b: refused"), std::string::npos) << r.reason;
}

TEST(Quorum, ThreeOfThreeDownIsDown) {
  EXPECT_EQ(quorum({vote("a", D), vote("b", D), vote("c", D)}).state, Health::down);
}

TEST(Quorum, HalfDownIsNotAMajority) {
  EXPECT_EQ(quorum({vote("a", D), vote("b", U)}).state, Health::up);
  EXPECT_EQ(quorum({vote("a", D), vote("b", D), vote("c", U), vote("d", U)}).state, Health::up);
}

TEST(Quorum, DownMinorityWithoutUpIsUnknown) {
  QuorumResult r = quorum({vote("a", D), vote("b", X)});
  EXPECT_EQ(r.state, Health::unknown);
  EXPECT_NE(r.reason.find("none sees it up"), std::string::npos) << r.reason;
}

TEST(Quorum, UpMustAtLeastMatchDown) {
  // Four fresh voters, two down (not a strict majority), one up: up < down.
  EXPECT_EQ(quorum({vote("a", D), vote("b", D), vote("c", U), vote("d", X)}).state,
            Health::unknown);
  // One down, one up, one unknown: up >= down.
  EXPECT_EQ(quorum({vote("a", D), vote("b", U), vote("c", X)}).state, Health::up);
}

TEST(Quorum, UnknownVotersStillCountAsFreshVoters) {
  // Two of five down is not a majority, even though the three others have no opinion.
  EXPECT_EQ(quorum({vote("a", D), vote("b", D), vote("c", X), vote("d", X), vote("e", X)}).state,
            Health::unknown);
  // Three of five is.
  EXPECT_EQ(quorum({vote("a", D), vote("b", D), vote("c", D), vote("d", X), vote("e", U)}).state,
            Health::down);
}

TEST(Quorum, AllFreshUnknownIsUnknown) {
  QuorumResult r = quorum({vote("a", X), vote("b", X)});
  EXPECT_EQ(r.state, Health::unknown);
  EXPECT_EQ(r.reason, "waiting for enough consecutive results");
}

TEST(Quorum, StaleVotesDoNotCount) {
  // Two stale vantages still remember "down"; the only fresh one sees it up.
  EXPECT_EQ(quorum({vote("a", D, false), vote("b", D, false), vote("c", U)}).state, Health::up);
  // A stale "up" does not rescue a fresh majority down.
  EXPECT_EQ(quorum({vote("a", D), vote("b", U, false), vote("c", U, false)}).state, Health::down);
  // Stale votes do not enlarge the electorate: 1 fresh down of 1 fresh voter.
  QuorumResult r = quorum({vote("a", D, true, "timeout", 3), vote("b", U, false)});
  EXPECT_EQ(r.state, Health::down);
}

TEST(Quorum, AllUpReasonCountsVantages) {
  QuorumResult r = quorum({vote("a", U), vote("b", U), vote("c", U)});
  EXPECT_EQ(r.state, Health::up);
  EXPECT_EQ(r.reason, "3 of 3 vantages see it up");
}

TEST(Quorum, ReasonsAreNeverEmpty) {
  const std::vector<Health> states = {U, D, X};
  for (Health a : states) {
    for (Health b : states) {
      for (Health c : states) {
        for (int fresh = 0; fresh < 8; ++fresh) {
          QuorumResult r =
              quorum({vote("a", a, fresh & 1), vote("b", b, fresh & 2), vote("c", c, fresh & 4)});
          EXPECT_FALSE(r.reason.empty());
        }
      }
    }
  }
}

Vote abstaining(const std::string& vantage, std::string detail, bool fresh = true) {
  Vote v = vote(vantage, X, fresh, std::move(detail));
  v.abstains = true;
  return v;
}

// A vantage whose last check was inconclusive (AWS refused its credentials)
// does not vote: it can neither make a target down nor keep one from it.
TEST(Quorum, AnAbstainingVantageAloneLeavesTheTargetUnknownAndSaysWhy) {
  QuorumResult r = quorum({abstaining("controller", "DynamoDB eu-west-1 refused the credentials")});
  EXPECT_EQ(r.state, Health::unknown);
  EXPECT_EQ(r.reason,
            "cannot be judged: DynamoDB eu-west-1 refused the credentials (from controller)");
  r = quorum({abstaining("controller", "refused A"), abstaining("agent-ams", "refused B"),
              vote("agent-fra", D, false, "stale")});
  EXPECT_EQ(r.state, Health::unknown);
  EXPECT_EQ(r.reason, "no vantage can judge it: controller: refused A; agent-ams: refused B");
}

TEST(Quorum, TheOthersDecideWithoutTheAbstainingVantage) {
  EXPECT_EQ(quorum({abstaining("controller", "refused"), vote("agent", U)}).state, U);
  EXPECT_EQ(quorum({abstaining("controller", "refused"), vote("agent", D, true, "timeout")}).state,
            D);
  EXPECT_EQ(quorum({abstaining("controller", "refused"), vote("a", D), vote("b", U)}).state, U);
  // A stale abstention is no different from any stale vote.
  EXPECT_EQ(quorum({abstaining("controller", "refused", false)}).reason,
            "no vantage has reported recently");
  QuorumResult r = quorum({abstaining("controller", "refused"), vote("agent", X)});
  EXPECT_EQ(r.state, X);
  EXPECT_EQ(r.reason,
            "waiting for enough consecutive results; cannot be judged from controller: refused");
}

TEST(Quorum, AbstentionsNeverMakeATargetDown) {
  const std::vector<Health> states = {U, D, X};
  for (Health a : states) {
    for (Health b : states) {
      // With two judging vantages that do not both see it down, any number
      // of abstaining ones changes nothing.
      const QuorumResult without = quorum({vote("a", a), vote("b", b)});
      const QuorumResult with = quorum(
          {vote("a", a), vote("b", b), abstaining("c", "refused"), abstaining("d", "refused")});
      EXPECT_EQ(with.state, without.state);
      EXPECT_FALSE(with.reason.empty());
    }
  }
}

SiteView view(const std::string& site, Health self, int others_up) {
  return SiteView{site, self, others_up};
}

TEST(ControllerCutOff, NoSitesIsNotCutOff) {
  EXPECT_FALSE(controller_cut_off({}));
}

TEST(ControllerCutOff, SelfSeesAllDownOthersSeeOneUp) {
  EXPECT_TRUE(controller_cut_off({view("ams", D, 0), view("fra", D, 2)}));
  EXPECT_TRUE(controller_cut_off({view("ams", D, 1)}));
}

TEST(ControllerCutOff, SelfSeesOneSiteNotDown) {
  EXPECT_FALSE(controller_cut_off({view("ams", D, 1), view("fra", U, 2)}));
  EXPECT_FALSE(controller_cut_off({view("ams", D, 1), view("fra", X, 2)}));
}

TEST(ControllerCutOff, EverySiteReallyDown) {
  EXPECT_FALSE(controller_cut_off({view("ams", D, 0), view("fra", D, 0)}));
}

}  // namespace
}  // namespace drpilot::core
