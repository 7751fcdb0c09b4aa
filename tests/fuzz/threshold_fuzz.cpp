// Fuzz target: the threshold parser must either return a threshold or throw ConfigError, for any
// bytes, and an accepted expression must evaluate without crashing on empty metrics.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gauntlet/config_error.hpp"
#include "gauntlet/metrics/run_metrics.hpp"
#include "gauntlet/metrics/threshold.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto threshold = gauntlet::parse_threshold(text);
    const gauntlet::RunMetrics empty;
    (void)gauntlet::evaluate(threshold, empty, 1.0);
  } catch (const gauntlet::ConfigError&) {
    // The expected answer to bad input.
  }
  return 0;
}
