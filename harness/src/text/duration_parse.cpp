#include "gauntlet/text/duration_parse.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

namespace gauntlet {
namespace {

constexpr double kMaxSeconds = 1000.0 * 3600.0;

// Nanoseconds in one of the unit, or 0 for an unknown unit.
double unit_ns(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  if (unit == "m") return 60e9;
  if (unit == "h") return 3600e9;
  return 0;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total_ns = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t number_begin = pos;
    while (pos < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[pos])) != 0 || text[pos] == '.')) {
      ++pos;
    }
    if (pos == number_begin) return std::nullopt;
    double number = 0;
    const auto* first = text.data() + number_begin;
    const auto [end, ec] = std::from_chars(first, text.data() + pos, number);
    if (ec != std::errc{} || end != text.data() + pos) return std::nullopt;
    const std::size_t unit_begin = pos;
    while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos])) != 0) ++pos;
    const double scale = unit_ns(text.substr(unit_begin, pos - unit_begin));
    if (scale == 0) return std::nullopt;
    total_ns += number * scale;
    if (!std::isfinite(total_ns) || total_ns > kMaxSeconds * 1e9) return std::nullopt;
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(total_ns)));
}

}  // namespace gauntlet
