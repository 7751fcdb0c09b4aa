#pragma once
// Duration text as users write it in parameters and flags: "250us", "500ms", "2s", "1m30s",
// "1h". A bare number is not a duration (units are required). Printing is elsewhere: exact
// (exact_format.hpp, for messages) or rounded (measured_format.hpp, for measurements).
#include <chrono>
#include <optional>
#include <string_view>

namespace gauntlet {

// Parses a sequence of <number><unit> parts (units ns, us, ms, s, m, h; decimals allowed, e.g.
// "1.5s"). nullopt for anything else: empty text, a missing unit, a negative sign, overflow past
// 1000 h.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

}  // namespace gauntlet
