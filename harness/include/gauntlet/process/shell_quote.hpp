#pragma once
// Quoting for the command lines and export lines we print, so that a reader can paste them into
// a shell. Header-only so that gauntlet::pg can quote initdb/pg_ctl command lines without Boost.
#include <string>
#include <vector>

namespace gauntlet {

// `word` as is when it holds nothing a POSIX shell treats specially, else in single quotes
// (an embedded ' becomes '\'').
inline std::string shell_quote(const std::string& word) {
  if (!word.empty() && word.find_first_of(" \t\n'\"\\$`*?&;|<>()[]{}!#~") == std::string::npos) {
    return word;
  }
  std::string out = "'";
  for (const char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The words shell-quoted and joined with spaces.
inline std::string shell_command_line(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    if (!out.empty()) out += ' ';
    out += shell_quote(word);
  }
  return out;
}

}  // namespace gauntlet
