#pragma once
// Text inside XML or HTML (junit.xml, report.html): the five markup characters become entities,
// and control characters XML 1.0 forbids become U+FFFD, so that an error message quoting a binary
// body never breaks the document. Input is UTF-8 and passes through otherwise unchanged.
#include <string>
#include <string_view>

namespace gauntlet {

// Safe both as element text and inside a double- or single-quoted attribute.
std::string escape_markup(std::string_view text);

}  // namespace gauntlet
