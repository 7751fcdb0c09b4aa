#include "gauntlet/cli/report_command.hpp"

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "gauntlet/config_error.hpp"
#include "gauntlet/metrics/run_result.hpp"
#include "gauntlet/report/json_reporter.hpp"
#include "gauntlet/report/result_file.hpp"
#include "gauntlet/report/results_dir.hpp"
#include "gauntlet/report/run_status.hpp"
#include "gauntlet/report/summary_reporter.hpp"

namespace gauntlet {
namespace {

namespace fs = std::filesystem;

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Applies "--out" with its value (from "--out=DIR" or the next argument).
void set_out_dir(ReportArgs& parsed, std::optional<std::string> value, Problems& problems) {
  if (!value) {
    problems.add("--out needs a directory after it, e.g. --out build/report");
  } else if (value->empty()) {
    problems.add("--out must name a directory, got an empty value");
  } else if (parsed.out_dir) {
    problems.add("--out is given twice (" + in_quotes(parsed.out_dir->string()) + " and " +
                 in_quotes(*value) + "); give it once");
  } else {
    parsed.out_dir = fs::path(*value);
  }
}

void set_results_dir(ReportArgs& parsed, const std::string& value, bool& have_dir,
                     Problems& problems) {
  if (have_dir) {
    problems.add("unexpected argument " + in_quotes(value) +
                 ": give one results directory (already " + in_quotes(parsed.results_dir.string()) +
                 ")");
    return;
  }
  if (value.empty()) {
    problems.add("the results directory must not be an empty string");
  }
  parsed.results_dir = fs::path(value);
  have_dir = true;
}

int exit_code_for(std::span<const RunResult> results) {
  for (const RunResult& r : results) {
    if (!is_success(run_status(r))) return kReportExitFailed;
  }
  return kReportExitOk;
}

// Reads the directory; on failure says why on `err` and returns the exit code in `code`.
std::optional<ResultsDir> load(const fs::path& dir, std::ostream& err, int& code) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    err << "gauntlet report: results directory " << dir << " does not exist or is not a "
        << "directory\n";
    code = kReportExitNoResults;
    return std::nullopt;
  }
  try {
    ResultsDir loaded = read_results_dir(dir);
    for (const std::string& w : loaded.warnings) err << "gauntlet report: warning: " << w << '\n';
    if (loaded.results.empty()) {
      err << "gauntlet report: no result files in " << dir
          << " (expected <Suite>.<Test>.json written by a stress test)\n";
      code = kReportExitNoResults;
      return std::nullopt;
    }
    return loaded;
  } catch (const std::exception& e) {  // a malformed result or an unreadable file
    err << "gauntlet report: " << e.what() << "\nno report was written.\n";
    code = kReportExitUsage;
    return std::nullopt;
  }
}

}  // namespace

ReportArgs parse_report_args(std::span<const std::string> args) {
  ReportArgs parsed;
  Problems problems;
  bool have_dir = false;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.empty() || arg[0] != '-' || arg == "-") {
      set_results_dir(parsed, arg, have_dir, problems);
    } else if (arg == "--") {
      options_done = true;
    } else if (arg == "-h" || arg == "--help") {
      parsed.help = true;
    } else if (arg == "-q" || arg == "--quiet") {
      parsed.quiet = true;
    } else if (arg == "--out") {
      const bool has_value = i + 1 < args.size() && !args[i + 1].starts_with("--");
      set_out_dir(parsed, has_value ? std::optional(args[++i]) : std::nullopt, problems);
    } else if (arg.starts_with("--out=")) {
      set_out_dir(parsed, arg.substr(6), problems);
    } else {
      problems.add("unknown option " + in_quotes(arg) + " (expected --out DIR, --quiet or --help)");
    }
  }
  if (!have_dir && !parsed.help) {
    problems.add("missing the results directory, e.g. gauntlet report build/results");
  }
  if (!parsed.help) problems.throw_if_any();
  return parsed;
}

nlohmann::json report_json(std::span<const RunResult> results) {
  nlohmann::json doc{{"schema_version", kResultSchemaVersion},
                     {"results", nlohmann::json::array()}};
  for (const RunResult& r : results) doc["results"].push_back(to_json(r));
  const SummaryTotals t = summary_totals(results);
  doc["totals"] = {{"tests", t.tests()},
                   {"pass", t.pass},
                   {"warn", t.warn},
                   {"fail", t.fail},
                   {"incomplete", t.incomplete}};
  return doc;
}

void write_report_files(const fs::path& out_dir, std::string_view summary_text,
                        std::span<const RunResult> results) {
  // Serialise first: nothing touches the disk unless both documents are ready.
  const std::string json =
      report_json(results).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  fs::create_directories(out_dir);
  write_file_atomically(out_dir / "report.json", json);
  write_file_atomically(out_dir / "summary.txt", summary_text);
}

int run_report_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  ReportArgs parsed;
  try {
    parsed = parse_report_args(args);
  } catch (const ConfigError& e) {
    for (const std::string& p : e.problems()) err << "gauntlet report: " << p << '\n';
    err << '\n' << kReportUsage;
    return kReportExitUsage;
  }
  if (parsed.help) {
    out << kReportUsage;
    return kReportExitOk;
  }
  int code = kReportExitOk;
  const std::optional<ResultsDir> loaded = load(parsed.results_dir, err, code);
  if (!loaded) return code;
  std::ostringstream summary;
  SummaryReporter(summary).report(loaded->results);
  if (parsed.out_dir) {
    try {
      write_report_files(*parsed.out_dir, summary.str(), loaded->results);
    } catch (const std::exception& e) {
      err << "gauntlet report: cannot write the report to " << *parsed.out_dir << ": " << e.what()
          << '\n';
      return kReportExitUsage;
    }
  }
  out << (parsed.quiet ? summary_totals_line(summary_totals(loaded->results)) + "\n"
                       : summary.str());
  return exit_code_for(loaded->results);
}

}  // namespace gauntlet
