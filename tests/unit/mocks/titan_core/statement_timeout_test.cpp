// with_statement_timeout: the libpq option that bounds every statement of a service's pool (the
// council's own timeout), added to either form of connection string.
#include <gtest/gtest.h>

#include "gauntlet/mocks/db.hpp"

namespace gauntlet::mocks {
namespace {

using std::chrono::milliseconds;

TEST(WithStatementTimeout, AddsTheOptionToAUri) {
  EXPECT_EQ(with_statement_timeout("postgresql://u@127.0.0.1:5432/db", milliseconds(2000)),
            "postgresql://u@127.0.0.1:5432/db?options=-c%20statement_timeout%3D2000");
  EXPECT_EQ(with_statement_timeout("postgresql://u@h/db?sslmode=disable", milliseconds(5)),
            "postgresql://u@h/db?sslmode=disable&options=-c%20statement_timeout%3D5");
}

TEST(WithStatementTimeout, AddsTheOptionToAKeyValueString) {
  EXPECT_EQ(with_statement_timeout("host=h dbname=db", milliseconds(300)),
            "host=h dbname=db options='-c statement_timeout=300'");
}

TEST(WithStatementTimeout, ZeroLeavesTheUrlAsItIs) {
  EXPECT_EQ(with_statement_timeout("postgresql://u@h/db", milliseconds(0)), "postgresql://u@h/db");
}

}  // namespace
}  // namespace gauntlet::mocks
