// The limits of one controller (config/limits.h): a configuration beyond one
// is refused at once with the limit named, however it is written (long lists,
// YAML aliases that would multiply them, a huge file); one just within them
// loads.

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "config/limits.h"

namespace drpilot::config {
namespace {

LoadResult load(const std::string& yaml) {
  return load_config_string(yaml, "big.yaml", "/tmp");
}

std::string site_name(std::size_t i) {
  return "s" + std::to_string(i);
}

std::string address(std::size_t i) {
  return "10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
         std::to_string(i & 255);
}

// `sites` sites with `checks` tcp checks each; records of `per_record` sites.
std::string estate(std::size_t sites, std::size_t checks, std::size_t per_record,
                   std::size_t records) {
  std::string y = "checks:\n";
  std::string names;
  for (std::size_t c = 0; c < checks; ++c) {
    y += "  - {name: c" + std::to_string(c) + ", type: tcp, port: 80}\n";
    names += (c ? ", c" : "c") + std::to_string(c);
  }
  y += "sites:\n";
  for (std::size_t i = 0; i < sites; ++i) {
    y += "  - {name: " + site_name(i) + ", endpoints: [" + address(i) + "], checks: [" + names +
         "]}\n";
  }
  y += "records:\n";
  for (std::size_t r = 0; r < records; ++r) {
    y += "  - name: r" + std::to_string(r) + ".example.test\n    sites: [";
    for (std::size_t j = 0; j < per_record; ++j) {
      y += (j ? ", " : "") + site_name((r * per_record + j) % sites);
    }
    y += "]\n";
  }
  return y;
}

bool mentions(const LoadResult& r, const std::string& text) {
  return r.error_text().find(text) != std::string::npos;
}

TEST(Limits, TenThousandSitesWithTheirRecordsLoad) {
  LoadResult r = load(estate(10'000, 1, 10, 1'000));
  ASSERT_TRUE(r.ok()) << r.error_text().substr(0, 2000);
  EXPECT_EQ(r.config->sites.size(), 10'000u);
  EXPECT_EQ(r.config->engine_spec().targets.size(), 10'000u);
}

TEST(Limits, MoreTargetsThanOneControllerChecksAreRefused) {
  // 10,000 sites x 3 checks: the file is small, the work is not.
  LoadResult r = load(estate(10'000, 3, 10, 10));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r, "more than 20000 check targets")) << r.error_text();
  EXPECT_TRUE(mentions(r, "split the sites between controllers"));
  EXPECT_EQ(r.errors.size(), 1u) << "one error, not one per site:\n" << r.error_text();
}

TEST(Limits, TheIssuesExampleIsRefusedByItsSizeBeforeItIsParsed) {
  // 10,000 sites with 100 checks each, 1,000 records naming 1,000 sites each.
  const std::string yaml = estate(10'000, 100, 1'000, 1'000);
  ASSERT_GT(yaml.size(), kMaxFileBytes);
  LoadResult r = load(yaml);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r, "a configuration may be at most 8 MiB")) << r.error_text();
}

TEST(Limits, ASiteWithTooManyChecksIsRefused) {
  LoadResult r = load(estate(2, kMaxChecksPerSite + 1, 2, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r, "'checks' takes at most 100 items")) << r.error_text();
}

TEST(Limits, ARecordWithTooManySitesIsRefused) {
  LoadResult r = load(estate(kMaxSitesPerRecord + 1, 1, kMaxSitesPerRecord + 1, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r, "'sites' takes at most 1000 items")) << r.error_text();
}

TEST(Limits, AliasesCannotMultiplyTheRecordsPastTheLimit) {
  // A small file whose aliases would make 20,000 records of 1,000 sites each.
  std::string y = "checks: [{name: c, type: tcp, port: 80}]\nsites:\n";
  std::string all;
  for (std::size_t i = 0; i < 1'000; ++i) {
    y += "  - {name: " + site_name(i) + ", endpoints: [" + address(i) + "], checks: [c]}\n";
    all += (i ? ", " : "") + site_name(i);
  }
  y += "records:\n  - {name: r0.example.test, sites: &many [" + all + "]}\n";
  for (std::size_t r = 1; r < 20'000; ++r) {
    y += "  - {name: r" + std::to_string(r) + ".example.test, sites: *many}\n";
  }
  ASSERT_LT(y.size(), std::size_t{2} << 20);
  LoadResult r = load(y);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r, "the records name more than 100000 sites in all")) << r.error_text();
}

TEST(Limits, TooManySitesAreRefusedBeforeAnyIsRead) {
  std::string y = "sites:\n";
  for (std::size_t i = 0; i <= kMaxSites; ++i) y += "  - {name: " + site_name(i) + "}\n";
  y += "records: [{name: www.example.test, sites: [s0]}]\n";
  LoadResult r = load(y);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r, "'sites' takes at most 20000 items")) << r.error_text();
}

}  // namespace
}  // namespace drpilot::config
