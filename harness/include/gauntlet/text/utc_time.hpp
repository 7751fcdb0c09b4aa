#pragma once
// Times as every result file writes them: ISO-8601 UTC with milliseconds,
// "2024-05-01T12:00:00.123Z".
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gauntlet {

// ISO-8601 UTC with milliseconds ("2024-05-01T12:00:00.123Z"); sub-millisecond parts are cut.
std::string format_utc(std::chrono::system_clock::time_point t);

// Exactly the form format_utc writes, years 1970..2261; nullopt for anything else (another
// form, an impossible date, a year whose nanoseconds would overflow system_clock).
std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text);

}  // namespace gauntlet
