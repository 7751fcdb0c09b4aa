#pragma once
// The last lines of a log file, for error messages ("why did the service not come up?").
// Header-only so that gauntlet::pg can quote the PostgreSQL log without linking Boost.
#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace gauntlet {

inline constexpr std::size_t kLogTailLines = 30;

// Returns at most `max_lines` final lines of the file (reading at most its last 64 KiB), each
// ending in '\n'. Returns "" when the file is missing or unreadable; never throws for I/O.
inline std::string read_log_tail(const std::filesystem::path& path,
                                 std::size_t max_lines = kLogTailLines) {
  constexpr std::streamoff kMaxBytes = std::streamoff{64} * 1024;
  if (max_lines == 0) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size <= 0) return {};
  const std::streamoff start = std::max<std::streamoff>(0, size - kMaxBytes);
  in.seekg(start);
  std::string text(static_cast<std::size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (!text.empty() && text.back() != '\n') text += '\n';
  // Walk back over max_lines newlines (the final one ends the last line).
  std::size_t pos = text.size() - 1;
  for (std::size_t lines = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++lines == max_lines) break;
  }
  if (start > 0 && pos == 0) {  // the first line was cut by the 64 KiB window: drop it
    const auto first_newline = text.find('\n');
    pos = first_newline == std::string::npos ? 0 : first_newline + 1;
  }
  return text.substr(pos);
}

}  // namespace gauntlet
