#pragma once
// Stress parameters: one value per scale, each overridable by an environment variable named
// after it (vus -> GAUNTLET_VUS). Every problem (an unparsable or out-of-range value) is
// collected; check() throws one ConfigError naming each variable, value and limit, so a bad
// override stops the test before any load is sent and before any report is written.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gauntlet/config_error.hpp"
#include "gauntlet/gtest/scale.hpp"

namespace gauntlet {

template <class T>
struct PerScale {
  T smoke;
  T ci;
  T full;
  const T& at(Scale s) const noexcept {
    return s == Scale::kSmoke ? smoke : s == Scale::kCi ? ci : full;
  }
};

class StressParams {
 public:
  StressParams(Scale scale, EnvLookup env);

  Scale scale() const noexcept { return scale_; }

  // The value for the current scale, or the override from GAUNTLET_<NAME>, within [min, max].
  // On a bad override the problem is collected and the scale's value returned.
  std::int64_t integer(std::string_view name, PerScale<std::int64_t> values, std::int64_t min,
                       std::int64_t max);
  double number(std::string_view name, PerScale<double> values, double min, double max);
  std::chrono::nanoseconds duration(std::string_view name,
                                    PerScale<std::chrono::nanoseconds> values,
                                    std::chrono::nanoseconds min, std::chrono::nanoseconds max);

  // Throws ConfigError listing every problem found so far.
  void check() const { problems_.throw_if_any(); }
  // {"vus": {"value": 20, "source": "scale ci"}, ...} for the result file.
  const nlohmann::json& to_json() const noexcept { return used_; }

  // "vus" -> "GAUNTLET_VUS".
  static std::string env_name(std::string_view name);

 private:
  std::optional<std::string> override_for(std::string_view name) const;
  // Every kind of parameter: the scale's value or a valid override; a bad override is a problem.
  template <class T, class Parse, class Format>
  T pick(std::string_view name, const PerScale<T>& values, T min, T max, Parse parse,
         std::string_view expected, Format format);
  void remember(std::string_view name, const nlohmann::json& value, bool overridden);

  Scale scale_;
  EnvLookup env_;
  Problems problems_;
  nlohmann::json used_ = nlohmann::json::object();
};

}  // namespace gauntlet
