#include "gauntlet/cli/report_command.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "gauntlet/config_error.hpp"
#include "gauntlet/metrics/threshold.hpp"
#include "gauntlet/report/json_reporter.hpp"
#include "gauntlet/report/result_file.hpp"
#include "support/temp_dir.hpp"

namespace gauntlet {
namespace {

namespace fs = std::filesystem;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using gauntlet::testing::TempDir;

// A run of 100 iterations at 1..100 ms with its thresholds evaluated.
RunResult make_result(std::string name, const std::vector<std::string>& thresholds) {
  RunResult r;
  r.name = std::move(name);
  r.scale = "smoke";
  r.duration_s = 5;
  r.achieved_rate_per_s = 20;
  for (std::int64_t i = 1; i <= 100; ++i) r.metrics.iteration.latency.record(i * 1000);
  r.metrics.iteration.ok = 100;
  for (const Threshold& t : parse_thresholds(thresholds)) {
    r.thresholds.push_back(evaluate(t, r.metrics, r.duration_s));
  }
  return r;
}

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome run_command(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = run_report_command(args, out, err);
  return {code, out.str(), err.str()};
}

// ---- argument parsing --------------------------------------------------------------------

TEST(ReportArgs, DirectoryAloneUsesDefaults) {
  const ReportArgs a = parse_report_args(std::vector<std::string>{"build/results"});
  EXPECT_EQ(a.results_dir, fs::path("build/results"));
  EXPECT_FALSE(a.out_dir.has_value());
  EXPECT_FALSE(a.quiet);
  EXPECT_FALSE(a.help);
}

TEST(ReportArgs, OutAndQuietInEitherSpellingAndOrder) {
  const ReportArgs a =
      parse_report_args(std::vector<std::string>{"--out", "rep", "res", "--quiet"});
  EXPECT_EQ(a.results_dir, fs::path("res"));
  EXPECT_EQ(a.out_dir, fs::path("rep"));
  EXPECT_TRUE(a.quiet);
  const ReportArgs b = parse_report_args(std::vector<std::string>{"-q", "res", "--out=rep2"});
  EXPECT_EQ(b.out_dir, fs::path("rep2"));
  EXPECT_TRUE(b.quiet);
}

TEST(ReportArgs, DoubleDashEndsOptions) {
  const ReportArgs a = parse_report_args(std::vector<std::string>{"--", "-odd-dir"});
  EXPECT_EQ(a.results_dir, fs::path("-odd-dir"));
}

TEST(ReportArgs, HelpNeedsNothingElse) {
  EXPECT_TRUE(parse_report_args(std::vector<std::string>{"--help"}).help);
  EXPECT_TRUE(parse_report_args(std::vector<std::string>{"-h", "--bogus"}).help);
}

// Every problem of a bad command line, in order, from one ConfigError.
std::vector<std::string> arg_problems(const std::vector<std::string>& args) {
  try {
    parse_report_args(args);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return {};
}

TEST(ReportArgs, EveryProblemIsNamedAtOnce) {
  EXPECT_THAT(
      arg_problems({"--bogus"}),
      ::testing::ElementsAre("unknown option \"--bogus\" (expected --out DIR, --quiet or --help)",
                             "missing the results directory, e.g. gauntlet report build/results"));
}

TEST(ReportArgs, OutNeedsOneNonEmptyValue) {
  EXPECT_THAT(arg_problems({"res", "--out"}),
              ::testing::ElementsAre("--out needs a directory after it, e.g. --out build/report"));
  EXPECT_THAT(arg_problems({"res", "--out", "--quiet"}),
              ::testing::ElementsAre("--out needs a directory after it, e.g. --out build/report"));
  EXPECT_THAT(arg_problems({"res", "--out="}),
              ::testing::ElementsAre("--out must name a directory, got an empty value"));
  EXPECT_THAT(arg_problems({"res", "--out", "a", "--out=b"}),
              ::testing::ElementsAre("--out is given twice (\"a\" and \"b\"); give it once"));
}

TEST(ReportArgs, OnlyOneResultsDirectory) {
  EXPECT_THAT(arg_problems({"one", "two"}),
              ::testing::ElementsAre(
                  "unexpected argument \"two\": give one results directory (already \"one\")"));
}

// ---- the command ---------------------------------------------------------------------------

TEST(ReportCommand, BadUsageExitsTwoNamingTheFlagWithUsage) {
  const Outcome r = run_command({"results", "--verbose"});
  EXPECT_EQ(r.code, kReportExitUsage);
  EXPECT_THAT(r.err, StartsWith("gauntlet report: unknown option \"--verbose\""));
  EXPECT_THAT(r.err, HasSubstr("usage: gauntlet report <results-dir>"));
  EXPECT_EQ(r.out, "");
}

TEST(ReportCommand, HelpPrintsUsageAndSucceeds) {
  const Outcome r = run_command({"--help"});
  EXPECT_EQ(r.code, kReportExitOk);
  EXPECT_EQ(r.out, std::string(kReportUsage));
}

TEST(ReportCommand, MissingDirectoryExitsThree) {
  const TempDir tmp;
  const Outcome r = run_command({(tmp.path() / "nope").string()});
  EXPECT_EQ(r.code, kReportExitNoResults);
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
  EXPECT_THAT(r.err, HasSubstr("nope"));
}

TEST(ReportCommand, EmptyDirectoryExitsThree) {
  const TempDir tmp;
  const Outcome r = run_command({tmp.path().string(), "--out", (tmp.path() / "rep").string()});
  EXPECT_EQ(r.code, kReportExitNoResults);
  EXPECT_THAT(r.err, HasSubstr("no result files in"));
  EXPECT_FALSE(fs::exists(tmp.path() / "rep"));
}

// CTest's junit.xml and logs live next to the results: not results, and not worth a warning.
TEST(ReportCommand, NonJsonFilesAreSkippedSilently) {
  const TempDir tmp;
  write_text(tmp.path() / "junit.xml", "<testsuites/>");
  write_text(tmp.path() / "Flow.A.json.tmp", "{");
  const Outcome empty = run_command({tmp.path().string()});
  EXPECT_EQ(empty.code, kReportExitNoResults);
  EXPECT_THAT(empty.err, Not(HasSubstr("junit.xml")));
  EXPECT_THAT(empty.err, Not(HasSubstr("warning")));
  write_result_file(make_result("Flow.Pass", {"p(95)<1s"}), tmp.path());
  const Outcome r = run_command({tmp.path().string()});
  EXPECT_EQ(r.code, kReportExitOk);
  EXPECT_EQ(r.err, "");
}

TEST(ReportCommand, AResultOfANewerSchemaNamesFileAndFieldAndWritesNothing) {
  const TempDir tmp;
  nlohmann::json doc = to_json(make_result("Flow.Future", {}));
  doc["schema_version"] = 99;
  write_text(tmp.path() / "Flow.Future.json", doc.dump());
  const Outcome r = run_command({tmp.path().string(), "--out", (tmp.path() / "rep").string()});
  EXPECT_EQ(r.code, kReportExitUsage);
  EXPECT_THAT(r.err, HasSubstr("Flow.Future.json"));
  EXPECT_THAT(r.err, HasSubstr("'schema_version' is 99, newer than this build reads"));
  EXPECT_FALSE(fs::exists(tmp.path() / "rep"));
}

TEST(ReportCommand, AllPassOrWarnExitsZeroAndPrintsTheTable) {
  const TempDir tmp;
  write_result_file(make_result("Flow.Pass", {"p(95)<1s"}), tmp.path());
  write_result_file(make_result("Flow.Warn", {"p(95)<100ms"}), tmp.path());
  const Outcome r = run_command({tmp.path().string()});
  EXPECT_EQ(r.code, kReportExitOk) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("[PASS] Flow.Pass\n"));
  EXPECT_THAT(r.out, HasSubstr("[WARN] Flow.Warn\n"));
  // File-name order: Pass before Warn.
  EXPECT_LT(r.out.find("Flow.Pass"), r.out.find("Flow.Warn"));
  EXPECT_THAT(r.out, EndsWith("summary: 2 tests — 1 PASS, 1 WARN, 0 FAIL, 0 incomplete\n"));
}

TEST(ReportCommand, AFailOrAnIncompleteRunExitsOne) {
  const TempDir fail_dir;
  write_result_file(make_result("Flow.Pass", {"p(95)<1s"}), fail_dir.path());
  write_result_file(make_result("Flow.Fail", {"p(95)<10ms"}), fail_dir.path());
  EXPECT_EQ(run_command({fail_dir.path().string()}).code, kReportExitFailed);

  const TempDir incomplete_dir;
  RunResult stopped = make_result("Flow.Stopped", {"p(95)<1s"});
  stopped.incomplete = true;
  stopped.stop_reason = "interrupted";
  write_result_file(stopped, incomplete_dir.path());
  const Outcome r = run_command({incomplete_dir.path().string()});
  EXPECT_EQ(r.code, kReportExitFailed);
  EXPECT_THAT(r.out, HasSubstr("[INCOMPLETE] Flow.Stopped"));
}

// A probe (a breaking-point level above capacity, a run meant to be stopped) is judged by its
// test: shown as measured, never failing the report. The same runs without the mark do fail it.
TEST(ReportCommand, AFailingOrStoppedProbeDoesNotFailTheReport) {
  const TempDir dir;
  RunResult level = make_result("Heavy.Search.level-1200", {"p(95)<10ms"});
  level.extra["probe"] = true;
  RunResult stopped = make_result("Heavy.Exhaustion", {"p(95)<1s"});
  stopped.incomplete = true;
  stopped.stop_reason = "the resource monitor stopped the run";
  stopped.extra["probe"] = true;
  write_result_file(make_result("Flow.Pass", {"p(95)<1s"}), dir.path());
  write_result_file(level, dir.path());
  write_result_file(stopped, dir.path());
  const Outcome r = run_command({dir.path().string()});
  EXPECT_EQ(r.code, kReportExitOk) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("[FAIL \u00b7 probe] Heavy.Search.level-1200\n"));
  EXPECT_THAT(r.out, HasSubstr("[INCOMPLETE \u00b7 probe] Heavy.Exhaustion\n"));
  EXPECT_THAT(r.out, EndsWith("summary: 3 tests — 1 PASS, 0 WARN, 0 FAIL, 0 incomplete, 2 probes "
                              "judged by their tests\n"));

  const TempDir unmarked;
  level.extra.erase("probe");
  write_result_file(level, unmarked.path());
  EXPECT_EQ(run_command({unmarked.path().string()}).code, kReportExitFailed);
}

TEST(ReportCommand, QuietPrintsOnlyTheTotals) {
  const TempDir tmp;
  write_result_file(make_result("Flow.Pass", {"p(95)<1s"}), tmp.path());
  const Outcome r = run_command({tmp.path().string(), "--quiet"});
  EXPECT_EQ(r.code, kReportExitOk);
  EXPECT_EQ(r.out, "summary: 1 test — 1 PASS, 0 WARN, 0 FAIL, 0 incomplete\n");
}

TEST(ReportCommand, OutWritesTheWholeReportDirectoryWithNoTempFilesLeft) {
  const TempDir tmp;
  const fs::path results = tmp.path() / "results";
  const fs::path out_dir = tmp.path() / "report" / "nested";
  write_result_file(make_result("Flow.A", {"p(95)<1s"}), results);
  write_result_file(make_result("Flow.B", {"p(95)<10ms"}), results);
  const Outcome r = run_command({results.string(), "--out", out_dir.string()});
  EXPECT_EQ(r.code, kReportExitFailed) << r.err;
  EXPECT_EQ(read_text(out_dir / "summary.txt"), r.out);
  const nlohmann::json doc = nlohmann::json::parse(read_text(out_dir / "report.json"));
  EXPECT_EQ(doc.at("schema_version"), 1);
  ASSERT_EQ(doc.at("results").size(), 2u);
  EXPECT_EQ(doc.at("results")[0].at("name"), "Flow.A");
  EXPECT_EQ(run_result_from_json(doc.at("results")[1]).name, "Flow.B");
  EXPECT_EQ(doc.at("totals").at("fail"), 1);
  EXPECT_EQ(doc.at("totals").at("pass"), 1);
  EXPECT_THAT(read_text(out_dir / "junit.xml"), HasSubstr("<testsuite name=\"Flow\""));
  EXPECT_THAT(read_text(out_dir / "report.html"), HasSubstr("uPlot"));
  EXPECT_THAT(read_text(out_dir / "csv" / "Flow.A_stats.csv"), StartsWith("Type,Name,"));
  EXPECT_TRUE(fs::exists(out_dir / "csv" / "Flow.B_stats_history.csv"));
  EXPECT_TRUE(fs::exists(out_dir / "csv" / "Flow.B_failures.csv"));
  for (const auto& entry : fs::recursive_directory_iterator(tmp.path() / "report")) {
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

TEST(ReportCommand, ASecondReportReplacesTheDirectoryWhole) {
  const TempDir tmp;
  const fs::path results = tmp.path() / "results";
  const fs::path out_dir = tmp.path() / "report";
  write_result_file(make_result("Flow.A", {"p(95)<1s"}), results);
  ASSERT_EQ(run_command({results.string(), "--out", out_dir.string()}).code, kReportExitOk);
  write_text(out_dir / "stale.txt", "from before");
  ASSERT_EQ(run_command({results.string(), "--out", out_dir.string()}).code, kReportExitOk);
  EXPECT_FALSE(fs::exists(out_dir / "stale.txt"));
  EXPECT_TRUE(fs::exists(out_dir / "report.html"));
  std::vector<std::string> siblings;
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    siblings.push_back(e.path().filename().string());
  }
  EXPECT_THAT(siblings, ::testing::UnorderedElementsAre("results", "report"));
}

TEST(ReportCommand, AReportThatCannotBeRenderedLeavesThePreviousOneWhole) {
  const TempDir tmp;
  const fs::path results = tmp.path() / "results";
  const fs::path out_dir = tmp.path() / "report";
  write_result_file(make_result("Flow.A", {"p(95)<1s"}), results);
  ASSERT_EQ(run_command({results.string(), "--out", out_dir.string()}).code, kReportExitOk);
  const std::string before = read_text(out_dir / "report.html");
  ASSERT_EQ(::setenv("GAUNTLET_REPORT_ASSETS", (tmp.path() / "no-assets").c_str(), 1), 0);
  const Outcome r = run_command({results.string(), "--out", out_dir.string()});
  ::unsetenv("GAUNTLET_REPORT_ASSETS");
  EXPECT_EQ(r.code, kReportExitUsage);
  EXPECT_THAT(r.err, HasSubstr("uPlot.iife.min.js"));
  EXPECT_THAT(r.err, HasSubstr("run scripts/setup"));
  EXPECT_EQ(read_text(out_dir / "report.html"), before);
}

TEST(ReportCommand, OutMustNotBeTheResultsDirectory) {
  const TempDir tmp;
  write_result_file(make_result("Flow.A", {"p(95)<1s"}), tmp.path() / "results");
  for (const fs::path& out : {tmp.path() / "results", tmp.path()}) {
    const Outcome r = run_command({(tmp.path() / "results").string(), "--out", out.string()});
    EXPECT_EQ(r.code, kReportExitUsage) << out;
    EXPECT_THAT(r.err, HasSubstr("is or contains the results directory"));
  }
  EXPECT_TRUE(fs::exists(tmp.path() / "results" / "Flow.A.json"));
  // A report inside the results directory is a subdirectory: the next report ignores it.
  const fs::path inside = tmp.path() / "results" / "report";
  ASSERT_EQ(run_command({(tmp.path() / "results").string(), "--out", inside.string()}).code,
            kReportExitOk);
  const Outcome again = run_command({(tmp.path() / "results").string()});
  EXPECT_EQ(again.code, kReportExitOk);
  EXPECT_EQ(again.err, "");
}

TEST(ReportCommand, MalformedResultNamesFileAndFieldAndWritesNothing) {
  const TempDir tmp;
  const fs::path results = tmp.path() / "results";
  const fs::path out_dir = tmp.path() / "report";
  write_result_file(make_result("Flow.Good", {"p(95)<1s"}), results);
  nlohmann::json bad = to_json(make_result("Flow.Bad", {}));
  bad["iteration"]["ok"] = "many";
  write_text(results / "Flow.Bad.json", bad.dump());
  const Outcome r = run_command({results.string(), "--out", out_dir.string()});
  EXPECT_EQ(r.code, kReportExitUsage);
  EXPECT_THAT(r.err, HasSubstr("Flow.Bad.json"));
  EXPECT_THAT(r.err, HasSubstr("iteration.ok"));
  EXPECT_THAT(r.err, HasSubstr("no report was written"));
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(out_dir));
}

TEST(ReportCommand, TruncatedJsonIsMalformedNotSkipped) {
  const TempDir tmp;
  write_result_file(make_result("Flow.Good", {"p(95)<1s"}), tmp.path());
  write_text(tmp.path() / "Flow.Cut.json", R"({"schema_version": 1, "name": "Flow.Cut", "ite)");
  const Outcome r = run_command({tmp.path().string()});
  EXPECT_EQ(r.code, kReportExitUsage);
  EXPECT_THAT(r.err, HasSubstr("Flow.Cut.json is not valid JSON (corrupt or truncated)"));
}

TEST(ReportCommand, UnwritableOutExitsTwo) {
  const TempDir tmp;
  write_result_file(make_result("Flow.A", {"p(95)<1s"}), tmp.path() / "results");
  write_text(tmp.path() / "a-file", "x");  // --out below a regular file cannot be created
  const Outcome r = run_command(
      {(tmp.path() / "results").string(), "--out", (tmp.path() / "a-file" / "out").string()});
  EXPECT_EQ(r.code, kReportExitUsage);
  EXPECT_THAT(r.err, HasSubstr("cannot write the report to"));
  EXPECT_EQ(r.out, "");
}

TEST(ReportCommand, ExitCodeIgnoresWarningsButNotStatus) {
  const TempDir tmp;
  write_result_file(make_result("Flow.Warn", {"p(95)<100ms"}), tmp.path());
  write_text(tmp.path() / "notes.json", R"({"hello": "world"})");
  const Outcome r = run_command({tmp.path().string()});
  EXPECT_EQ(r.code, kReportExitOk);
  EXPECT_THAT(r.err, HasSubstr("skipping notes.json"));
  EXPECT_THAT(r.out, Not(HasSubstr("notes")));
}

// ---- compare and merge ----------------------------------------------------------------------

// A report directory of one run whose latencies are 1..100 ms times `slower`.
fs::path report_of(const fs::path& root, const std::string& name, double slower) {
  RunResult r = make_result("Flow.A", {"p(95)<1s"});
  r.metrics.iteration.latency.reset();
  for (std::int64_t i = 1; i <= 100; ++i) {
    r.metrics.iteration.latency.record(static_cast<std::int64_t>(i * 1000 * slower));
  }
  write_result_file(r, root / (name + "-results"));
  const fs::path out = root / name;
  EXPECT_LE(run_command({(root / (name + "-results")).string(), "--out", out.string(), "-q"}).code,
            kReportExitFailed);
  return out;
}

TEST(ReportCompare, PassesTheSameRunAndFlagsASlowedOne) {
  const TempDir tmp;
  const fs::path base = report_of(tmp.path(), "base", 1.0);
  const fs::path same = report_of(tmp.path(), "same", 1.0);
  const fs::path slow = report_of(tmp.path(), "slow", 1.5);
  const Outcome ok = run_command({"compare", base.string(), same.string()});
  EXPECT_EQ(ok.code, kReportExitOk) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("compare: 1 compared, 0 regressed"));
  EXPECT_TRUE(fs::exists(same / "compare.json"));
  EXPECT_TRUE(fs::exists(same / "compare.html"));
  const Outcome bad = run_command({"compare", base.string(), (slow / "report.json").string()});
  EXPECT_EQ(bad.code, kReportExitFailed) << bad.err;
  EXPECT_THAT(bad.out, HasSubstr("REGRESSION  Flow.A"));
  EXPECT_EQ(nlohmann::json::parse(read_text(slow / "compare.json"))["regression"], true);
  // A wider tolerance lets the same change pass.
  EXPECT_EQ(run_command({"compare", base.string(), slow.string(), "--tolerance", "p50=0.6",
                         "--tolerance", "p95=0.6", "--tolerance", "p99=0.6"})
                .code,
            kReportExitOk);
}

TEST(ReportCompare, BadInputIsNamed) {
  const TempDir tmp;
  const fs::path base = report_of(tmp.path(), "base", 1.0);
  const Outcome missing = run_command({"compare", base.string(), (tmp.path() / "nope").string()});
  EXPECT_EQ(missing.code, kReportExitNoResults);
  EXPECT_THAT(missing.err, HasSubstr("nope"));
  const Outcome tolerance =
      run_command({"compare", base.string(), base.string(), "--tolerance", "p42=1"});
  EXPECT_EQ(tolerance.code, kReportExitUsage);
  EXPECT_THAT(tolerance.err, HasSubstr("\"p42\" is unknown"));
  write_text(tmp.path() / "cut.json", R"({"results": [)");
  const Outcome cut = run_command({"compare", base.string(), (tmp.path() / "cut.json").string()});
  EXPECT_EQ(cut.code, kReportExitUsage);
  EXPECT_THAT(cut.err, HasSubstr("cut.json is not valid JSON (corrupt or truncated)"));
  EXPECT_EQ(run_command({"compare", base.string()}).code, kReportExitUsage);
}

TEST(ReportMerge, MergesEachTestOfTheInputsIntoOneResult) {
  const TempDir tmp;
  write_result_file(make_result("Flow.A", {"p(95)<1s"}), tmp.path() / "m1");
  write_result_file(make_result("Flow.B", {}), tmp.path() / "m1");
  write_result_file(make_result("Flow.A", {"p(95)<1s"}), tmp.path() / "m2");
  const fs::path out = tmp.path() / "merged";
  const Outcome r = run_command(
      {"merge", out.string(), (tmp.path() / "m1").string(), (tmp.path() / "m2").string()});
  ASSERT_EQ(r.code, kReportExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("merged Flow.A from 2 results"));
  const RunResult a = read_result_file(out / "Flow.A.json");
  EXPECT_EQ(a.metrics.iteration.total(), 200);
  EXPECT_EQ(a.metrics.iteration.latency.total_count(), 200);
  EXPECT_EQ(read_result_file(out / "Flow.B.json").metrics.iteration.total(), 100);
  const Outcome missing =
      run_command({"merge", out.string(), (tmp.path() / "nowhere.json").string()});
  EXPECT_EQ(missing.code, kReportExitNoResults);
  EXPECT_THAT(missing.err, HasSubstr("nowhere.json does not exist"));
}

}  // namespace
}  // namespace gauntlet
