#include "gauntlet/cli/http_command.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "gauntlet/cli/http_summary.hpp"
#include "gauntlet/metrics/run_result.hpp"
#include "gauntlet/report/json_reporter.hpp"
#include "gauntlet/report/result_file.hpp"
#include "gauntlet/text/duration_parse.hpp"
#include "support/percentile_invariant.hpp"
#include "support/test_server.hpp"

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

namespace gauntlet {
namespace {

using http_test::TestServer;

struct CommandRun {
  int code = -1;
  std::string out;
  std::string err;
};

CommandRun run_command(std::vector<std::string> args, const HttpCommandContext& context = {}) {
  std::ostringstream out;
  std::ostringstream err;
  CommandRun r;
  r.code = run_http_command(args, out, err, context);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class HttpCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gauntlet_http_cmd_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  TestServer server_;
  std::filesystem::path dir_;
};

TEST_F(HttpCommand, ExitsZeroAndSummarisesWhenThresholdsHold) {
  const CommandRun r = run_command({server_.url("/ok"), "-n", "200", "-c", "4", "-t", "2",
                                    "--threshold", "error_rate<1%", "-q"});
  EXPECT_EQ(r.code, kHttpExitPass) << r.err;
  EXPECT_THAT(r.out, HasSubstr("200 completed, 200 ok, 0 failed"));
  EXPECT_THAT(r.out, HasSubstr("status       200 x200"));
  EXPECT_THAT(r.out, HasSubstr("p99.99 "));
  EXPECT_THAT(r.out, HasSubstr("PASS  error_rate<1%"));
  EXPECT_THAT(r.out, HasSubstr("result       PASS"));
  EXPECT_THAT(r.out, Not(HasSubstr("req/s  p50"))) << "--quiet prints no progress line";
  EXPECT_EQ(server_.requests(), 200);
}

TEST_F(HttpCommand, ExitsOneWhenAThresholdFails) {
  const CommandRun r = run_command({server_.url("/status/503"), "-n", "50", "-c", "2", "-t", "1",
                                    "--threshold", "error_rate<1%", "-q"});
  EXPECT_EQ(r.code, kHttpExitFailed);
  EXPECT_THAT(r.out, HasSubstr("http_5xx: 50"));
  EXPECT_THAT(r.out, HasSubstr("\"HTTP 503\""));
  EXPECT_THAT(r.out, HasSubstr("FAIL  error_rate<1%"));
}

TEST_F(HttpCommand, ExitsTwoNamingTheBadFlagAndValue) {
  const CommandRun r = run_command({server_.url("/ok"), "-c", "abc", "--threshold", "p(99)<10xs"});
  EXPECT_EQ(r.code, kHttpExitUsage);
  EXPECT_THAT(r.err,
              HasSubstr("-c/--connections must be a whole number in 1..1000000, got \"abc\"."));
  EXPECT_EQ(server_.requests(), 0);
}

TEST_F(HttpCommand, ExitsTwoForABadThresholdBeforeSendingAnything) {
  const CommandRun r = run_command({server_.url("/ok"), "-n", "10", "--threshold", "p(99)<10xs"});
  EXPECT_EQ(r.code, kHttpExitUsage);
  EXPECT_THAT(r.err, HasSubstr("p(99)<10xs"));
  EXPECT_EQ(server_.requests(), 0);
}

// The outputs are written after the load: an unwritable path must stop the run before it.
TEST_F(HttpCommand, ExitsTwoForAnUnwritableOutputPathBeforeSendingAnything) {
  const CommandRun missing =
      run_command({server_.url("/ok"), "-n", "10", "--json", "/nonexistent-dir/out.json", "--csv",
                   "/nonexistent-dir/run", "-q"});
  EXPECT_EQ(missing.code, kHttpExitUsage);
  EXPECT_THAT(missing.err, HasSubstr("--json \"/nonexistent-dir/out.json\" cannot be written: the "
                                     "directory \"/nonexistent-dir\" does not exist."));
  EXPECT_THAT(missing.err, HasSubstr("--csv \"/nonexistent-dir/run\" cannot be written"));
  const CommandRun directory =
      run_command({server_.url("/ok"), "-n", "10", "--json", dir_.string(), "-q"});
  EXPECT_EQ(directory.code, kHttpExitUsage);
  EXPECT_THAT(directory.err, HasSubstr("it is a directory"));
  EXPECT_EQ(server_.requests(), 0);
  EXPECT_FALSE(std::filesystem::exists("/nonexistent-dir"));
}

TEST_F(HttpCommand, RefusesARemoteTargetUnlessAllowed) {
  const CommandRun r = run_command({"http://10.255.255.1:9/", "-n", "1"});
  EXPECT_EQ(r.code, kHttpExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--allow-remote"));
}

TEST(HttpCommandNoServer, ExitsThreeWhenTheTargetRefusesConnections) {
  const CommandRun r = run_command(
      {"http://127.0.0.1:" + std::to_string(http_test::unused_port()) + "/", "-n", "10", "-q"});
  EXPECT_EQ(r.code, kHttpExitCannotStart);
  EXPECT_THAT(r.err, HasSubstr("could not start: connect failure"));
}

TEST_F(HttpCommand, WritesTheResultAsCanonicalJsonAndLocustCsv) {
  const auto json_path = dir_ / "out.json";
  const std::string prefix = (dir_ / "run").string();
  const CommandRun r = run_command({server_.url("/ok?access_token=s3cret"), "-n", "100", "-c", "2",
                                    "-t", "1", "-H", "Authorization: Bearer s3cret", "--json",
                                    json_path.string(), "--csv", prefix, "-q"});
  ASSERT_EQ(r.code, kHttpExitPass) << r.err;
  const std::string text = read_text(json_path);
  EXPECT_THAT(text, Not(HasSubstr("s3cret")));
  const RunResult result = run_result_from_json(nlohmann::json::parse(text));
  EXPECT_EQ(result.name, "http");
  EXPECT_EQ(result.metrics.iteration.total(), 100);
  EXPECT_EQ(result.extra["http"]["status_counts"]["200"], 100);
  EXPECT_EQ(result.plan["model"], "closed");
  EXPECT_FALSE(result.incomplete);
  EXPECT_THAT(read_text(prefix + "_stats.csv"),
              StartsWith("Type,Name,Request Count,Failure Count,Median Response Time,"));
  EXPECT_THAT(read_text(prefix + "_stats.csv"), HasSubstr("\r\n,Aggregated,100,0,"));
  // Locust's Name is the request's path (secrets redacted), not the whole URL.
  EXPECT_THAT(read_text(prefix + "_stats.csv"),
              HasSubstr("\r\nGET,/ok?access_token=[REDACTED],100,0,"));
  // A closed-model run with 2 users says so in every second of the history, and fills the
  // percentile and Total columns that Locust fills.
  const std::string history = read_text(prefix + "_stats_history.csv");
  EXPECT_THAT(history, Not(HasSubstr("N/A")));
  std::istringstream rows(history);
  std::string row;
  std::getline(rows, row);
  while (std::getline(rows, row))
    EXPECT_THAT(row, ::testing::MatchesRegex("[0-9]+,2,,Aggregated,.*"));
  EXPECT_THAT(read_text(prefix + "_stats_history.csv"),
              StartsWith("Timestamp,User Count,Type,Name,"));
  EXPECT_EQ(read_text(prefix + "_failures.csv"), "Method,Name,Error,Occurrences\r\n");
}

TEST_F(HttpCommand, AStopStillWritesTheReportMarkedIncomplete) {
  std::stop_source stop;
  std::jthread stopper([&] {
    while (server_.requests() < 20) std::this_thread::sleep_for(1ms);
    stop.request_stop();
  });
  HttpCommandContext context;
  context.stop = stop.get_token();
  context.stop_reason = [] { return std::string("interrupted by SIGINT"); };
  const auto json_path = dir_ / "stopped.json";
  const CommandRun r = run_command(
      {server_.url("/ok"), "-d", "60s", "-c", "2", "-t", "1", "--json", json_path.string(), "-q"},
      context);
  EXPECT_EQ(r.code, kHttpExitFailed);
  EXPECT_THAT(r.out, HasSubstr("INCOMPLETE (interrupted by SIGINT)"));
  const RunResult result = read_result_file(json_path);
  EXPECT_TRUE(result.incomplete);
  EXPECT_EQ(result.stop_reason, "interrupted by SIGINT");
}

TEST_F(HttpCommand, OpenModeReportsRequestedAndAchievedRateAndTheUncorrectedView) {
  const CommandRun r =
      run_command({server_.url("/ok"), "--rate", "200", "-n", "40", "-c", "4", "-t", "1", "-q"});
  ASSERT_EQ(r.code, kHttpExitPass) << r.err;
  EXPECT_THAT(r.out, HasSubstr("open model"));
  EXPECT_THAT(r.out, HasSubstr("requested"));
  EXPECT_THAT(r.out, HasSubstr("uncorrected"));
  EXPECT_THAT(r.out, HasSubstr("scheduling lag p99"));
}

TEST(HttpCommandHelp, PrintsTheUsage) {
  const CommandRun r = run_command({"--help"});
  EXPECT_EQ(r.code, kHttpExitPass);
  EXPECT_THAT(r.out, StartsWith("usage: gauntlet http URL"));
}

TEST(ProgressLine, ShowsRateLatencyErrorsAndActiveConnections) {
  EngineProgress p;
  p.elapsed = 3s;
  p.failed = 2;
  p.active_connections = 10;
  SeriesPoint last;
  last.rps = 1234;
  last.p50_us = 1200;
  last.p99_us = 4500;
  EXPECT_EQ(progress_line(p, &last),
            "[  3s] 1234 req/s  p50 1.2ms  p99 4.5ms  errors 2  active 10");
  EXPECT_EQ(progress_line(p, nullptr), "[  3s] warming up  errors 2  active 10");
}

// The latency spectrum of `gauntlet http`'s summary, read back, never exceeds its max.
TEST(HttpSummary, NoPercentileIsAboveTheMaxOrBelowTheMin) {
  const RunResult r = testing::overshooting_result("http");
  EngineStats stats;
  stats.uncorrected = r.metrics.iteration.latency;
  std::ostringstream out;
  print_http_summary(out, r, stats);
  const std::regex figure(R"((p[0-9.]+|max) ([0-9.]+(?:us|ms|s)))");
  std::istringstream lines(out.str());
  int checked = 0;
  for (std::string line; std::getline(lines, line);) {
    std::vector<double> percentiles;
    double max_us = -1;
    for (std::sregex_iterator it(line.begin(), line.end(), figure), end; it != end; ++it) {
      const auto d = parse_duration((*it)[2].str());
      ASSERT_TRUE(d) << line;
      const double v = static_cast<double>(d->count()) / 1000.0;
      if ((*it)[1] == "max") {
        max_us = v;
      } else {
        percentiles.push_back(v);
      }
    }
    if (max_us < 0 || percentiles.size() < 2) continue;
    testing::expect_within_min_max(percentiles, 1001, max_us, "http summary: " + line);
    ++checked;
  }
  EXPECT_GE(checked, 1) << out.str();
}

}  // namespace
}  // namespace gauntlet
