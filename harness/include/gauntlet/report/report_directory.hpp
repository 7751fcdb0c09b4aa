#pragma once
// The report directory `gauntlet report --out DIR` writes, as a list of files rendered in memory
// (so that nothing reaches the disk unless every format rendered, and write_directory_atomically
// can put them in place whole):
//   summary.txt    the SummaryReporter's text
//   report.json    {"schema_version":1,"results":[<result>...],"totals":{...}}
//   junit.xml      the JunitReporter's document
//   report.html    the HtmlReporter's page
//   csv/<name>_stats.csv, _stats_history.csv, _failures.csv   Locust's tables per run
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "gauntlet/metrics/run_result.hpp"
#include "gauntlet/report/html_reporter.hpp"
#include "gauntlet/report/result_file.hpp"

namespace gauntlet {

// The report.json document.
nlohmann::json report_json(std::span<const RunResult> results);

// Every file of the report directory. documents: each result's file as read (parallel to
// results, or empty), for the HTML report's optional sections.
std::vector<DirectoryFile> report_directory_files(std::span<const RunResult> results,
                                                  std::span<const nlohmann::json> documents,
                                                  const HtmlAssets& assets);

}  // namespace gauntlet
