#pragma once
// `gauntlet report <results-dir> [--out DIR] [--quiet]`: the summary of a results directory.
// Lives in the gauntlet::cli library so that its argument parsing and exit codes are
// unit-tested; the executable only dispatches to run_report_command().
#include <filesystem>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "gauntlet/metrics/run_result.hpp"

namespace gauntlet {

inline constexpr int kReportExitOk = 0;      // every run PASSed or WARNed
inline constexpr int kReportExitFailed = 1;  // a run FAILed or is INCOMPLETE
inline constexpr int kReportExitUsage = 2;   // bad arguments, a malformed result, unwritable --out
inline constexpr int kReportExitNoResults = 3;  // the directory is missing or holds no results

inline constexpr std::string_view kReportUsage =
    "usage: gauntlet report <results-dir> [--out DIR] [--quiet]\n"
    "\n"
    "Summarises every result file (<results-dir>/*.json) as a table on stdout.\n"
    "  --out DIR    also write DIR/summary.txt and DIR/report.json (each replaced atomically)\n"
    "  --quiet      print only the totals line\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 every test passed or warned; 1 a test failed or is incomplete;\n"
    "2 bad usage, a malformed result file or an output that cannot be written;\n"
    "3 the directory is missing or holds no results.\n";

struct ReportArgs {
  std::filesystem::path results_dir;
  std::optional<std::filesystem::path> out_dir;
  bool quiet = false;
  bool help = false;  // -h/--help: print the usage, nothing else is required
};

// Parses the arguments after "report". Accepts "--out DIR" and "--out=DIR"; "--" ends the
// options. Throws ConfigError listing every problem (unknown option, missing or repeated value,
// missing or extra directory), each naming the argument.
ReportArgs parse_report_args(std::span<const std::string> args);

// The report.json document: {"schema_version":1,"results":[<result>...],"totals":{...}}.
nlohmann::json report_json(std::span<const RunResult> results);

// Writes `<out_dir>/summary.txt` and `<out_dir>/report.json`, creating out_dir. Each file is
// written to a .tmp sibling first and renamed over its name, so a reader never sees half a
// file. Throws std::system_error / std::filesystem::filesystem_error naming the path; the
// .tmp files are removed on failure.
void write_report_files(const std::filesystem::path& out_dir, std::string_view summary_text,
                        std::span<const RunResult> results);

// The whole subcommand: the summary to `out`, warnings and errors to `err`. Returns one of the
// kReportExit* codes; never throws for bad input, never calls exit().
int run_report_command(std::span<const std::string> args, std::ostream& out, std::ostream& err);

}  // namespace gauntlet
