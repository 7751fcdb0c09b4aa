#include "gauntlet/text/duration_parse.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;

namespace gauntlet {
namespace {

TEST(ParseDuration, AcceptsEveryUnitAndCompoundForms) {
  EXPECT_EQ(parse_duration("250ns"), 250ns);
  EXPECT_EQ(parse_duration("250us"), 250us);
  EXPECT_EQ(parse_duration("500ms"), 500ms);
  EXPECT_EQ(parse_duration("2s"), 2s);
  EXPECT_EQ(parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_duration("1m30s"), 90s);
  EXPECT_EQ(parse_duration("1h"), 1h);
}

TEST(ParseDuration, RejectsBareNumbersUnknownUnitsSignsAndOverflow) {
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("500"));
  EXPECT_FALSE(parse_duration("5xs"));
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("1001h"));
  EXPECT_FALSE(parse_duration("1..2s"));
}

}  // namespace
}  // namespace gauntlet
