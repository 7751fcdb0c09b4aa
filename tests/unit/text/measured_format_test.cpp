#include "gauntlet/text/measured_format.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace gauntlet {
namespace {

TEST(FormatDuration, PicksTheLargestReadableUnitWithThreeDigits) {
  EXPECT_EQ(format_duration_us(0), "0us");
  EXPECT_EQ(format_duration_us(0.5), "0.5us");
  EXPECT_EQ(format_duration_us(850), "850us");
  EXPECT_EQ(format_duration_us(12'345), "12.3ms");
  EXPECT_EQ(format_duration_us(2'314'800), "2.31s");
  EXPECT_EQ(format_duration_us(65'000'000), "1m05s");
  EXPECT_EQ(format_duration_us(3'720'000'000.0), "1h02m");
  EXPECT_EQ(format_duration_us(-1500), "-1.5ms");
}

TEST(FormatDuration, RoundingNeverPrintsAThousandOfASmallerUnit) {
  EXPECT_EQ(format_duration_us(999.7), "1ms");
  EXPECT_EQ(format_duration_us(999'600), "1s");
  EXPECT_EQ(format_duration_us(59'970'000), "1m00s");
  EXPECT_EQ(format_duration_us(999.4), "999us");
}

TEST(FormatDuration, NotANumberIsSaidSo) {
  EXPECT_EQ(format_duration_us(std::numeric_limits<double>::quiet_NaN()), "n/a");
  EXPECT_EQ(format_duration_us(std::numeric_limits<double>::infinity()), "n/a");
}

TEST(FormatNumber, KeepsThreeSignificantDigitsAndWholeIntegers) {
  EXPECT_EQ(format_3_digits(2.3148), "2.31");
  EXPECT_EQ(format_3_digits(12.34), "12.3");
  EXPECT_EQ(format_3_digits(2.0), "2");
  EXPECT_EQ(format_3_digits(12'345), "12345");
  EXPECT_EQ(format_3_digits(0), "0");
  EXPECT_EQ(format_rate_per_s(98.44), "98.4/s");
}

TEST(FormatPercent, TwoDecimalsButNeverZeroOrHundredByRounding) {
  EXPECT_EQ(format_percent(0.0052), "0.52%");
  EXPECT_EQ(format_percent(1), "100%");
  EXPECT_EQ(format_percent(0), "0%");
  EXPECT_EQ(format_percent(0.000012), "0.0012%");
  EXPECT_EQ(format_percent(0.99999), "99.99%");
}

}  // namespace
}  // namespace gauntlet
