#include "gauntlet/process/shell_quote.hpp"

#include <gtest/gtest.h>

namespace gauntlet {
namespace {

TEST(ShellQuote, PlainWordsStayAsTheyAre) {
  EXPECT_EQ(shell_quote("/usr/lib/postgresql/15/bin/pg_ctl"), "/usr/lib/postgresql/15/bin/pg_ctl");
  EXPECT_EQ(shell_quote("--port=5432"), "--port=5432");
}

TEST(ShellQuote, SpecialWordsAreSingleQuotedWithEmbeddedQuotesEscaped) {
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("two words"), "'two words'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$HOME"), "'$HOME'");
}

TEST(ShellQuote, CommandLineJoinsQuotedWords) {
  EXPECT_EQ(shell_command_line({"initdb", "-D", "/tmp/a b"}), "initdb -D '/tmp/a b'");
  EXPECT_EQ(shell_command_line({}), "");
}

}  // namespace
}  // namespace gauntlet
