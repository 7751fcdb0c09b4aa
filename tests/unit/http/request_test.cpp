#include "gauntlet/http/request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gauntlet {
namespace {

TEST(HeaderLine, WritesNameColonValueAndASemicolonForAnEmptyValue) {
  EXPECT_EQ(header_line(Header{"X-Team", "ads"}), "X-Team: ads");
  EXPECT_EQ(header_line(Header{"X-Empty", ""}), "X-Empty;");
}

TEST(HeaderLine, WriteReplacesTheOldTextAndMatchesHeaderLine) {
  std::string line = "a much longer line left over from the previous request";
  write_header_line(Header{"Accept", "*/*"}, line);
  EXPECT_EQ(line, header_line(Header{"Accept", "*/*"}));
  write_header_line(Header{"X-Empty", ""}, line);
  EXPECT_EQ(line, "X-Empty;");
}

}  // namespace
}  // namespace gauntlet
