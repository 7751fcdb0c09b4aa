#include "gauntlet/cli/report_command.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "gauntlet/cli/report_subcommands.hpp"
#include "gauntlet/config_error.hpp"
#include "gauntlet/metrics/run_result.hpp"
#include "gauntlet/report/html_reporter.hpp"
#include "gauntlet/report/json_reporter.hpp"
#include "gauntlet/report/report_directory.hpp"
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
    if (fails_the_suite(r)) return kReportExitFailed;
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

// The report replaces its whole directory: it must not be, or contain, the results directory.
std::optional<std::string> out_dir_clash(const fs::path& out_dir, const fs::path& results_dir) {
  std::error_code ec;
  const fs::path out = fs::weakly_canonical(out_dir, ec);
  const fs::path results = fs::weakly_canonical(results_dir, ec);
  const auto [end, ignored] = std::mismatch(out.begin(), out.end(), results.begin(), results.end());
  if (end != out.end()) return std::nullopt;
  return "--out " + out_dir.string() + " is or contains the results directory " +
         results_dir.string() + "; the report replaces its whole directory, so give another one " +
         "(e.g. " + (results_dir / "report").string() + ")";
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

void write_report_directory(const fs::path& out_dir, const ResultsDir& loaded,
                            const HtmlAssets& assets) {
  // Everything is rendered first: nothing touches the disk unless every format is ready.
  const std::vector<DirectoryFile> files =
      report_directory_files(loaded.results, loaded.documents, assets);
  write_directory_atomically(out_dir, files);
}

int run_report_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && args[0] == "compare") return run_compare_command(args.subspan(1), out, err);
  if (!args.empty() && args[0] == "merge") return run_merge_command(args.subspan(1), out, err);
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
    if (const std::optional<std::string> clash =
            out_dir_clash(*parsed.out_dir, parsed.results_dir)) {
      err << "gauntlet report: " << *clash << "\nno report was written.\n";
      return kReportExitUsage;
    }
    try {
      write_report_directory(*parsed.out_dir, *loaded, load_html_assets(default_html_assets_dir()));
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
