#pragma once
// Exact, compact text for the values that validation messages and descriptions quote. Never
// rounds a duration: "1.5s", "250ms", "24h", "90s", "-1s", "0s".
#include <chrono>
#include <string>

namespace gauntlet {

// Whole hours as "24h", whole minutes as "5m", then the largest of s, ms, us, ns that is <= the
// value, with as many decimals as needed and no trailing zeros ("1.5s", "1.000001s").
std::string format_duration(std::chrono::nanoseconds d);

// Up to 10 significant digits ("100", "0.5", "1e+07"); "nan", "inf" and "-inf" as such.
std::string format_number(double value);

}  // namespace gauntlet
