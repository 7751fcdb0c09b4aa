#include "gauntlet/error_class.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace gauntlet {
namespace {

TEST(ErrorClass, FromStringInvertsToStringForEveryClass) {
  for (std::size_t i = 0; i < kErrorClassCount; ++i) {
    const auto c = static_cast<ErrorClass>(i);
    const auto parsed = error_class_from_string(to_string(c));
    ASSERT_TRUE(parsed.has_value()) << to_string(c);
    EXPECT_EQ(*parsed, c) << to_string(c);
  }
}

TEST(ErrorClass, NamesAreDistinctSnakeCase) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < kErrorClassCount; ++i) {
    const std::string name(to_string(static_cast<ErrorClass>(i)));
    EXPECT_TRUE(seen.insert(name).second) << "duplicate name " << name;
    for (const char ch : name) {
      EXPECT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_') << name;
    }
  }
  EXPECT_EQ(to_string(ErrorClass::kHttp5xx), "http_5xx");
  EXPECT_EQ(to_string(ErrorClass::kPoolTimeout), "pool_timeout");
}

TEST(ErrorClass, FromStringRejectsUnknownNames) {
  EXPECT_FALSE(error_class_from_string("").has_value());
  EXPECT_FALSE(error_class_from_string("HTTP_5XX").has_value()) << "names are case-sensitive";
  EXPECT_FALSE(error_class_from_string("http_5xx ").has_value());
  EXPECT_FALSE(error_class_from_string("http").has_value());
  EXPECT_FALSE(error_class_from_string("teapot").has_value());
}

}  // namespace
}  // namespace gauntlet
