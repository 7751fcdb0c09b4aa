#include "gauntlet/report/report_directory.hpp"

#include <sstream>
#include <string>

#include "gauntlet/report/csv_reporter.hpp"
#include "gauntlet/report/json_reporter.hpp"
#include "gauntlet/report/junit_reporter.hpp"
#include "gauntlet/report/summary_reporter.hpp"

namespace gauntlet {
namespace {

template <class ReporterT, class... Args>
std::string render(std::span<const RunResult> results, Args&&... args) {
  std::ostringstream text;
  ReporterT(text, std::forward<Args>(args)...).report(results);
  return text.str();
}

}  // namespace

nlohmann::json report_json(std::span<const RunResult> results) {
  nlohmann::json doc{{"schema_version", kResultSchemaVersion},
                     {"results", nlohmann::json::array()}};
  for (const RunResult& r : results) doc["results"].push_back(to_json(r));
  const SummaryTotals t = summary_totals(results);
  doc["totals"] = {
      {"tests", t.tests()},         {"pass", t.pass},    {"warn", t.warn}, {"fail", t.fail},
      {"incomplete", t.incomplete}, {"probes", t.probes}};
  return doc;
}

std::vector<DirectoryFile> report_directory_files(std::span<const RunResult> results,
                                                  std::span<const nlohmann::json> documents,
                                                  const HtmlAssets& assets) {
  std::vector<DirectoryFile> files;
  files.push_back({"summary.txt", render<SummaryReporter>(results, SummaryOptions{})});
  files.push_back(
      {"report.json",
       report_json(results).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"});
  files.push_back({"junit.xml", render<JunitReporter>(results)});
  files.push_back({"report.html", render<HtmlReporter>(results, assets, documents)});
  for (const RunResult& r : results) {
    // The result file's own name (parameterised tests' '/' flattened), without ".json".
    const std::string stem = result_file_path(r.name, "csv").replace_extension().string();
    for (CsvTable table : {CsvTable::kStats, CsvTable::kStatsHistory, CsvTable::kFailures}) {
      std::ostringstream text;
      CsvReporter(text, table).report(r);
      files.push_back({stem + std::string(csv_file_suffix(table)), text.str()});
    }
  }
  return files;
}

}  // namespace gauntlet
