#include "core/time.h"

#include <cstdio>
#include <ctime>

namespace drpilot::core {

TimePoint SystemClock::now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

std::string format_duration(Duration d) {
  std::int64_t ms = d.count();
  std::string sign;
  if (ms < 0) {
    sign = "-";
    ms = -ms;
  }
  char buf[64];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ms));
  } else if (ms < 60'000) {
    if (ms % 1000 == 0) {
      std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(ms / 1000));
    } else {
      // Truncated like the minute and hour forms: 59'999 ms reads "59.9s", never "60.0s".
      std::snprintf(buf, sizeof buf, "%lld.%llds", static_cast<long long>(ms / 1000),
                    static_cast<long long>((ms % 1000) / 100));
    }
  } else if (ms < 3'600'000) {
    long long m = ms / 60'000, s = (ms % 60'000) / 1000;
    if (s == 0) {
      std::snprintf(buf, sizeof buf, "%lldm", m);
    } else {
      std::snprintf(buf, sizeof buf, "%lldm%llds", m, s);
    }
  } else {
    long long h = ms / 3'600'000, m = (ms % 3'600'000) / 60'000;
    if (m == 0) {
      std::snprintf(buf, sizeof buf, "%lldh", h);
    } else {
      std::snprintf(buf, sizeof buf, "%lldh%lldm", h, m);
    }
  }
  return sign + buf;
}

std::string format_time(TimePoint t) {
  std::int64_t ms = to_ms(t);
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  if (ms < 0 && ms % 1000 != 0) secs -= 1;
  int millis = static_cast<int>(((ms % 1000) + 1000) % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];  // room for any int year, so the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

}  // namespace drpilot::core
