#pragma once
// The canonical JSON form of a RunResult (schema_version kResultSchemaVersion), in both
// directions, and the reporter that writes it. Percentile figures in it are derived for readers;
// the serialised histograms are the source of truth and round-trip exactly. Times are ISO-8601
// UTC with milliseconds (text/utc_time.hpp), so a round trip keeps times to the millisecond.
#include <nlohmann/json.hpp>
#include <span>

#include "gauntlet/metrics/run_result.hpp"
#include "gauntlet/report/reporter.hpp"

namespace gauntlet {

// The canonical JSON document. Never throws for a well-formed RunResult.
nlohmann::json to_json(const RunResult& result);

// Inverse of to_json. Throws std::invalid_argument naming the offending field (e.g.
// "steps[1].histogram") when the document is malformed, and for a schema_version other than
// kResultSchemaVersion.
RunResult run_result_from_json(const nlohmann::json& doc);

// One result: its document, indented, then a newline. Several: one array of their documents.
// Invalid UTF-8 in a free-form field becomes U+FFFD rather than losing the report.
class JsonReporter : public Reporter {
 public:
  using Reporter::report;
  using Reporter::Reporter;
  void report(std::span<const RunResult> results) override;
};

}  // namespace gauntlet
