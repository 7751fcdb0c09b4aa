#pragma once
// How every report (and threshold details) writes measured values, so that a latency reads the
// same in the summary table, the CSV and a failure message. Part of gauntlet::text, the one place
// where durations, rates and counts become text (and text becomes a duration).
// Names are distinct from exact_format.hpp's format_duration/format_number on purpose: those
// never round (validation messages), these always do (measurements).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace gauntlet {

namespace format_detail {

// `value` with `decimals` fixed decimals, trailing zeros (and a bare '.') removed.
inline std::string trimmed_fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string out = buf;
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  return out;
}

// Decimals that leave 3 significant digits for a positive value (0 for values >= 100).
inline int decimals_for_3_digits(double value) {
  if (value <= 0) return 0;
  const int magnitude = static_cast<int>(std::floor(std::log10(value)));
  return magnitude >= 2 ? 0 : 2 - magnitude;
}

// Rounds a positive value to 3 significant digits at any magnitude, so that the unit is chosen
// on the printed figure (999.7us prints as 1ms, not 1000us; 59.97s as 1m00s).
inline double round_3_digits(double value) {
  if (value <= 0) return value;
  const int magnitude = static_cast<int>(std::floor(std::log10(value)));
  // Multiply and divide by exact powers of ten only, so 59.97s rounds to exactly 60s.
  if (magnitude >= 2) {
    const double step = std::pow(10.0, magnitude - 2);
    return std::round(value / step) * step;
  }
  const double scale = std::pow(10.0, 2 - magnitude);
  return std::round(value * scale) / scale;
}

}  // namespace format_detail

// A number with at most 3 significant digits (integers >= 100 in full): 2.31, 12.3, 850, 12345.
inline std::string format_3_digits(double value) {
  if (!std::isfinite(value)) return "n/a";
  if (value < 0) return "-" + format_3_digits(-value);
  return format_detail::trimmed_fixed(value, format_detail::decimals_for_3_digits(value));
}

// A duration given in microseconds, in the largest unit that keeps it readable, 3 significant
// digits below a minute: 850us, 12.3ms, 2.31s, 1m05s, 1h02m; sub-microsecond values as 0.5us.
// "n/a" when not finite.
inline std::string format_duration_us(double us) {
  if (!std::isfinite(us)) return "n/a";
  if (us < 0) return "-" + format_duration_us(-us);
  const double r = format_detail::round_3_digits(us);
  if (r < 1e3) return format_3_digits(r) + "us";
  if (r < 1e6) return format_3_digits(r / 1e3) + "ms";
  if (r < 60e6) return format_3_digits(r / 1e6) + "s";
  const auto seconds = static_cast<long long>(std::llround(us / 1e6));
  char buf[48];
  if (seconds < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", seconds / 60, seconds % 60);
  } else {
    const long long minutes = (seconds + 30) / 60;
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", minutes / 60, minutes % 60);
  }
  return buf;
}

// A ratio 0..1 as a percentage with at most 2 decimals: 0.0052 -> "0.52%", 1 -> "100%". A
// non-zero share too small for 2 decimals keeps 2 significant digits (0.0012%), never "0%".
inline std::string format_percent(double ratio) {
  if (!std::isfinite(ratio)) return "n/a";
  const double pct = ratio * 100.0;
  if (pct > 0 && pct < 0.01) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2g%%", pct);
    return buf;
  }
  // Never round an imperfect success rate up to a perfect one.
  if (pct < 100 && pct > 99.99) return "99.99%";
  return format_detail::trimmed_fixed(pct, 2) + "%";
}

// A rate per second: "98.4/s", "1250/s".
inline std::string format_rate_per_s(double per_s) { return format_3_digits(per_s) + "/s"; }

}  // namespace gauntlet
