#include "gauntlet/report/csv_reporter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "support/percentile_invariant.hpp"

using ::testing::HasSubstr;

namespace gauntlet {
namespace {

RunResult sample_result() {
  RunResult r;
  r.duration_s = 2;
  r.started_at = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  StepStats& it = r.metrics.iteration;
  // 1..4 ms. Above 2048us the histogram's buckets are 2us wide, and percentiles report a bucket's
  // highest equivalent value (HDR convention) capped at the exact max: 3000us reads 3.001ms, and
  // 4000us (bucket [4000, 4001]) reads 4ms.
  for (int i = 1; i <= 4; ++i) it.latency.record(i * 1000);
  it.ok = 3;
  it.failed = 1;
  it.errors[static_cast<std::size_t>(ErrorClass::kHttp5xx)] =
      ErrorStats{1, {"HTTP 503", "a, \"quoted\""}};
  SeriesPoint p;
  p.second = 0;
  p.completed = 4;
  p.failed = 1;
  p.rps = 4;
  p.p50_us = 2000;
  p.p95_us = 4000;
  p.p99_us = 4000;
  p.active_vus = 2;
  r.metrics.series = {p};
  return r;
}

TEST(CsvReporter, WritesLocustsStatsColumnsAndAnAggregatedRow) {
  std::ostringstream out;
  CsvReporter(out, CsvTable::kStats, {"GET", "/ok", 2.5}).report(sample_result());
  EXPECT_EQ(
      out.str(),
      "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
      "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,"
      "75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\r\n"
      "GET,/"
      "ok,4,1,2,2.501,1,4,2.5,2,0.5,2,3.001,3.001,3.001,4,4,4,4,4,4,4\r\n"
      ",Aggregated,4,1,2,2.501,1,4,2.5,2,0.5,2,3.001,3.001,3.001,4,4,4,4,4,4,4\r\n");
}

TEST(CsvReporter, WritesTheHistoryWithCumulativeCountsAndNaForWhatIsNotKept) {
  std::ostringstream out;
  CsvReporter(out, CsvTable::kStatsHistory).report(sample_result());
  EXPECT_THAT(out.str(),
              HasSubstr("Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,"
                        "95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,"
                        "Total Median Response Time,Total Average Response Time,"
                        "Total Min Response Time,Total Max Response Time,"
                        "Total Average Content Size\r\n"));
  EXPECT_THAT(out.str(),
              HasSubstr("1700000000,2,,Aggregated,4,1,2,N/A,N/A,N/A,N/A,4,N/A,4,N/A,N/A,N/A,4,1,"
                        "N/A,N/A,N/A,N/A,0\r\n"));
}

TEST(CsvReporter, WritesFailuresPerClassQuotingAsPythonsCsvDoes) {
  std::ostringstream out;
  CsvReporter(out, CsvTable::kFailures, {"GET", "/ok", 0}).report(sample_result());
  EXPECT_EQ(out.str(),
            "Method,Name,Error,Occurrences\r\n"
            "GET,/ok,\"http_5xx: HTTP 503; a, \"\"quoted\"\"\",1\r\n");
}

// Every percentile column (and the median) lies between the row's Min and Max, in ms.
TEST(CsvReporter, NoPercentileColumnIsAboveTheMaxOrBelowTheMin) {
  std::ostringstream out;
  CsvReporter(out, CsvTable::kStats).report(testing::overshooting_result());
  std::istringstream rows(out.str());
  std::string line;
  std::getline(rows, line);  // header
  int checked = 0;
  while (std::getline(rows, line)) {
    std::vector<double> cells;
    std::istringstream fields(line);
    for (std::string f; std::getline(fields, f, ',');) cells.push_back(std::atof(f.c_str()));
    ASSERT_EQ(cells.size(), 22u) << line;
    std::vector<double> percentiles(cells.begin() + 11, cells.end());
    percentiles.push_back(cells[4]);  // Median Response Time
    testing::expect_within_min_max(percentiles, cells[6], cells[7], "_stats.csv: " + line);
    EXPECT_EQ(cells[7], 4.51) << line;
    ++checked;
  }
  EXPECT_EQ(checked, 2);  // the step "call" and Aggregated
}

}  // namespace
}  // namespace gauntlet
