#include "gauntlet/gtest/stress_params.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

#include "gauntlet/load/format.hpp"
#include "gauntlet/metrics/units.hpp"

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

std::int64_t StressParams::integer(std::string_view name, PerScale<std::int64_t> values,
                                   std::int64_t min, std::int64_t max) {
  std::int64_t value = values.at(scale_);
  const auto text = override_for(name);
  if (text) {
    const auto parsed = parse_number<std::int64_t>(*text);
    if (!parsed) {
      problems_.add(env_name(name) + " must be a whole number, got \"" + *text + "\"");
    } else if (*parsed < min || *parsed > max) {
      problems_.add(env_name(name) + " must be between " + std::to_string(min) + " and " +
                    std::to_string(max) + ", got " + *text);
    } else {
      value = *parsed;
    }
  }
  remember(name, value, text.has_value());
  return value;
}

double StressParams::number(std::string_view name, PerScale<double> values, double min,
                            double max) {
  double value = values.at(scale_);
  const auto text = override_for(name);
  if (text) {
    const auto parsed = parse_number<double>(*text);
    if (!parsed || !std::isfinite(*parsed)) {
      problems_.add(env_name(name) + " must be a finite number, got \"" + *text + "\"");
    } else if (*parsed < min || *parsed > max) {
      problems_.add(env_name(name) + " must be between " + std::to_string(min) + " and " +
                    std::to_string(max) + ", got " + *text);
    } else {
      value = *parsed;
    }
  }
  remember(name, value, text.has_value());
  return value;
}

std::chrono::nanoseconds StressParams::duration(std::string_view name,
                                                PerScale<std::chrono::nanoseconds> values,
                                                std::chrono::nanoseconds min,
                                                std::chrono::nanoseconds max) {
  auto value = values.at(scale_);
  const auto text = override_for(name);
  if (text) {
    const auto parsed = parse_duration(*text);
    if (!parsed) {
      problems_.add(env_name(name) +
                    " must be a duration with a unit such as 500ms, 30s or 2m, got \"" + *text +
                    "\"");
    } else if (*parsed < min || *parsed > max) {
      problems_.add(env_name(name) + " must be between " + format_duration(min) + " and " +
                    format_duration(max) + ", got " + *text);
    } else {
      value = *parsed;
    }
  }
  remember(name, format_duration(value), text.has_value());
  return value;
}

}  // namespace gauntlet
