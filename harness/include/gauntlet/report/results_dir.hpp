#pragma once
// Reading a directory of result files (one `<Suite>.<Test>.json` per run) for the reports.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gauntlet/metrics/run_result.hpp"

namespace gauntlet {

struct ResultsDir {
  std::vector<RunResult> results;  // in file-name order, so reports are reproducible
  // Each result's document as read, parallel to `results`: what the HTML report draws from
  // sections a RunResult does not model (monitor, timeline, breaking_point).
  std::vector<nlohmann::json> documents;
  std::vector<std::string> warnings;  // one sentence per .json file that was skipped
};

// Reads every `<dir>/*.json` that is a result document (a JSON object with "schema_version" and
// "name"). Skips silently the files that are not .json (CTest's junit.xml, *.json.tmp, logs),
// with a warning JSON documents that are not results (report.json); ignores subdirectories.
// Throws std::invalid_argument naming the file, and the field when there is one, for a .json file
// that is not valid JSON or is an invalid result: a broken result must never silently drop out of
// a report. Throws std::filesystem::filesystem_error / std::system_error naming the path when the
// directory or a file cannot be read.
ResultsDir read_results_dir(const std::filesystem::path& dir);

}  // namespace gauntlet
