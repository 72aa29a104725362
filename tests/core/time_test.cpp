// format_duration / format_time and the fake clock: the text that ends up in
// every reason, so it must be short, exact and stable.

#include "core/time.h"

#include <gtest/gtest.h>

namespace drpilot::core {
namespace {

using std::chrono::milliseconds;

TEST(FormatDuration, Milliseconds) {
  EXPECT_EQ(format_duration(milliseconds(0)), "0ms");
  EXPECT_EQ(format_duration(milliseconds(1)), "1ms");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(milliseconds(999)), "999ms");
}

TEST(FormatDuration, WholeSeconds) {
  EXPECT_EQ(format_duration(milliseconds(1'000)), "1s");
  EXPECT_EQ(format_duration(milliseconds(10'000)), "10s");
  EXPECT_EQ(format_duration(milliseconds(59'000)), "59s");
}

TEST(FormatDuration, FractionalSeconds) {
  EXPECT_EQ(format_duration(milliseconds(1'500)), "1.5s");
  EXPECT_EQ(format_duration(milliseconds(2'200)), "2.2s");
  EXPECT_EQ(format_duration(milliseconds(12'300)), "12.3s");
  EXPECT_EQ(format_duration(milliseconds(59'900)), "59.9s");
}

// The minute and hour forms truncate (119'999 ms is "1m59s"); the seconds form
// must not round a sub-minute duration up to a value that reads as a minute.
TEST(FormatDuration, SubMinuteNeverReadsAsSixtySeconds) {
  EXPECT_EQ(format_duration(milliseconds(119'999)), "1m59s");
  EXPECT_NE(format_duration(milliseconds(59'999)), "60.0s");
  EXPECT_EQ(format_duration(milliseconds(59'999)), "59.9s");
}

TEST(FormatDuration, Minutes) {
  EXPECT_EQ(format_duration(milliseconds(60'000)), "1m");
  EXPECT_EQ(format_duration(milliseconds(90'000)), "1m30s");
  EXPECT_EQ(format_duration(milliseconds(120'000)), "2m");
  EXPECT_EQ(format_duration(milliseconds(600'000)), "10m");
  EXPECT_EQ(format_duration(milliseconds(90'500)), "1m30s");  // milliseconds dropped
  EXPECT_EQ(format_duration(milliseconds(3'599'000)), "59m59s");
}

TEST(FormatDuration, Hours) {
  EXPECT_EQ(format_duration(milliseconds(3'600'000)), "1h");
  EXPECT_EQ(format_duration(milliseconds(5'400'000)), "1h30m");
  EXPECT_EQ(format_duration(milliseconds(86'400'000)), "24h");
  EXPECT_EQ(format_duration(milliseconds(3'630'000)), "1h");  // seconds dropped
}

TEST(FormatDuration, Negative) {
  EXPECT_EQ(format_duration(milliseconds(-250)), "-250ms");
  EXPECT_EQ(format_duration(milliseconds(-1'500)), "-1.5s");
  EXPECT_EQ(format_duration(milliseconds(-90'000)), "-1m30s");
}

TEST(FormatTime, Epoch) {
  EXPECT_EQ(format_time(from_ms(0)), "1970-01-01T00:00:00.000Z");
}

TEST(FormatTime, WithMilliseconds) {
  EXPECT_EQ(format_time(from_ms(1'700'000'000'000)), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(format_time(from_ms(1'700'000'000'123)), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(format_time(from_ms(1'700'000'000'007)), "2023-11-14T22:13:20.007Z");
}

TEST(FormatTime, LeapDayAndYearEnd) {
  // 2024-02-29T12:00:00Z and 2023-12-31T23:59:59.999Z
  EXPECT_EQ(format_time(from_ms(1'709'208'000'000)), "2024-02-29T12:00:00.000Z");
  EXPECT_EQ(format_time(from_ms(1'704'067'199'999)), "2023-12-31T23:59:59.999Z");
}

TEST(FormatTime, BeforeEpoch) {
  EXPECT_EQ(format_time(from_ms(-1)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_time(from_ms(-1'000)), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(format_time(from_ms(-1'001)), "1969-12-31T23:59:58.999Z");
}

TEST(TimeConversions, RoundTrip) {
  EXPECT_EQ(to_ms(from_ms(1'700'000'000'123)), 1'700'000'000'123);
  EXPECT_EQ(to_ms(from_ms(-5)), -5);
}

TEST(FakeClock, MovesOnlyWhenTold) {
  FakeClock clock;
  const TimePoint start = clock.now();
  EXPECT_EQ(to_ms(start), 1'700'000'000'000);
  EXPECT_EQ(clock.now(), start);
  clock.advance(milliseconds(1'500));
  EXPECT_EQ(clock.now() - start, milliseconds(1'500));
  clock.set(from_ms(42));
  EXPECT_EQ(to_ms(clock.now()), 42);
  FakeClock other(from_ms(7));
  EXPECT_EQ(to_ms(other.now()), 7);
}

}  // namespace
}  // namespace drpilot::core
