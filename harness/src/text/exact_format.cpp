#include "gauntlet/text/exact_format.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace gauntlet {
namespace {

// value / unit with the exact decimal remainder, trailing zeros removed: 1'500'000'000 ns in
// seconds is "1.5". unit is a power of ten in nanoseconds, at most 1e9 (nine decimals).
std::string decimal(std::uint64_t value, std::uint64_t unit, int digits) {
  std::string out = std::to_string(value / unit);
  std::uint64_t rest = value % unit;
  if (rest == 0) return out;
  std::string frac(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    frac[static_cast<std::size_t>(i)] = static_cast<char>('0' + rest % 10);
    rest /= 10;
  }
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return out + "." + frac;
}

}  // namespace

std::string format_duration(std::chrono::nanoseconds d) {
  if (d == std::chrono::nanoseconds::zero()) return "0s";
  const bool negative = d.count() < 0;
  // Negate in unsigned arithmetic so that the most negative value does not overflow.
  const std::uint64_t ns =
      negative ? 0 - static_cast<std::uint64_t>(d.count()) : static_cast<std::uint64_t>(d.count());
  constexpr std::uint64_t kUs = 1'000, kMs = 1'000'000, kS = 1'000'000'000;
  constexpr std::uint64_t kMin = 60 * kS, kHour = 60 * kMin;
  std::string text;
  if (ns % kHour == 0) {
    text = std::to_string(ns / kHour) + "h";
  } else if (ns % kMin == 0) {
    text = std::to_string(ns / kMin) + "m";
  } else if (ns >= kS) {
    text = decimal(ns, kS, 9) + "s";
  } else if (ns >= kMs) {
    text = decimal(ns, kMs, 6) + "ms";
  } else if (ns >= kUs) {
    text = decimal(ns, kUs, 3) + "us";
  } else {
    text = std::to_string(ns) + "ns";
  }
  return negative ? "-" + text : text;
}

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.10g", value);
  return buffer.data();
}

}  // namespace gauntlet
