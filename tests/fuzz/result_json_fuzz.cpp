// Fuzz target: reading a result document (and the histograms inside it) either succeeds or throws
// std::invalid_argument; a document that reads back must write and read again to the same JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "gauntlet/metrics/run_result.hpp"
#include "gauntlet/report/json_reporter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto doc = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return 0;
  try {
    const auto result = gauntlet::run_result_from_json(doc);
    const auto again = gauntlet::to_json(result);
    if (gauntlet::to_json(gauntlet::run_result_from_json(again)) != again) std::abort();
  } catch (const std::invalid_argument&) {
    // The expected answer to a malformed document.
  }
  return 0;
}
