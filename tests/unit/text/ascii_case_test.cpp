#include "gauntlet/text/ascii_case.hpp"

#include <gtest/gtest.h>

namespace gauntlet {
namespace {

TEST(AsciiLower, FoldsOnlyAToZ) {
  EXPECT_EQ(ascii_lower("Content-Type: X-API-Key"), "content-type: x-api-key");
  EXPECT_EQ(ascii_lower("PASS WARN FAIL"), "pass warn fail");
  EXPECT_EQ(ascii_lower("@[`{09_-"), "@[`{09_-");  // the bytes beside A-Z and a-z stay
  EXPECT_EQ(ascii_lower(""), "");
}

TEST(AsciiLower, LeavesBytesAbove127Alone) {
  const std::string utf8 = "\xC3\x89T\xC3\x89";  // "ÉTÉ": only the ASCII T folds
  EXPECT_EQ(ascii_lower(utf8), "\xC3\x89t\xC3\x89");
}

}  // namespace
}  // namespace gauntlet
