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
// bad arguments, a malformed, truncated or newer-schema result, an unwritable --out
inline constexpr int kReportExitUsage = 2;
inline constexpr int kReportExitNoResults = 3;  // the directory is missing or holds no results

inline constexpr std::string_view kReportUsage =
    "usage: gauntlet report <results-dir> [--out DIR] [--quiet]\n"
    "       gauntlet report compare BASE NEW [--tolerance KEY=VALUE]... [--out DIR]\n"
    "       gauntlet report merge OUT IN...\n"
    "\n"
    "Summarises every result file (<results-dir>/*.json) as a table on stdout.\n"
    "  --out DIR    also write the report directory DIR (replaced whole, atomically):\n"
    "               summary.txt, report.json, junit.xml, report.html, csv/<test>_*.csv\n"
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

// Writes the report directory (report/report_directory.hpp) at out_dir atomically: the
// previous directory stays whole until the new one replaces it. Throws std::runtime_error when
// the HTML assets are missing, std::system_error / std::filesystem::filesystem_error naming the
// path when the directory cannot be written.
struct ResultsDir;
struct HtmlAssets;
void write_report_directory(const std::filesystem::path& out_dir, const ResultsDir& loaded,
                            const HtmlAssets& assets);

// The whole subcommand: the summary to `out`, warnings and errors to `err`. Returns one of the
// kReportExit* codes; never throws for bad input, never calls exit().
int run_report_command(std::span<const std::string> args, std::ostream& out, std::ostream& err);

}  // namespace gauntlet
