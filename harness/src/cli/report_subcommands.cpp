#include "gauntlet/cli/report_subcommands.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "gauntlet/cli/report_command.hpp"
#include "gauntlet/report/json_reporter.hpp"
#include "gauntlet/report/result_compare.hpp"
#include "gauntlet/report/result_file.hpp"
#include "gauntlet/report/result_merge.hpp"
#include "gauntlet/report/results_dir.hpp"

namespace gauntlet {
namespace {

namespace fs = std::filesystem;

// A path that does not exist: exit 3 rather than 2.
struct Missing : std::runtime_error {
  using std::runtime_error::runtime_error;
};

fs::path report_json_of(const std::string& path) {
  const fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) return p / "report.json";
  return p;
}

bool is_help(std::span<const std::string> args) {
  for (const std::string& a : args) {
    if (a == "-h" || a == "--help") return true;
  }
  return false;
}

// The results of IN: a result file, or every result of a results directory.
std::vector<RunResult> read_inputs(const std::string& in) {
  std::error_code ec;
  if (fs::is_directory(in, ec)) {
    ResultsDir dir = read_results_dir(in);
    if (dir.results.empty()) throw Missing("no result files in " + in);
    return std::move(dir.results);
  }
  if (!fs::exists(in, ec)) throw Missing("input " + in + " does not exist");
  return {read_result_file(in)};
}

}  // namespace

std::vector<RunResult> read_report_results(const std::string& path) {
  const fs::path file = report_json_of(path);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Missing("report " + file.string() + " does not exist or cannot be read");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::invalid_argument("report " + file.string() +
                                " is not valid JSON (corrupt or truncated): " + e.what());
  }
  if (!doc.is_object() || !doc.contains("results") || !doc["results"].is_array()) {
    throw std::invalid_argument("report " + file.string() +
                                ": field 'results' is missing or not an array; expected the "
                                "report.json that gauntlet report --out writes");
  }
  std::vector<RunResult> results;
  for (std::size_t i = 0; i < doc["results"].size(); ++i) {
    try {
      results.push_back(run_result_from_json(doc["results"][i]));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("report " + file.string() + ": results[" + std::to_string(i) +
                                  "]: " + e.what());
    }
  }
  return results;
}

int run_compare_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  if (is_help(args)) {
    out << kCompareUsage;
    return kReportExitOk;
  }
  std::vector<std::string> paths;
  std::optional<fs::path> out_dir;
  CompareTolerances tolerances;
  try {
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--tolerance" && i + 1 < args.size()) {
        set_tolerance(tolerances, args[++i]);
      } else if (args[i] == "--out" && i + 1 < args.size()) {
        out_dir = fs::path(args[++i]);
      } else if (args[i].starts_with("-")) {
        throw std::invalid_argument("unknown option \"" + args[i] +
                                    "\" (expected --tolerance KEY=VALUE or --out DIR)");
      } else {
        paths.push_back(args[i]);
      }
    }
    if (paths.size() != 2) {
      throw std::invalid_argument("give two reports, BASE and NEW; got " +
                                  std::to_string(paths.size()));
    }
  } catch (const std::invalid_argument& e) {
    err << "gauntlet report compare: " << e.what() << "\n\n" << kCompareUsage;
    return kReportExitUsage;
  }
  try {
    const std::vector<RunResult> base = read_report_results(paths[0]);
    const std::vector<RunResult> now = read_report_results(paths[1]);
    const Comparison c = compare_results(base, now, tolerances);
    write_comparison_table(out, c);
    const fs::path dir = out_dir ? *out_dir : report_json_of(paths[1]).parent_path();
    fs::create_directories(dir.empty() ? fs::path(".") : dir);
    std::ostringstream html;
    write_comparison_html(html, c);
    write_file_atomically(dir / "compare.json", comparison_json(c).dump(2) + "\n");
    write_file_atomically(dir / "compare.html", html.str());
    return c.regression() ? kReportExitFailed : kReportExitOk;
  } catch (const Missing& e) {
    err << "gauntlet report compare: " << e.what() << '\n';
    return kReportExitNoResults;
  } catch (const std::exception& e) {
    err << "gauntlet report compare: " << e.what() << '\n';
    return kReportExitUsage;
  }
}

int run_merge_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  if (is_help(args)) {
    out << kMergeUsage;
    return kReportExitOk;
  }
  if (args.size() < 2) {
    err << "gauntlet report merge: give the output directory and at least one input\n\n"
        << kMergeUsage;
    return kReportExitUsage;
  }
  try {
    std::map<std::string, std::vector<RunResult>> by_test;
    for (std::size_t i = 1; i < args.size(); ++i) {
      for (RunResult& r : read_inputs(args[i])) by_test[r.name].push_back(std::move(r));
    }
    std::vector<RunResult> merged;  // all merged before any is written
    for (const auto& [name, results] : by_test) merged.push_back(merge_results(results));
    for (const RunResult& r : merged) write_result_file(r, args[0]);
    for (const auto& [name, results] : by_test) {
      out << "merged " << name << " from " << results.size() << " result"
          << (results.size() == 1 ? "" : "s") << '\n';
    }
    return kReportExitOk;
  } catch (const Missing& e) {
    err << "gauntlet report merge: " << e.what() << '\n';
    return kReportExitNoResults;
  } catch (const std::exception& e) {
    err << "gauntlet report merge: " << e.what() << '\n';
    return kReportExitUsage;
  }
}

}  // namespace gauntlet
