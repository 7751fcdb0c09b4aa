#pragma once
// `gauntlet report compare` and `gauntlet report merge`: the subcommands of `gauntlet report`
// that read reports and results rather than write a report directory. Exit codes as
// `gauntlet report`'s (report_command.hpp); never throw for bad input.
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gauntlet/metrics/run_result.hpp"

namespace gauntlet {

inline constexpr std::string_view kCompareUsage =
    "usage: gauntlet report compare BASE NEW [--tolerance KEY=VALUE]... [--out DIR]\n"
    "\n"
    "Compares two runs of the suite, each a report directory (with report.json) or a\n"
    "report.json file: per test and step, p50/p95/p99, rate and error rate. A figure regresses\n"
    "only beyond its tolerance (defaults: p50=0.15 p95=0.20 p99=0.30 relative, with latency\n"
    "changes under min_latency_ms=1 ignored; rate=0.10 relative drop; error_rate=0.01 absolute).\n"
    "Prints a table; writes compare.json and compare.html into DIR (default: NEW's directory).\n"
    "\n"
    "Exit status: 0 no regression; 1 a regression; 2 bad usage or a malformed report;\n"
    "3 a report is missing.\n";

inline constexpr std::string_view kMergeUsage =
    "usage: gauntlet report merge OUT IN...\n"
    "\n"
    "Merges results of the same test from several processes (each IN a result file or a results\n"
    "directory) exactly: histograms merged, counts summed, series aligned by wall time,\n"
    "thresholds judged again. Writes one <Suite>.<Test>.json per test into the directory OUT.\n"
    "\n"
    "Exit status: 0 merged; 2 bad usage, a malformed result or results that do not merge;\n"
    "3 an input is missing or holds no results.\n";

// The results of a report directory (its report.json) or of a report.json file. Throws
// std::invalid_argument naming the file and field when it is malformed, std::runtime_error when
// it does not exist.
std::vector<RunResult> read_report_results(const std::string& path);

int run_compare_command(std::span<const std::string> args, std::ostream& out, std::ostream& err);
int run_merge_command(std::span<const std::string> args, std::ostream& out, std::ostream& err);

}  // namespace gauntlet
