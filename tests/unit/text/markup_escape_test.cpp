#include "gauntlet/text/markup_escape.hpp"

#include <gtest/gtest.h>

namespace gauntlet {
namespace {

TEST(MarkupEscape, EscapesTheFiveMarkupCharacters) {
  EXPECT_EQ(escape_markup(R"(<a href="x">'&'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(MarkupEscape, ReplacesControlCharactersXmlForbidsAndKeepsUtf8) {
  EXPECT_EQ(escape_markup(std::string("a\x01z\tb\nc") + "\xC3\xA9"),
            "a\xEF\xBF\xBDz\tb\nc\xC3\xA9");
}

}  // namespace
}  // namespace gauntlet
