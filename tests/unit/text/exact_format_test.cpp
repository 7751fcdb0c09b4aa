#include "gauntlet/text/exact_format.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace gauntlet {
namespace {

using namespace std::chrono_literals;

TEST(FormatDuration, UsesTheLargestWholeUnit) {
  EXPECT_EQ(format_duration(0s), "0s");
  EXPECT_EQ(format_duration(24h), "24h");
  EXPECT_EQ(format_duration(5min), "5m");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(10us), "10us");
  EXPECT_EQ(format_duration(7ns), "7ns");
}

TEST(FormatDuration, KeepsEveryDigitWithoutTrailingZeros) {
  EXPECT_EQ(format_duration(1500ms), "1.5s");
  EXPECT_EQ(format_duration(1s + 1us), "1.000001s");
  EXPECT_EQ(format_duration(1s + 1ns), "1.000000001s");
  EXPECT_EQ(format_duration(1500us), "1.5ms");
  EXPECT_EQ(format_duration(24h + 1ns), "86400.000000001s");
}

TEST(FormatDuration, NegativeValuesKeepTheirSign) {
  EXPECT_EQ(format_duration(-1s), "-1s");
  EXPECT_EQ(format_duration(-1500ms), "-1.5s");
  // The most negative value must not overflow when negated.
  EXPECT_EQ(format_duration(std::chrono::nanoseconds::min()), "-9223372036.854775808s");
}

TEST(FormatNumber, ShowsSpecialValuesByName) {
  EXPECT_EQ(format_number(100), "100");
  EXPECT_EQ(format_number(0.5), "0.5");
  EXPECT_EQ(format_number(1e7), "10000000");
  EXPECT_EQ(format_number(2e12), "2e+12");
  EXPECT_EQ(format_number(std::nan("")), "nan");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "-inf");
}

}  // namespace
}  // namespace gauntlet
