#pragma once
// Field checks shared by the profile, model and plan validators. Each adds at most one problem, a
// full sentence naming the field, the value and the limit, and returns whether the value passed.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gauntlet/config_error.hpp"

namespace gauntlet::detail {

enum class Lower { kPositive, kNonNegative };  // > 0 or >= 0

// A finite rate per second in (0 or >= 0) .. kMaxRatePerS.
bool check_rate(Problems& problems, std::string_view field, double value, Lower lower);

// A duration in (0 or >= 0) .. max; max_name names the limit constant ("kMaxDuration").
bool check_duration(Problems& problems, std::string_view field, std::chrono::nanoseconds value,
                    Lower lower, std::chrono::nanoseconds max, std::string_view max_name);

// A count in min .. max; max_name names the limit constant ("kMaxVus").
bool check_count(Problems& problems, std::string_view field, std::int64_t value, std::int64_t min,
                 std::int64_t max, std::string_view max_name);

// The sum of parts must not exceed kMaxDuration: "steps must last <= 24h (kMaxDuration) in total,
// got 25h". field names the list or shape.
bool check_total_duration(Problems& problems, std::string_view field,
                          const std::vector<std::chrono::nanoseconds>& parts);

// "field[index]" or "field[index].member" for messages about list elements.
std::string indexed(std::string_view field, std::size_t index, std::string_view member = {});

}  // namespace gauntlet::detail
