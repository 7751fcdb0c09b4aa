#include "gauntlet/gtest/stress_params.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <type_traits>
#include <utility>

#include "gauntlet/text/duration_parse.hpp"
#include "gauntlet/text/exact_format.hpp"

namespace gauntlet {
namespace {

template <class T>
std::optional<T> parse_number(const std::string& text) {
  T value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

StressParams::StressParams(Scale scale, EnvLookup env) : scale_(scale), env_(std::move(env)) {}

std::string StressParams::env_name(std::string_view name) {
  std::string out = "GAUNTLET_";
  for (const char c : name) {
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<std::string> StressParams::override_for(std::string_view name) const {
  return env_(env_name(name));
}

void StressParams::remember(std::string_view name, const nlohmann::json& value, bool overridden) {
  used_[std::string(name)] = {
      {"value", value},
      {"source", overridden ? env_name(name) : "scale " + std::string(to_string(scale_))}};
}

template <class T, class Parse, class Format>
T StressParams::pick(std::string_view name, const PerScale<T>& values, T min, T max, Parse parse,
                     std::string_view expected, Format format) {
  T value = values.at(scale_);
  const auto text = override_for(name);
  if (text) {
    const std::optional<T> parsed = parse(*text);
    if (!parsed) {
      problems_.add(env_name(name) + " must be " + std::string(expected) + ", got \"" + *text +
                    "\"");
    } else if (*parsed < min || *parsed > max) {
      problems_.add(env_name(name) + " must be between " + format(min) + " and " + format(max) +
                    ", got " + *text);
    } else {
      value = *parsed;
    }
  }
  // Numbers stay numbers in the result file; durations are written as text ("2m").
  if constexpr (std::is_arithmetic_v<T>) {
    remember(name, value, text.has_value());
  } else {
    remember(name, format(value), text.has_value());
  }
  return value;
}

std::int64_t StressParams::integer(std::string_view name, PerScale<std::int64_t> values,
                                   std::int64_t min, std::int64_t max) {
  return pick(name, values, min, max, parse_number<std::int64_t>, "a whole number",
              [](std::int64_t v) { return std::to_string(v); });
}

double StressParams::number(std::string_view name, PerScale<double> values, double min,
                            double max) {
  const auto parse_finite = [](const std::string& text) -> std::optional<double> {
    const auto parsed = parse_number<double>(text);
    if (!parsed || !std::isfinite(*parsed)) return std::nullopt;
    return parsed;
  };
  return pick(name, values, min, max, parse_finite, "a finite number",
              [](double v) { return format_number(v); });
}

std::chrono::nanoseconds StressParams::duration(std::string_view name,
                                                PerScale<std::chrono::nanoseconds> values,
                                                std::chrono::nanoseconds min,
                                                std::chrono::nanoseconds max) {
  return pick(
      name, values, min, max, [](const std::string& text) { return parse_duration(text); },
      "a duration with a unit such as 500ms, 30s or 2m",
      [](std::chrono::nanoseconds d) { return format_duration(d); });
}

}  // namespace gauntlet
