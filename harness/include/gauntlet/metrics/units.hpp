#pragma once
// Text forms of durations shared by parameters, flags and reports: "250us", "500ms", "2s",
// "1m30s", "1h". A bare number is not a duration (units are required).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gauntlet {

// Parses a sequence of <number><unit> parts (units ns, us, ms, s, m, h; decimals allowed, e.g.
// "1.5s"). nullopt for anything else: empty text, a missing unit, a negative sign, overflow past
// 1000 h.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

// "850us", "12.3ms", "2.31s", "1m05s", "1h02m": three significant digits below a minute.
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace gauntlet
