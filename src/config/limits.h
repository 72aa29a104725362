#pragma once
// What one controller takes on, checked when the configuration is read so
// that a configuration it cannot honour is refused at once with the limit
// named, never run slowly. Documented in docs/configuration.md (Limits).
// The check threads keep 10,000 targets at 1 s intervals with half a core to
// spare (BENCHMARKS.md); these leave room beyond that.

#include <cstddef>

namespace drpilot::config {

inline constexpr std::size_t kMaxFileBytes = 8 * 1024 * 1024;  // the YAML tree is ~50x the file
inline constexpr std::size_t kMaxSites = 20'000;
inline constexpr std::size_t kMaxRecords = 20'000;
inline constexpr std::size_t kMaxChecks = 1'000;  // checks[] definitions
inline constexpr std::size_t kMaxChecksPerSite = 100;
inline constexpr std::size_t kMaxSitesPerRecord = 1'000;
inline constexpr std::size_t kMaxTargets = 20'000;       // sites x their checks, + data regions'
inline constexpr std::size_t kMaxRecordSites = 100'000;  // the sum of every record's sites

}  // namespace drpilot::config
