// vantage_verdict() and cut_off_vantages(): every row of the truth table in
// docs/vantages.md, with one and with three controllers and two and three
// sites (each site's agent checking every other site), computed from a small
// model of the world (who reaches whom, which site is broken or dead); then
// properties over random votes.

#include "core/vantage_verdict.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace drpilot::core {
namespace {

// The world: which sites are broken (503 everywhere) or dead (with their
// agent), and which paths from a vantage to a site are cut.
struct World {
  int controllers = 1;
  std::vector<std::string> sites;
  std::set<std::string> broken, dead;
  std::set<std::string> dead_vantages;                // stopped reporting
  std::set<std::pair<std::string, std::string>> cut;  // (vantage, site)

  std::vector<std::string> controller_names() const {
    if (controllers == 1) return {"controller"};
    std::vector<std::string> out;
    for (int i = 0; i < controllers; ++i) out.push_back("ctl" + std::to_string(i + 1));
    return out;
  }
  static std::string agent_of(const std::string& site) { return site + "-agent"; }

  Vote vote(const std::string& vantage, const std::string& site, Side side) const {
    Vote v;
    v.vantage = vantage;
    v.side = side;
    v.fresh = !dead_vantages.count(vantage);
    const bool reaches = !cut.count({vantage, site}) && !dead.count(site);
    v.state = reaches && !broken.count(site) ? Health::up : Health::down;
    v.detail = !reaches ? "connect timeout" : broken.count(site) ? "status 503" : "status 200";
    return v;
  }

  std::vector<MatrixCell> matrix() const {
    std::vector<MatrixCell> m;
    for (const std::string& s : sites) {
      for (const std::string& c : controller_names()) m.push_back({s, vote(c, s, Side::external)});
      for (const std::string& a : sites) {
        m.push_back({s, vote(agent_of(a), s, a == s ? Side::internal : Side::external)});
      }
    }
    return m;
  }
  std::map<std::string, QuorumResult> verdicts() const {
    std::map<std::string, std::vector<Vote>> by_site;
    for (const MatrixCell& c : matrix()) by_site[c.site].push_back(c.vote);
    std::map<std::string, QuorumResult> out;
    for (const auto& [site, votes] : by_site) out[site] = vantage_verdict(votes);
    return out;
  }
};

struct Shape {
  int controllers;
  int sites;
};
const std::vector<Shape> kShapes = {{1, 2}, {1, 3}, {3, 2}, {3, 3}};
const std::vector<std::string> kSites = {"ams", "nyc", "fra"};

World world(Shape shape) {
  World w;
  w.controllers = shape.controllers;
  w.sites.assign(kSites.begin(), kSites.begin() + shape.sites);
  return w;
}

std::string name(Shape s) {
  return std::to_string(s.controllers) + " controller(s), " + std::to_string(s.sites) + " sites";
}

Health state_of(const World& w, const std::string& site) {
  return w.verdicts().at(site).state;
}

TEST(VantageVerdict, UnreachableFromOutsideButHealthyInsideIsDown) {
  for (Shape shape : kShapes) {
    World w = world(shape);
    for (const std::string& c : w.controller_names()) w.cut.insert({c, "ams"});
    for (const std::string& s : w.sites) {
      if (s != "ams") w.cut.insert({World::agent_of(s), "ams"});
    }
    const auto v = w.verdicts();
    EXPECT_EQ(v.at("ams").state, Health::down) << name(shape) << ": " << v.at("ams").reason;
    EXPECT_NE(v.at("ams").reason.find("its own agent sees it up"), std::string::npos)
        << v.at("ams").reason;
    EXPECT_EQ(state_of(w, "nyc"), Health::up) << name(shape);
    EXPECT_TRUE(cut_off_vantages(w.matrix()).empty()) << name(shape);
  }
}

TEST(VantageVerdict, TheReasonNamesTheVantagesThatDecided) {
  World w = world({1, 2});
  w.cut = {{"controller", "ams"}, {"nyc-agent", "ams"}};
  EXPECT_EQ(w.verdicts().at("ams").reason,
            "2 of 2 external vantages see it down: controller: connect timeout; nyc-agent: "
            "connect timeout; its own agent sees it up");
}

TEST(VantageVerdict, BrokenInsideAndOutsideIsDown) {
  for (Shape shape : kShapes) {
    World w = world(shape);
    w.broken.insert("ams");
    const auto v = w.verdicts();
    EXPECT_EQ(v.at("ams").state, Health::down) << name(shape);
    EXPECT_NE(v.at("ams").reason.find("its own agent sees it down too"), std::string::npos)
        << v.at("ams").reason;
    EXPECT_TRUE(cut_off_vantages(w.matrix()).empty()) << name(shape);
  }
}

TEST(VantageVerdict, OneControllerCutOffFromEverySiteMovesNothingAndIsReported) {
  for (Shape shape : kShapes) {
    World w = world(shape);
    const std::string lost = w.controller_names().front();
    for (const std::string& s : w.sites) w.cut.insert({lost, s});
    for (const std::string& s : w.sites) {
      EXPECT_EQ(state_of(w, s), Health::up) << name(shape) << " " << s;
    }
    EXPECT_EQ(cut_off_vantages(w.matrix()), std::vector<std::string>{lost}) << name(shape);
  }
}

TEST(VantageVerdict, OneAgentCutOffFromEveryOtherSiteMovesNothingAndIsReported) {
  for (Shape shape : kShapes) {
    World w = world(shape);
    for (const std::string& s : w.sites) {
      if (s != "nyc") w.cut.insert({"nyc-agent", s});
    }
    for (const std::string& s : w.sites) {
      EXPECT_EQ(state_of(w, s), Health::up) << name(shape) << " " << s;
    }
    EXPECT_EQ(cut_off_vantages(w.matrix()), std::vector<std::string>{"nyc-agent"}) << name(shape);
  }
}

TEST(VantageVerdict, ABrokenLinkBetweenTwoSitesMovesNothing) {
  for (Shape shape : kShapes) {
    World w = world(shape);
    w.cut = {{"ams-agent", "nyc"}, {"nyc-agent", "ams"}};
    for (const std::string& s : w.sites) {
      EXPECT_EQ(state_of(w, s), Health::up) << name(shape) << " " << s;
    }
  }
}

TEST(VantageVerdict, ASiteDeadWithItsAgentIsJudgedFromOutside) {
  for (Shape shape : kShapes) {
    World w = world(shape);
    w.dead.insert("ams");
    w.dead_vantages.insert("ams-agent");
    const auto v = w.verdicts();
    EXPECT_EQ(v.at("ams").state, Health::down) << name(shape);
    EXPECT_EQ(v.at("ams").reason.find("its own agent"), std::string::npos) << v.at("ams").reason;
    for (const std::string& s : w.sites) {
      if (s != "ams") {
        EXPECT_EQ(v.at(s).state, Health::up) << name(shape) << " " << s;
      }
    }
  }
}

TEST(VantageVerdict, AMinorityOfExternalVantagesSeeingItDownMovesNothing) {
  for (Shape shape : kShapes) {
    World w = world(shape);
    // Fewer than half of ams's external vantages lose their path to it.
    std::vector<std::string> external = w.controller_names();
    for (const std::string& s : w.sites) {
      if (s != "ams") external.push_back(World::agent_of(s));
    }
    for (std::size_t i = 0; 2 * (i + 1) < external.size(); ++i) w.cut.insert({external[i], "ams"});
    if (w.cut.empty()) w.cut.insert({external[0], "ams"});  // 1 of 2: not a majority either
    const QuorumResult r = w.verdicts().at("ams");
    EXPECT_EQ(r.state, Health::up) << name(shape) << ": " << r.reason;
    EXPECT_NE(r.reason.find("not a majority"), std::string::npos) << r.reason;
    EXPECT_NE(r.reason.find(external[0]), std::string::npos) << r.reason;
  }
}

TEST(VantageVerdict, AllExternalVantagesStaleIsNoChange) {
  for (Shape shape : kShapes) {
    World w = world(shape);
    for (const std::string& c : w.controller_names()) w.dead_vantages.insert(c);
    for (const std::string& s : w.sites) {
      if (s != "ams") w.dead_vantages.insert(World::agent_of(s));
    }
    w.broken.insert("ams");  // even when its own agent sees it down
    const QuorumResult r = w.verdicts().at("ams");
    EXPECT_EQ(r.state, Health::unknown) << name(shape);
    EXPECT_NE(r.reason.find("no external vantage has reported recently"), std::string::npos)
        << r.reason;
  }
}

// Properties over random votes.
std::vector<Vote> random_votes(std::mt19937& rng) {
  std::uniform_int_distribution<int> count(0, 7), pick(0, 99);
  std::vector<Vote> out;
  const int n = count(rng);
  for (int i = 0; i < n; ++i) {
    Vote v;
    v.vantage = "v" + std::to_string(i);
    v.side = pick(rng) < 25 ? Side::internal : Side::external;
    v.fresh = pick(rng) < 80;
    v.abstains = pick(rng) < 10;
    const int s = pick(rng) % 3;
    v.state = s == 0 ? Health::up : s == 1 ? Health::down : Health::unknown;
    out.push_back(v);
  }
  return out;
}

TEST(VantageVerdictProperties, DownOnlyWithAStrictMajorityOfFreshExternalVantages) {
  std::mt19937 rng(20261207);
  for (int i = 0; i < 20'000; ++i) {
    const std::vector<Vote> votes = random_votes(rng);
    std::size_t n = 0, down = 0;
    for (const Vote& v : votes) {
      if (!v.fresh || v.abstains || v.side == Side::internal) continue;
      ++n;
      down += v.state == Health::down;
    }
    const QuorumResult r = vantage_verdict(votes);
    EXPECT_EQ(r.state == Health::down, down * 2 > n && n > 0) << r.reason;
    if (n == 0) {
      EXPECT_EQ(r.state, Health::unknown) << r.reason;
    }
    EXPECT_FALSE(r.reason.empty());
  }
}

TEST(VantageVerdictProperties, StaleAndInternalVotesNeverChangeTheVerdict) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20'000; ++i) {
    std::vector<Vote> votes = random_votes(rng);
    std::vector<Vote> deciding;
    for (const Vote& v : votes) {
      if (v.fresh && !v.abstains && v.side == Side::external) deciding.push_back(v);
    }
    EXPECT_EQ(vantage_verdict(votes).state, vantage_verdict(deciding).state);
  }
}

TEST(VantageVerdictProperties, OneMoreVantageSeeingItUpNeverMakesItDown) {
  std::mt19937 rng(11);
  for (int i = 0; i < 20'000; ++i) {
    std::vector<Vote> votes = random_votes(rng);
    const Health before = vantage_verdict(votes).state;
    Vote up;
    up.vantage = "extra";
    up.fresh = true;
    up.state = Health::up;
    votes.push_back(up);
    const Health after = vantage_verdict(votes).state;
    if (before != Health::down) {
      EXPECT_NE(after, Health::down);
    }
    if (before == Health::up) {
      EXPECT_EQ(after, Health::up);
    }
  }
}

}  // namespace
}  // namespace drpilot::core
